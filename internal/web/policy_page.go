package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// policyDefault is CONTRACTS' default rule of a kind that has no stored row (the service
// applies the same; see the report: a Service.Policy(kind) would remove this copy).
func policyDefault(k approval.Kind) approval.Policy {
	p := approval.Policy{Kind: k, NeedsApproval: true, Expiry: 72 * time.Hour}
	if k.MovesMoney() {
		two := money.New(decimal.NewFromInt(10000), money.DefaultCurrency)
		p.TwoApproversAbove = &two
	}
	return p
}

// currentPolicies returns every kind's rule, stored or default, in display order.
func (s *Server) currentPolicies(c *gin.Context) (map[approval.Kind]approval.Policy, error) {
	stored, err := s.ops.Policies(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := map[approval.Kind]approval.Policy{}
	for _, k := range approval.Kinds {
		out[k] = policyDefault(k)
	}
	for _, p := range stored {
		out[p.Kind] = p
	}
	return out, nil
}

func policyRow(tr *i18n.Translator, p approval.Policy) view.PolicyRow {
	r := view.PolicyRow{Kind: string(p.Kind), Label: kindLabel(tr, p.Kind), NeedsApproval: p.NeedsApproval,
		ExpiryHours: strconv.FormatFloat(p.Expiry.Hours(), 'f', -1, 64), MovesMoney: p.Kind.MovesMoney()}
	if p.TwoApproversAbove != nil {
		r.TwoAbove = p.TwoApproversAbove.String()
	}
	if !p.UpdatedAt.IsZero() {
		r.Updated = formatTime(p.UpdatedAt, tr.Lang)
	}
	return r
}

// policyPage is GET /admin/policy.
func (s *Server) policyPage(c *gin.Context) {
	if !s.opsReady(c) {
		return
	}
	tr := s.i18n.For(lang(c))
	cur, err := s.currentPolicies(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var v view.PolicyPage
	for _, k := range approval.Kinds {
		v.Rows = append(v.Rows, policyRow(tr, cur[k]))
	}
	s.render(c, http.StatusOK, pages.Policy(s.page(c, "op.policy_title"), v))
}

// policySave is POST /admin/policy: every kind's row of the form, saved behind a fresh
// TOTP code. Only the kinds that changed are saved, each with its policy.update event.
func (s *Server) policySave(c *gin.Context) {
	if !s.opsReady(c) {
		return
	}
	ctx := c.Request.Context()
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	cur, err := s.currentPolicies(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var v view.PolicyPage
	var changed []approval.Policy
	bad := false
	for _, k := range approval.Kinds {
		p := approval.Policy{Kind: k, NeedsApproval: c.PostForm("needs_"+string(k)) == "on"}
		row := view.PolicyRow{Kind: string(k), Label: kindLabel(tr, k), NeedsApproval: p.NeedsApproval, MovesMoney: k.MovesMoney(),
			TwoAbove: trimmed(c, "two_"+string(k)), ExpiryHours: trimmed(c, "expiry_"+string(k))}
		if k.MovesMoney() && row.TwoAbove != "" {
			a, err := money.Parse(row.TwoAbove, money.DefaultCurrency)
			if err != nil {
				row.ErrTwo, bad = tr.T("op.policy_two_invalid"), true
			} else {
				p.TwoApproversAbove = &a
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
	if bad {
		v.Error = tr.T("op.form_has_errors")
		s.render(c, http.StatusUnprocessableEntity, pages.Policy(s.page(c, "op.policy_title"), v))
		return
	}
	if len(changed) == 0 {
		s.setFlash(c, "info", "flash.policy_unchanged")
		s.redirect(c, "/admin/policy")
		return
	}
	if err := s.auth.VerifyStepUp(ctx, u.User, trimmed(c, "code"), meta(c)); err != nil {
		if !errors.Is(err, auth.ErrInvalidCode) && !errors.Is(err, auth.ErrLockedOut) {
			s.fail(c, err)
			return
		}
		v.CodeError = tr.T("op.error.step_up")
		switch {
		case errors.Is(err, auth.ErrLockedOut):
			v.CodeError = tr.T("op.error.step_up_locked")
		case errors.Is(err, auth.ErrCodeReused):
			v.CodeError = tr.T("identity.code_reused")
		}
		s.render(c, http.StatusUnprocessableEntity, pages.Policy(s.page(c, "op.policy_title"), v))
		return
	}
	for _, p := range changed {
		if err := s.ops.SetPolicy(ctx, actorOf(c), p); err != nil {
			var ve *approval.ValidationError
			if errors.As(err, &ve) {
				v.Error = tr.T("op.form_has_errors")
				s.render(c, http.StatusUnprocessableEntity, pages.Policy(s.page(c, "op.policy_title"), v))
				return
			}
			s.opFail(c, err, "approval_policy", string(p.Kind))
			return
		}
	}
	s.setFlash(c, "ok", "flash.policy_saved")
	s.redirect(c, "/admin/policy")
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
