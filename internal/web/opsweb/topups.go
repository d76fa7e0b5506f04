package opsweb

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// Proposed top-ups (issue 14): approval.ProposeTopUps computes, for the accounts running
// out, what brings each to the target within what each master has free; the page shows
// it, and its submit (approval.DraftTopUps) drafts those rows as one batch of transfers,
// approved and executed like any other, when the proposal computed again is still the one
// shown (its fingerprint).

// topUpInput is the page's parameters as typed; bad carries the field a number could not
// be read from.
type topUpInput struct {
	below, target, step, master string
	req                         approval.TopUpRequest
	bad                         map[string]bool
}

func readTopUpInput(get func(string) string) topUpInput {
	in := topUpInput{below: strings.TrimSpace(get("below")), target: strings.TrimSpace(get("target")),
		step: strings.TrimSpace(get("step")), master: strings.TrimSpace(get("master")), bad: map[string]bool{}}
	if in.below == "" {
		in.below = strconv.Itoa(approval.DefaultTopUpBelow)
	}
	if in.target == "" {
		in.target = strconv.Itoa(approval.DefaultTopUpTarget)
	}
	if in.step == "" {
		in.step = approval.DefaultTopUpStep
	}
	in.req = approval.TopUpRequest{Step: in.step, Master: in.master}
	var err error
	if in.req.Below, err = strconv.Atoi(in.below); err != nil {
		in.bad["below"] = true
	}
	if in.req.Target, err = strconv.Atoi(in.target); err != nil {
		in.bad["target"] = true
	}
	return in
}

// topUpsPropose is GET /operations/top-ups/propose: the parameters and, when they are
// good, the preview. Bad parameters come back with the reason (422).
func (a *Area) topUpsPropose(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in := readTopUpInput(c.Query)
	tr := a.core.Translator(c)
	v := view.TopUpPage{IdemKey: newIdemKey(), Reason: tr.T("topup.default_reason", map[string]any{"Target": in.target})}
	status := http.StatusUnprocessableEntity
	if a.topUpInputOK(c, in, &v) {
		p, err := a.ops.ProposeTopUps(c.Request.Context(), a.actor(c), in.req)
		if status, err = a.showTopUps(c, &v, p, err); err != nil {
			a.core.FailOperation(c, err, approval.TargetBatch, "")
			return
		}
	}
	a.core.Render(c, status, pages.TopUps(a.core.Page(c, "topup.title"), v))
}

// topUpsDraft is POST /operations/top-ups/propose: the proposal becomes one batch when it
// is still the one previewed (approval.DraftTopUps); otherwise the new figures come back
// to be checked (409). The form's key makes a double submit one batch.
func (a *Area) topUpsDraft(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in := readTopUpInput(c.PostForm)
	key, reason := trimmed(c, "idempotency_key"), trimmed(c, "reason")
	if !validIdemKey(key) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	tr := a.core.Translator(c)
	v := view.TopUpPage{IdemKey: key, Reason: reason}
	status := http.StatusUnprocessableEntity
	if a.topUpInputOK(c, in, &v) {
		b, p, err := a.ops.DraftTopUps(c.Request.Context(), a.actor(c), in.req, trimmed(c, "fingerprint"), reason, key)
		var be *approval.BatchErrors
		var ve *approval.ValidationError
		switch {
		case err == nil:
			a.core.Flash(c, "ok", "flash.batch_submitted")
			a.core.Redirect(c, batchHref(b.ID))
			return
		case errors.Is(err, approval.ErrProposalChanged):
			_, _ = a.showTopUps(c, &v, p, nil)
			status, v.Notice = http.StatusConflict, tr.T("topup.changed")
		case errors.As(err, &be):
			_, _ = a.showTopUps(c, &v, p, nil)
			v.Errors = rowErrorViews(tr, be.Rows)
		case errors.As(err, &ve) && ve.Fields["reason"] != "":
			_, _ = a.showTopUps(c, &v, p, nil)
			v.ReasonErr = fieldMessage(tr, ve, "reason")
		default: // the parameters' problems (422), or the error exit
			if _, err := a.showTopUps(c, &v, p, err); err != nil {
				a.core.FailOperation(c, err, approval.TargetBatch, "")
				return
			}
		}
	}
	a.core.Render(c, status, pages.TopUps(a.core.Page(c, "topup.title"), v))
}

