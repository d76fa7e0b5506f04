package auditweb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

const auditPageSize = 50

// recordView writes audit.view: auditors' reading is part of the record too.
func (a *Area) recordView(c *gin.Context, what string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["view"] = what
	return audit.Record(c.Request.Context(), a.db, a.core.Meta(c), audit.Entry{
		Action: audit.AuditView, TargetType: "audit", TargetID: what, Outcome: audit.Success, Details: details,
	})
}

func (a *Area) auditList(c *gin.Context) {
	tr := a.core.Translator(c)
	f, fv := auditFilterFromForm(c, tr)
	v := view.AuditList{Filter: fv, CanExport: authz.Allowed(a.core.Subject(c), authz.ExportAudit, authz.Target{})}
	for _, area := range audit.Areas() {
		v.Areas = append(v.Areas, view.Option{Value: area, Label: tr.T("audit.area_" + area), Selected: area == fv.Area})
	}
	for _, a := range audit.Known {
		v.Actions = append(v.Actions, view.Option{Value: a, Label: actionLabel(tr, a) + " (" + a + ")", Selected: a == fv.Action})
	}
	for _, o := range outcomes {
		v.Outcomes = append(v.Outcomes, view.Option{Value: o, Label: tr.T("outcome." + o), Selected: o == fv.Outcome})
	}
	status := http.StatusOK
	if len(fv.Errors) > 0 {
		status = http.StatusBadRequest
	} else {
		f.Limit = auditPageSize + 1
		events, err := a.db.ListAudit(c.Request.Context(), f)
		if err != nil {
			a.core.Fail(c, err)
			return
		}
		q := auditQueryString(fv)
		if len(events) > auditPageSize {
			events = events[:auditPageSize]
			next := auditQueryString(fv)
			next.Set("before", strconv.FormatInt(events[len(events)-1].ID, 10))
			v.NextHref = "/audit?" + next.Encode()
		}
		if f.BeforeID > 0 {
			v.FirstHref = "/audit?" + q.Encode()
		}
		targets, err := a.targets.AuditTargets(c.Request.Context(), events)
		if err != nil {
			a.core.Fail(c, err)
			return
		}
		for _, e := range events {
			v.Rows = append(v.Rows, a.auditRow(e, tr, targets))
		}
		for format, into := range map[string]*string{"csv": &v.ExportCSV, "jsonl": &v.ExportJSONL, "xlsx": &v.ExportXLSX} {
			eq := auditQueryString(fv)
			eq.Set("format", format)
			*into = "/audit/export?" + eq.Encode()
		}
		details := auditFilterDetails(fv)
		if f.BeforeID > 0 {
			details["before"] = f.BeforeID
		}
		details["rows"] = len(v.Rows)
		if err := a.recordView(c, "search", details); err != nil {
			a.core.Fail(c, err)
			return
		}
	}
	a.core.Render(c, status, pages.AuditList(a.core.Chrome(c, "audit.title"), v))
}

