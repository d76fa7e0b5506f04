package adminweb

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// /admin/policy: the maker-checker rule of every kind of operation (internal/approval).

// policyDefault is CONTRACTS' default rule of a kind that has no stored row (the service
// applies the same; a Service.Policy(kind) would remove this copy).
func policyDefault(k approval.Kind) approval.Policy {
	return approval.DefaultPolicy(k)
}

// policiesReady answers "operations are not available" when no workflow is wired.
func (a *Area) policiesReady(c *gin.Context) bool {
	if a.policies == nil {
		a.core.Fail(c, webcore.ErrOperationsUnavailable)
		return false
	}
	return true
}

// currentPolicies returns every kind's rule, stored or default, in display order.
func (a *Area) currentPolicies(c *gin.Context) (map[approval.Kind]approval.Policy, error) {
	stored, err := a.policies.Policies(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := map[approval.Kind]approval.Policy{}
	for _, k := range approval.PolicyKinds {
		out[k] = policyDefault(k)
	}
	for _, p := range stored {
		out[p.Kind] = p
	}
	return out, nil
}

// kindLabel is the translated name of a kind of operation.
func kindLabel(tr *i18n.Translator, k approval.Kind) string { return tr.T("op.kind." + string(k)) }

func policyRow(tr *i18n.Translator, p approval.Policy) view.PolicyRow {
	r := view.PolicyRow{Kind: string(p.Kind), Label: kindLabel(tr, p.Kind), NeedsApproval: p.NeedsApproval,
		ExpiryHours: strconv.FormatFloat(p.Expiry.Hours(), 'f', -1, 64), MovesMoney: p.Kind.HasThreshold()}
	if p.TwoApproversAbove != nil {
		r.TwoAbove = p.TwoApproversAbove.String()
	}
	if !p.UpdatedAt.IsZero() {
		r.Updated = webcore.FormatTime(p.UpdatedAt, tr.Lang)
	}
	return r
}

// policyPage is GET /admin/policy.
func (a *Area) policyPage(c *gin.Context) {
	if !a.policiesReady(c) {
		return
	}
	tr := a.core.Translator(c)
	cur, err := a.currentPolicies(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	var v view.PolicyPage
	for _, k := range approval.PolicyKinds {
		v.Rows = append(v.Rows, policyRow(tr, cur[k]))
	}
	a.renderPolicy(c, http.StatusOK, v)
}

func (a *Area) renderPolicy(c *gin.Context, status int, v view.PolicyPage) {
	a.core.Render(c, status, pages.Policy(a.core.Page(c, "op.policy_title"), v))
}
