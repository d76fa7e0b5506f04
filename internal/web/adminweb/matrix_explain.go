package adminweb

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// matrixExplain is GET /admin/matrix/explain (kind, sub_account or org_unit, amount):
// which rule the matrix gives such a request now, why, what every other rule of the kind
// did, and who could approve it.
func (a *Area) matrixExplain(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	ctx, actor, tr := c.Request.Context(), a.actor(c), a.core.Translator(c)
	q := approval.ExplainQuery{Kind: approval.Kind(c.Query("kind")), SubAccountID: strings.TrimSpace(c.Query("sub_account")),
		OrgUnitID: strings.TrimSpace(c.Query("org_unit")), Amount: strings.TrimSpace(c.Query("amount"))}
	if q.Kind == "" {
		q.Kind = approval.KindTransferFunds
	}
	orgs, err := a.db.Organizations(ctx)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v := view.MatrixExplain{Form: view.MatrixExplainForm{Kinds: matrixKinds(tr, q.Kind), Units: unitOptions(tr, orgs, q.OrgUnitID, true),
		SubAccount: q.SubAccountID, Amount: q.Amount}}
	if len(c.Request.URL.Query()) == 0 {
		a.core.Render(c, http.StatusOK, pages.MatrixExplain(a.core.Page(c, "matrix.explain_title"), v))
		return
	}
	ex, err := a.matrix.Explain(ctx, actor, q)
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		v.Form.Errors = matrixFieldErrors(tr, err)
		a.core.Render(c, http.StatusUnprocessableEntity, pages.MatrixExplain(a.core.Page(c, "matrix.explain_title"), v))
		return
	}
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetRule, "")
		return
	}
	groups, err := a.matrix.ApproverGroups(ctx, actor)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	n := a.names(c, groups)
	v.Asked, v.Path = true, pathText(tr, ex.OrgPath, n.units)
	v.Result, v.Route = explainResult(tr, ex, n), explainRoute(tr, ex, n)
	for _, cand := range ex.Resolution.Candidates {
		r := cand.Rule
		v.Candidates = append(v.Candidates, view.MatrixCandidate{Rule: "#" + itoa(r.ID), Unit: unitText(tr, r.OrgUnitID, n.units),
			Band: bandText(tr, r.Min, r.Max), Needs: ruleNeeds(tr, &r, n), Verdict: tr.T("matrix.verdict." + string(cand.Verdict)),
			Applies: cand.Verdict == approval.VerdictApplies})
	}
	a.core.Render(c, http.StatusOK, pages.MatrixExplain(a.core.Page(c, "matrix.explain_title"), v))
}

// pathText is an organisation path by name, root first ("outside every unit" for none).
func pathText(tr *i18n.Translator, path []string, names map[string]string) string {
	if len(path) == 0 {
		return tr.T("matrix.unit.none")
	}
	parts := make([]string, len(path))
	for i, id := range path {
		parts[i] = unitText(tr, id, names)
	}
	return strings.Join(parts, " › ")
}

// explainResult says which rule applies and why.
func explainResult(tr *i18n.Translator, ex approval.Explanation, n matrixNames) string {
	res := ex.Resolution
	if res.Rule == nil {
		return tr.T(res.Why, map[string]any{"Kind": kindLabel(tr, res.Policy.Kind)})
	}
	return tr.T(res.Why, map[string]any{"ID": res.Rule.ID, "Unit": unitText(tr, res.Rule.OrgUnitID, n.units),
		"Band": bandText(tr, res.Rule.Min, res.Rule.Max)})
}

// explainRoute is the route such a request would get, with who could approve each level.
func explainRoute(tr *i18n.Translator, ex approval.Explanation, n matrixNames) view.ApprovalRoute {
	route := ex.Resolution.Route
	v := view.ApprovalRoute{Summary: tr.T("matrix.route.needs", map[string]any{"Levels": webcore.RouteText(tr, route.Levels, route.Sequential, n.groups)}),
		Rule: tr.T("matrix.route.policy")}
	if route.RuleID != 0 {
		v.Rule = tr.T("matrix.route.rule", map[string]any{"ID": route.RuleID, "Version": route.RuleVersion})
	}
	for i, l := range route.Levels {
		who := strings.Join(ex.Approvers[i], ", ")
		if who == "" {
			who = tr.T("matrix.route.nobody")
		}
		v.Levels = append(v.Levels, view.RouteLevel{Label: webcore.LevelText(tr, i+1, l, n.groups), Approvers: who, Status: "open"})
	}
	return v
}
