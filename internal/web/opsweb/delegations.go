package opsweb

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// /delegations: an approver lets another approve on their behalf for a period, and ends
// it; admins see (and end, or set up for someone) everyone's. The rules are the use
// case's (internal/approval delegation.go); each change asks for a fresh code.

// Delegations are the delegations of approvals (approval.Service); Operations embeds them.
type Delegations interface {
	Delegations(ctx context.Context, a approval.Actor) ([]approval.Delegation, error)
	Approvers(ctx context.Context, a approval.Actor) ([]approval.Person, error)
	CreateDelegation(ctx context.Context, a approval.Actor, code string, in approval.DelegationInput) (*approval.Delegation, error)
	RevokeDelegation(ctx context.Context, a approval.Actor, code string, id int64) (*approval.Delegation, error)
}

// localLayout is how a datetime-local input holds a time (in webcore.DisplayZone).
const localLayout = "2006-01-02T15:04"

// delegationsPage is GET /delegations.
func (a *Area) delegationsPage(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	v, err := a.delegationsView(c)
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetDelegation, "")
		return
	}
	a.renderDelegations(c, http.StatusOK, v)
}

func (a *Area) renderDelegations(c *gin.Context, status int, v view.DelegationsPage) {
	a.core.Render(c, status, pages.Delegations(a.core.Page(c, "delegation.title"), v))
}

// delegationsView is the page: the reader's delegations and an empty form.
func (a *Area) delegationsView(c *gin.Context) (view.DelegationsPage, error) {
	ctx, act, tr := c.Request.Context(), a.actor(c), a.core.Translator(c)
	ds, err := a.ops.Delegations(ctx, act)
	if err != nil {
		return view.DelegationsPage{}, err
	}
	sub := a.core.Subject(c)
	v := view.DelegationsPage{Admin: authz.Allowed(sub, authz.ManageUsers, authz.Target{})}
	v.ForOthers = v.Admin
	v.CanCreate = v.Admin || sub.Has(authz.Approver)
	for _, d := range ds {
		v.Rows = append(v.Rows, view.DelegationRow{ID: idString(d.ID), From: d.FromName, To: d.ToName,
			Starts: webcore.FormatTime(d.StartsAt, tr.Lang), Ends: webcore.FormatTime(d.EndsAt, tr.Lang), Reason: d.Reason,
			CreatedBy: d.CreatedByName, State: delegationBadge(tr, d.State), CanRevoke: d.CanRevoke})
	}
	people, err := a.ops.Approvers(ctx, act)
	if err != nil {
		return v, err
	}
	for _, p := range people {
		label := p.Username
		if p.DisplayName != "" {
			label += " (" + p.DisplayName + ")"
		}
		v.People = append(v.People, view.Option{Value: idString(p.ID), Label: label})
	}
	return v, nil
}

func delegationBadge(tr *i18n.Translator, state string) view.Badge {
	kind := map[string]string{approval.DelegationActive: "ok", approval.DelegationScheduled: "info",
		approval.DelegationRevoked: "bad"}[state]
	return view.Badge{Text: tr.T("delegation.state." + state), Kind: kind}
}

// delegationCreate is POST /delegations.
func (a *Area) delegationCreate(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	tr := a.core.Translator(c)
	f := view.DelegationForm{FromUserID: trimmed(c, "from_user_id"), ToUserID: trimmed(c, "to_user_id"), Starts: trimmed(c, "starts_at"),
		Ends: trimmed(c, "ends_at"), Reason: trimmed(c, "reason"), Errors: map[string]string{}}
	in := approval.DelegationInput{Reason: f.Reason}
	in.FromUserID, _ = strconv.ParseInt(f.FromUserID, 10, 64)
	in.ToUserID, _ = strconv.ParseInt(f.ToUserID, 10, 64)
	in.StartsAt = localTime(tr, f.Starts, "starts_at", f.Errors)
	in.EndsAt = localTime(tr, f.Ends, "ends_at", f.Errors)
	var err error
	if len(f.Errors) == 0 {
		_, err = a.ops.CreateDelegation(c.Request.Context(), a.actor(c), trimmed(c, "code"), in)
	}
	var ve *approval.ValidationError
	switch {
	case len(f.Errors) == 0 && err == nil:
		a.core.Flash(c, "ok", "flash.delegation_created")
		a.core.Redirect(c, "/delegations")
		return
	case errors.As(err, &ve):
		for _, k := range sortedFields(ve) {
			f.Errors[k] = fieldMessage(tr, ve, k)
		}
	case errors.Is(err, approval.ErrStepUp):
		f.CodeError = tr.T(stepUpMessage(err))
	case err != nil:
		a.core.FailOperation(c, err, approval.TargetDelegation, "")
		return
	}
	v, verr := a.delegationsView(c)
	if verr != nil {
		a.core.Fail(c, verr)
		return
	}
	f.Error = tr.T("op.form_has_errors")
	v.Form = f
	a.renderDelegations(c, http.StatusUnprocessableEntity, v)
}

// delegationRevoke is POST /delegations/:id/revoke.
func (a *Area) delegationRevoke(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	_, err = a.ops.RevokeDelegation(c.Request.Context(), a.actor(c), trimmed(c, "code"), id)
	if err == nil {
		a.core.Flash(c, "ok", "flash.delegation_revoked")
		a.core.Redirect(c, "/delegations")
		return
	}
	if !errors.Is(err, approval.ErrStepUp) {
		a.core.FailOperation(c, err, approval.TargetDelegation, idString(id))
		return
	}
	v, verr := a.delegationsView(c)
	if verr != nil {
		a.core.Fail(c, verr)
		return
	}
	for i := range v.Rows {
		if v.Rows[i].ID == idString(id) {
			v.Rows[i].RevokeError = a.core.Translator(c).T(stepUpMessage(err))
		}
	}
	a.renderDelegations(c, http.StatusUnprocessableEntity, v)
}

// localTime reads a datetime-local field in Beijing time; "" is the zero time (the use
// case reads a zero start as now, and refuses a zero end).
func localTime(tr *i18n.Translator, s, name string, errs map[string]string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(localLayout, strings.TrimSpace(s), webcore.DisplayZone)
	if err != nil {
		errs[name] = tr.T("delegation.err.time")
	}
	return t
}

// stepUpMessage is the message id of a refused second-factor code (a wrong, reused or
// locked-out code, as the workflow's error table words it).
func stepUpMessage(err error) string {
	if he := webcore.OperationError(err); he != nil {
		return he.Message
	}
	return "op.error.step_up"
}