func (a *Area) auditEvent(c *gin.Context) {
	tr := a.core.Translator(c)
	id, err := pathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	e, err := a.db.AuditEventByID(c.Request.Context(), id)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	if err := a.recordView(c, "event", map[string]any{"event_id": id}); err != nil {
		a.core.Fail(c, err)
		return
	}
	targets, err := a.targets.AuditTargets(c.Request.Context(), []store.AuditEvent{*e})
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v := view.AuditEvent{ID: e.ID, Title: tr.T("audit.event_heading", map[string]any{"ID": e.ID}), DetailsJSON: prettyJSON(e.Details)}
	actor := e.ActorName
	if e.ActorID != nil {
		actor = fmt.Sprintf("%s (id %d)", e.ActorName, *e.ActorID)
	}
	requestHref := ""
	if e.RequestID != "" {
		requestHref = "/audit?request_id=" + url.QueryEscape(e.RequestID)
	}
	v.Fields = []view.KV{
		{Label: tr.T("audit.time"), Value: webcore.FormatTime(e.Time, tr.Lang) + " · " + e.Time.UTC().Format("2006-01-02T15:04:05.000000Z")},
		{Label: tr.T("audit.actor"), Value: actor, Href: "/audit?actor=" + url.QueryEscape(e.ActorName)},
		{Label: tr.T("audit.action"), Value: actionLabel(tr, e.Action) + " (" + e.Action + ")"},
		{Label: tr.T("audit.target"), Value: targetLabel(tr, e.TargetType, e.TargetID, targets), Href: targetHref(e.TargetType, e.TargetID)},
		{Label: tr.T("audit.outcome"), Value: tr.T("outcome." + e.Outcome)},
		{Label: tr.T("audit.ip"), Value: e.IP, Mono: true},
		{Label: tr.T("audit.user_agent"), Value: e.UserAgent},
		{Label: tr.T("audit.request_id"), Value: e.RequestID, Href: requestHref, Mono: true},
		{Label: tr.T("audit.hash"), Value: e.Hash, Mono: true},
		{Label: tr.T("audit.prev_hash"), Value: e.PrevHash, Mono: true},
	}
	v.Changes = changes(e.Details)
	if e.TargetID != "" && e.TargetType != "route" {
		v.TimelineHref = "/audit/timeline?target_type=" + url.QueryEscape(e.TargetType) + "&target_id=" + url.QueryEscape(e.TargetID)
	}
	if e.ID > 1 {
		v.PrevHref = fmt.Sprintf("/audit/events/%d", e.ID-1)
	}
	v.NextHref = fmt.Sprintf("/audit/events/%d", e.ID+1)
	a.core.Render(c, http.StatusOK, pages.AuditEvent(a.core.Chrome(c, "audit.title"), v))
}

// changes reads "before"/"after" objects from details (what admin changes record) into
// one row per field that differs.
func changes(details json.RawMessage) []view.Change {
	var d struct {
		Before map[string]any `json:"before"`
		After  map[string]any `json:"after"`
	}
	if json.Unmarshal(details, &d) != nil || (d.Before == nil && d.After == nil) {
		return nil
	}
	keys := map[string]bool{}
	for k := range d.Before {
		keys[k] = true
	}
	for k := range d.After {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []view.Change
	for _, k := range names {
		b, a := flat(d.Before[k]), flat(d.After[k])
		if b != a {
			out = append(out, view.Change{Field: k, Before: b, After: a})
		}
	}
	return out
}

func prettyJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

func (a *Area) auditTimeline(c *gin.Context) {
	tr := a.core.Translator(c)
	typ, id := c.Query("target_type"), c.Query("target_id")
	if typ == "" || id == "" {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	f := store.AuditFilter{TargetType: typ, TargetID: id, Ascending: true, Limit: 201}
	if typ == "sub_account" {
		// A sub-account's story includes the operations that moved its money.
		f.TargetType, f.TargetID, f.SubAccountID = "", "", id
	}
	if after, err := strconv.ParseInt(c.Query("after"), 10, 64); err == nil {
		f.AfterID = after
	}
	events, err := a.db.ListAudit(c.Request.Context(), f)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	targets, err := a.targets.AuditTargets(c.Request.Context(), append(events, store.AuditEvent{TargetType: typ, TargetID: id}))
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v := view.AuditTimeline{Target: targetLabel(tr, typ, id, targets)}
	if len(events) > 200 {
		events = events[:200]
		v.NextHref = "/audit/timeline?target_type=" + url.QueryEscape(typ) + "&target_id=" + url.QueryEscape(id) +
			"&after=" + strconv.FormatInt(events[len(events)-1].ID, 10)
	}
	for _, e := range events {
		v.Rows = append(v.Rows, a.auditRow(e, tr, targets))
	}
	if err := a.recordView(c, "timeline", map[string]any{"target_type": typ, "target_id": id}); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, http.StatusOK, pages.AuditTimeline(a.core.Chrome(c, "audit.title"), v))
}

// validOutcome is for the API.
func validOutcome(o string) bool { return o == "" || slices.Contains(outcomes, o) }
