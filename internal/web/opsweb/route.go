package opsweb

import (
	"strings"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// routeView is an approval route (the approval matrix's, fixed when it was requested) as
// an operation's or batch's page shows it: what it needs, how far each level got, who
// can approve what still waits, and, to an approver who cannot approve it now, why.
func routeView(tr *i18n.Translator, rs approval.RouteStatus, viewer authz.Subject) view.ApprovalRoute {
	names := map[int64]string{}
	levels := make([]approval.Level, len(rs.Levels))
	for i, l := range rs.Levels {
		names[l.GroupID], levels[i] = l.GroupName, approval.Level{Count: l.Count, GroupID: l.GroupID}
	}
	v := view.ApprovalRoute{Rule: tr.T("matrix.route.policy")}
	if rs.Route.RuleID != 0 {
		v.Rule = tr.T("matrix.route.rule", map[string]any{"ID": rs.Route.RuleID, "Version": rs.Route.RuleVersion})
	}
	v.Summary = tr.T("matrix.route.needs", map[string]any{"Levels": webcore.RouteText(tr, levels, rs.Route.Sequential, names)})
	for i, l := range rs.Levels {
		rl := view.RouteLevel{Label: capital(webcore.LevelText(tr, i+1, levels[i], names)), Status: "waiting",
			Progress: tr.T("matrix.route.progress", map[string]any{"Approved": l.Approved, "Count": l.Count})}
		switch {
		case l.Done:
			rl.Status = "done"
		case l.Open:
			rl.Status = "open"
		}
		if !l.Done {
			rl.Approvers = strings.Join(l.Approvers, ", ")
			if rl.Approvers == "" {
				rl.Approvers = tr.T("matrix.route.nobody")
			}
		}
		v.Levels = append(v.Levels, rl)
	}
	switch rs.WhyNot {
	case approval.ReasonLaterLevel, approval.ReasonNotInGroup, approval.ReasonGroupScope, approval.ReasonDelegator, approval.ReasonScope:
		if authz.Allowed(viewer, authz.ApproveOperation, authz.Target{}) {
			v.Note = tr.T("matrix.whynot." + rs.WhyNot)
		}
	}
	return v
}

// capital starts a level's label with a capital letter where the language has them.
func capital(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// routeWhy says why the route is what it is, as the request's creation recorded it (its
// audit event's route_why); "" for the kind's policy (its label says so) and for
// requests made before the matrix.
func routeWhy(tr *i18n.Translator, tl []approval.TimelineEntry) string {
	for _, e := range tl {
		if e.Action != approval.ActionCreate {
			continue
		}
		why, _ := e.Details["route_why"].(string)
		switch why {
		case approval.WhyOnly, approval.WhyDeepest, approval.WhyNarrowest, approval.WhyTie:
			return tr.T("matrix.whyop." + strings.TrimPrefix(why, "matrix.why."))
		}
		return ""
	}
	return ""
}