// topUpInputOK puts the inputs as typed on the page, with the numbers that could not be
// read; false when there is such a number.
func (a *Area) topUpInputOK(c *gin.Context, in topUpInput, v *view.TopUpPage) bool {
	tr := a.core.Translator(c)
	v.Below, v.Target, v.Step, v.Master = in.below, in.target, in.step, in.master
	v.Masters = a.masters.Options(c, in.master)
	if in.bad["below"] {
		v.BelowErr = tr.T("topup.err.days", map[string]any{"max": "365"})
	}
	if in.bad["target"] {
		v.TargetErr = tr.T("topup.err.days", map[string]any{"max": "365"})
	}
	return len(in.bad) == 0
}

// showTopUps puts the use case's answer on the page: the proposal (200), or the problems
// with the parameters (422). Other errors are returned for the error exit.
func (a *Area) showTopUps(c *gin.Context, v *view.TopUpPage, p approval.TopUpProposal, err error) (int, error) {
	tr := a.core.Translator(c)
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		v.BelowErr, v.TargetErr, v.StepErr = fieldMessage(tr, ve, "below"), fieldMessage(tr, ve, "target"), fieldMessage(tr, ve, "step")
		return http.StatusUnprocessableEntity, nil
	}
	if err != nil {
		return 0, err
	}
	v.Shown, v.Step, v.Fingerprint = true, p.Step.String(), p.Fingerprint()
	names := map[string]string{}
	for _, o := range v.Masters {
		names[o.Value] = o.Label
	}
	for _, m := range p.Masters {
		name := names[m.Master]
		switch {
		case name == "" && len(v.Masters) == 0: // one master: no need to name it
			name = tr.T("topup.the_master")
		case name == "":
			name = m.Master
		}
		f := view.TopUpFunds{Master: name, Free: m.Free.Text(), Asked: m.Asked.Text(), Total: m.Total.Text(), Short: m.Short}
		if m.AsOf != nil {
			f.AsOf = webcore.FormatTime(*m.AsOf, tr.Lang)
		}
		v.Funds = append(v.Funds, f)
	}
	for _, r := range p.Rows {
		v.Rows = append(v.Rows, topUpRow(tr, r))
	}
	v.Drafted, v.Count, v.Total = len(p.Batch), webcore.FormatInt(int64(len(p.Batch))), p.Total.Text()
	return http.StatusOK, nil
}

func topUpRow(tr *i18n.Translator, r approval.TopUpRow) view.TopUpRow {
	sa := r.SubAccount
	row := view.TopUpRow{ID: sa.ID, Name: sa.Name, DisplayName: sa.DisplayName, Href: "/sub-accounts/" + url.PathEscape(sa.ID),
		DaysLeft: tr.N("runway.days", 2, map[string]any{"Days": r.Days.StringFixed(1)}),
		Burn:     money.New(r.Burn.Round(2), sa.Currency).Format(), Balance: sa.Total.Format(), Needed: r.Needed.Format(),
		Trimmed: r.Note == approval.TopUpTrimmed || r.Note == approval.TopUpDropped}
	if r.Amount.IsPositive() {
		row.Amount = r.Amount.Format()
	}
	if r.Note != "" {
		row.Note = tr.T("topup.note."+string(r.Note), map[string]any{"Rounded": r.Rounded.Format()})
	}
	if !r.Waiting.IsZero() {
		waiting := tr.T("topup.waiting", map[string]any{"Amount": r.Waiting.Format()})
		row.Note = strings.TrimSpace(row.Note + " " + waiting)
	}
	return row
}
