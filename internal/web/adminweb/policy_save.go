package adminweb

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/web/templates/view"
)

// policySave is POST /admin/policy: every kind's row of the form, saved behind a fresh
// TOTP code. Only the kinds that changed are saved, each with its policy.update event.
func (a *Area) policySave(c *gin.Context) {
	if !a.policiesReady(c) {
		return
	}
	ctx := c.Request.Context()
	tr := a.core.Translator(c)
	cur, err := a.currentPolicies(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v, changed, bad := policyForm(c, tr, cur)
	if bad {
		v.Error = tr.T("op.form_has_errors")
		a.renderPolicy(c, http.StatusUnprocessableEntity, v)
		return
	}
	if len(changed) == 0 {
		a.core.Flash(c, "info", "flash.policy_unchanged")
		a.core.Redirect(c, "/admin/policy")
		return
	}
	u, _ := a.core.User(c)
	if err := a.stepUp.VerifyStepUp(ctx, u, strings.TrimSpace(c.PostForm("code")), a.core.Meta(c)); err != nil {
		if !errors.Is(err, auth.ErrInvalidCode) && !errors.Is(err, auth.ErrLockedOut) {
			a.core.Fail(c, err)
			return
		}
		v.CodeError = tr.T("op.error.step_up")
		switch {
		case errors.Is(err, auth.ErrLockedOut):
			v.CodeError = tr.T("op.error.step_up_locked")
		case errors.Is(err, auth.ErrCodeReused):
			v.CodeError = tr.T("identity.code_reused")
		}
		a.renderPolicy(c, http.StatusUnprocessableEntity, v)
		return
	}
	actor := approval.Actor{UserID: u.ID, Username: u.Username, Roles: a.core.Subject(c).Roles, Scopes: u.Scopes, Meta: a.core.Meta(c)}
	for _, p := range changed {
		if err := a.policies.SetPolicy(ctx, actor, p); err != nil {
			var ve *approval.ValidationError
			if errors.As(err, &ve) {
				v.Error = tr.T("op.form_has_errors")
				a.renderPolicy(c, http.StatusUnprocessableEntity, v)
				return
			}
			a.core.FailOperation(c, err, "approval_policy", string(p.Kind))
			return
		}
	}
	a.core.Flash(c, "ok", "flash.policy_saved")
	a.core.Redirect(c, "/admin/policy")
}

// policyForm reads every kind's row: the page as entered, the rules that differ from cur,
// and whether a row is unreadable (its field then says why).
func policyForm(c *gin.Context, tr *i18n.Translator, cur map[approval.Kind]approval.Policy) (v view.PolicyPage, changed []approval.Policy, bad bool) {
	field := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	for _, k := range approval.PolicyKinds {
		p := approval.Policy{Kind: k, NeedsApproval: c.PostForm("needs_"+string(k)) == "on"}
		row := view.PolicyRow{Kind: string(k), Label: kindLabel(tr, k), NeedsApproval: p.NeedsApproval, MovesMoney: k.HasThreshold(),
			TwoAbove: field("two_" + string(k)), ExpiryHours: field("expiry_" + string(k))}
		if k.HasThreshold() && row.TwoAbove != "" {
			amt, err := money.Parse(row.TwoAbove, money.DefaultCurrency)
			if err != nil {
				row.ErrTwo, bad = tr.T("op.policy_two_invalid"), true
			} else {
				p.TwoApproversAbove = &amt
			}
		}
		hours, err := strconv.ParseFloat(row.ExpiryHours, 64)
		if err != nil || hours < 1 || hours > 24*365 {
			row.ErrExpiry, bad = tr.T("op.policy_expiry_invalid"), true
		} else {
			p.Expiry = time.Duration(hours * float64(time.Hour))
		}
		v.Rows = append(v.Rows, row)
		if !samePolicy(cur[k], p) {
			changed = append(changed, p)
		}
	}
	return v, changed, bad
}

func samePolicy(a, b approval.Policy) bool {
	if a.NeedsApproval != b.NeedsApproval || a.Expiry != b.Expiry {
		return false
	}
	if (a.TwoApproversAbove == nil) != (b.TwoApproversAbove == nil) {
		return false
	}
	return a.TwoApproversAbove == nil || a.TwoApproversAbove.Cmp(*b.TwoApproversAbove) == 0
}
