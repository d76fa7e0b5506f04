package opsweb

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// pickExpiringDays are the resource picker's "expiring within N days" choices.
var pickExpiringDays = []int{7, 30, 90}

// resourcePick lists the yearly/monthly resources of one account as checkboxes: the
// account posted (account_id; from a sub-account's page, sub_account_id), else the first
// owning resources. The posted ids stay picked whatever the filter shows: those it hides
// travel as hidden fields, and ids of no listed resource stay in the paste box. The
// "select all" and "clear" buttons post pick_resources.
func (a *Area) resourcePick(c *gin.Context, tr *i18n.Translator, kind approval.Kind, vals formValues, errText string) (*view.ResourcePick, error) {
	now := a.now()
	f := readmodel.ResourceChoiceFilter{Account: vals("account_id"), HiddenMasters: a.masters.Hidden(c.Request.Context())}
	if f.Account == "" {
		f.Account = vals("sub_account_id")
	}
	days, _ := strconv.Atoi(vals("expiring"))
	if !slices.Contains(pickExpiringDays, days) {
		days = 0
	}
	if days > 0 {
		until := now.Add(time.Duration(days) * 24 * time.Hour)
		f.Until = &until
	}
	rc, err := a.read.ResourceChoices(c.Request.Context(), a.core.Scope(c), f)
	if err != nil {
		return nil, err
	}
	p := &view.ResourcePick{Error: errText}
	p.Within = append(p.Within, view.Option{Value: "", Label: tr.T("res.any_expiry"), Selected: days == 0})
	for _, d := range pickExpiringDays {
		p.Within = append(p.Within, view.Option{Value: strconv.Itoa(d), Label: tr.T("res.within_days", map[string]any{"Days": d}), Selected: d == days})
	}
	for _, id := range rc.Accounts {
		label := accountLabel(tr, id, rc)
		p.Accounts = append(p.Accounts, view.Option{Value: id, Label: label, Selected: id == rc.Account})
		if id == rc.Account {
			p.Account = label
		}
	}

	chosen := map[string]bool{}
	for _, id := range splitIDs([]string{vals("resource_ids")}) {
		chosen[id] = true
	}
	switch vals("pick_resources") {
	case "all": // every resource shown
		for _, r := range rc.Rows {
			chosen[r.ResourceID] = true
		}
	case "none": // every listed one, shown or not; pasted ids are the person's own
		for _, r := range rc.Rows {
			delete(chosen, r.ResourceID)
		}
		for _, id := range rc.Others {
			delete(chosen, id)
		}
	}
	listed := map[string]bool{}
	for _, r := range rc.Rows {
		listed[r.ResourceID] = true
		row := view.ResourceChoice{ID: r.ResourceID, Name: orDefault(r.Name, r.ResourceID), Service: orDefault(r.ServiceTypeName, r.ServiceType),
			Region: r.Region, Expire: webcore.FormatDate(r.Expire), Soon: webcore.ExpiresSoon(r.Expire, now), Checked: chosen[r.ResourceID]}
		if !readmodel.InUse(r) {
			row.Status = webcore.StatusLabel(tr, "res.status.", r.Status)
		}
		p.Rows = append(p.Rows, row)
	}
	for _, id := range rc.Others {
		listed[id] = true
		if chosen[id] {
			p.Kept = append(p.Kept, id)
		}
	}
	if len(p.Kept) > 0 {
		p.KeptNote = tr.N("pick.res_kept", len(p.Kept))
	}
	var pasted []string
	for _, id := range splitIDs([]string{vals("resource_ids")}) {
		if !listed[id] && chosen[id] && !slices.Contains(pasted, id) {
			pasted = append(pasted, id)
		}
	}
	total := len(rc.Rows) + len(rc.Others)
	switch {
	case len(rc.Accounts) == 0:
		p.Empty = tr.T("pick.res_no_accounts")
	case total == 0:
		p.Empty = tr.T("pick.res_none")
	case len(rc.Rows) == 0:
		p.Empty = tr.T("pick.res_none_within", map[string]any{"Days": days})
	default:
		p.Shown = tr.T("pick.res_shown", map[string]any{"Shown": len(rc.Rows), "Total": total, "Max": approval.MaxResources(kind)})
	}
	p.Paste = view.FormField{Name: "resource_ids", Label: tr.T("pick.paste_label"), Type: "textarea", Wide: true,
		Value: strings.Join(pasted, "\n"), Hint: tr.T("op.hint.resource_ids")}
	p.PasteOpen = len(pasted) > 0 || total == 0
	return p, nil
}

// accountLabel names an account owning resources: a sub-account by its names, a master
// as such.
func accountLabel(tr *i18n.Translator, id string, rc readmodel.ResourceChoices) string {
	h := rc.Holders[id]
	switch {
	case h == nil:
		return tr.T("pick.master_account", map[string]any{"ID": id})
	case h.DisplayName != "" && h.DisplayName != h.Name:
		return h.Name + " · " + h.DisplayName
	}
	return h.Name
}
