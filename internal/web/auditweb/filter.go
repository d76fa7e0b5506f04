package auditweb

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// localLayout is what <input type="datetime-local"> sends, in the display zone.
const localLayout = "2006-01-02T15:04"

var outcomes = []string{audit.Success, audit.Failure, audit.Denied}

// auditFilterFromForm reads the search form. Bad values are reported per field and the
// form comes back as typed; the search does not run then, so nobody mistakes a result
// without the bad condition for the answer.
func auditFilterFromForm(c *gin.Context, tr *i18n.Translator) (store.AuditFilter, view.AuditFilter) {
	v := view.AuditFilter{
		From: c.Query("from"), To: c.Query("to"), Actor: strings.TrimSpace(c.Query("actor")),
		Area: c.Query("area"), Action: c.Query("action"), TargetType: strings.TrimSpace(c.Query("target_type")),
		TargetID: strings.TrimSpace(c.Query("target_id")), Outcome: c.Query("outcome"),
		RequestID: strings.TrimSpace(c.Query("request_id")), Text: strings.TrimSpace(c.Query("q")),
		Errors: map[string]string{},
	}
	f := store.AuditFilter{ActorName: store.NormalizeUsername(v.Actor), Action: v.Action, TargetType: v.TargetType,
		TargetID: v.TargetID, RequestID: v.RequestID, Text: v.Text}
	if v.Area != "" {
		if !slices.Contains(audit.Areas(), v.Area) {
			v.Errors["area"] = tr.T("audit.err_area")
		}
		f.Actions = audit.ActionsOf(v.Area)
	}
	if v.Outcome != "" {
		if !slices.Contains(outcomes, v.Outcome) {
			v.Errors["outcome"] = tr.T("audit.err_outcome")
		}
		f.Outcome = v.Outcome
	}
	for _, p := range []struct {
		name, value string
		into        *time.Time
	}{{"from", v.From, &f.Since}, {"to", v.To, &f.Until}} {
		if p.value == "" {
			continue
		}
		t, err := time.ParseInLocation(localLayout, p.value, webcore.DisplayZone)
		if err != nil {
			v.Errors[p.name] = tr.T("audit.err_time")
			continue
		}
		*p.into = t
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		v.Errors["to"] = tr.T("audit.err_range")
	}
	if b, err := strconv.ParseInt(c.Query("before"), 10, 64); err == nil && b > 0 {
		f.BeforeID = b
	}
	return f, v
}

// auditQueryString renders the filter back into query parameters (pager, exports).
func auditQueryString(v view.AuditFilter) url.Values {
	q := url.Values{}
	for k, val := range map[string]string{"from": v.From, "to": v.To, "actor": v.Actor, "area": v.Area,
		"action": v.Action, "target_type": v.TargetType, "target_id": v.TargetID, "outcome": v.Outcome,
		"request_id": v.RequestID, "q": v.Text} {
		if val != "" {
			q.Set(k, val)
		}
	}
	return q
}

// auditFilterDetails is what an audit.view event records about a search.
func auditFilterDetails(v view.AuditFilter) map[string]any {
	d := map[string]any{}
	for k, vals := range auditQueryString(v) {
		d[k] = vals[0]
	}
	return d
}

// auditRow prepares one event for a list; targets names its target (Targets).
func (a *Area) auditRow(e store.AuditEvent, tr *i18n.Translator, targets readmodel.AuditTargets) view.AuditRow {
	return view.AuditRow{
		ID: e.ID, Href: fmt.Sprintf("/audit/events/%d", e.ID), Time: webcore.FormatTime(e.Time, tr.Lang),
		Actor: e.ActorName, Action: actionLabel(tr, e.Action), ActionCode: e.Action,
		Target: targetLabel(tr, e.TargetType, e.TargetID, targets), TargetHref: targetHref(e.TargetType, e.TargetID),
		Outcome: tr.T("outcome." + e.Outcome), OutcomeRaw: e.Outcome, IP: e.IP, Summary: summarize(tr, e.Details),
	}
}

// actionLabel translates a known action and shows an unknown one as its code.
func actionLabel(tr *i18n.Translator, action string) string {
	if l := tr.T("action." + action); !strings.HasPrefix(l, "[") {
		return l
	}
	return action
}

// targetHref links an event's target to its page, or to its timeline.
func targetHref(typ, id string) string {
	switch {
	case id == "":
		return ""
	case typ == "sub_account":
		return "/sub-accounts/" + url.PathEscape(id)
	case typ == "operation":
		return "/operations/" + url.PathEscape(id)
	case typ == "route":
		return ""
	}
	return "/audit/timeline?" + url.Values{"target_type": {typ}, "target_id": {id}}.Encode()
}

func flat(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return "–"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
