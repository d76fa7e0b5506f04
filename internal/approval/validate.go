package approval

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/shopspring/decimal"
)

// thresholdDefault is CONTRACTS' default two-approver threshold.
var thresholdDefault = decimal.RequireFromString("10000.00")

// Upstream limits the forms enforce.
const (
	maxReasonLen       = 500
	maxResourceIDs     = bss.MaxRenewResources      // renew, unsubscribe, auto-renew
	maxOnDemandIDs     = bss.MaxToOnDemandResources // to-on-demand
	maxUnsubReasonText = 255
)

// MaxResources is how many resources one operation of kind may name (0: a kind that
// names none): what one upstream call takes.
func MaxResources(k Kind) int {
	switch {
	case k.MovesMoney():
		return 0
	case k == KindToOnDemand:
		return maxOnDemandIDs
	}
	return maxResourceIDs
}

type validated struct {
	params   Params
	amount   *money.Amount
	currency string
	orgPath  []string
	// master is the domain id of the master account the operation acts for: the
	// sub-account's master, or the master owning the resources.
	master string
}

// masterOr is the operation's master, or def when validation found none.
func (v validated) masterOr(def string) string {
	if v.master != "" {
		return v.master
	}
	return def
}

// accountMaster is the master of the account a cached resource belongs to: the master
// itself (sync caches a master's resources under its domain id), or a sub-account's
// master. seen memoises it over one validation.
func (s *Service) accountMaster(ctx context.Context, accountID string, seen map[string]string) (string, error) {
	if m, ok := seen[accountID]; ok {
		return m, nil
	}
	m := accountID
	sa, err := s.db.SubAccountByID(ctx, accountID)
	switch {
	case err == nil:
		m = s.masterOf(sa)
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	seen[accountID] = m
	return m, nil
}

// hasSubCredential reports whether an enabled sub-account credential is stored for the
// account (upstream_accounts kind "sub", domain id = the account): what a resource
// operation on that account's resources executes through.
func (s *Service) hasSubCredential(ctx context.Context, accountID string) (bool, error) {
	accts, err := s.db.ListUpstreamAccounts(ctx)
	if err != nil {
		return false, err
	}
	for _, a := range accts {
		if a.Kind == store.UpstreamSub && a.Enabled && a.DomainID == accountID {
			return true, nil
		}
	}
	return false, nil
}

// masterOf is the master of a cached sub-account; a row cached before several masters
// were supported (untagged) belongs to the default master.
func (s *Service) masterOf(sa *store.SubAccount) string {
	if sa != nil && sa.MasterAccountID != "" {
		return sa.MasterAccountID
	}
	return s.opts.MasterAccountID
}

// Validate checks in against the cache as Create would, without creating anything, and
// returns the normalised snapshot an approver would sign: the form's preview step.
// Problems are a *ValidationError per field.
func (s *Service) Validate(ctx context.Context, a Actor, in Input) (*Params, error) {
	v, err := s.validate(ctx, a, in)
	if err != nil {
		return nil, err
	}
	return &v.params, nil
}

// amountError maps money.Parse's errors to message ids.
func amountError(err error) string {
	switch {
	case errors.Is(err, money.ErrEmpty):
		return "op.err.amount_required"
	case errors.Is(err, money.ErrTooManyDigits):
		return "op.err.amount_decimals"
	case errors.Is(err, money.ErrGrouping):
		return "op.err.amount_grouping"
	case errors.Is(err, money.ErrNotPositive):
		return "op.err.amount_positive"
	case errors.Is(err, money.ErrTooLarge):
		return "op.err.amount_too_large"
	}
	return "op.err.amount_syntax"
}

func (s *Service) validate(ctx context.Context, a Actor, in Input) (validated, error) {
	ve := &ValidationError{}
	var v validated
	if !in.Kind.Valid() {
		ve.add("kind", "op.err.kind_invalid", nil)
		return v, ve
	}
	reason := strings.TrimSpace(in.Reason)
	switch {
	case reason == "":
		ve.add("reason", "op.err.reason_required", nil)
	case len([]rune(reason)) > maxReasonLen:
		ve.add("reason", "op.err.reason_too_long", map[string]any{"max": maxReasonLen})
	}
	if err := s.checkDraftedFrom(ctx, a, in.DraftedFrom, ve); err != nil {
		return v, err
	}
	var err error
	switch in.Kind {
	case KindTransferFunds, KindRetrieveFunds:
		err = s.validateFunds(ctx, a, in, &v, ve)
	case KindTransferCoupon, KindRetrieveCoupon:
		err = s.validateCoupon(ctx, a, in, &v, ve)
	default:
		err = s.validateResources(ctx, in, &v, ve)
	}
	if err != nil {
		return v, err
	}
	field := "sub_account_id"
	if !in.Kind.MovesMoney() {
		field = "resource_ids" // a resource operation
	}
	if err := s.checkMasterLive(ctx, v.master, field, ve, nil); err != nil {
		return v, err
	}
	return v, ve.orNil()
}

// checkMasterLive refuses an operation for a master no longer configured (its cached rows
// remain after it was disabled or deleted under /admin/upstream): nothing could execute
// it. seen memoises the answer over a batch (nil: none).
func (s *Service) checkMasterLive(ctx context.Context, master, field string, ve *ValidationError, seen map[string]bool) error {
	if master == "" || s.opts.MasterLive == nil {
		return nil
	}
	live, ok := seen[master]
	if !ok {
		var err error
		if live, err = s.opts.MasterLive(ctx, master); err != nil {
			return err
		}
		if seen != nil {
			seen[master] = live
		}
	}
	if !live {
		ve.add(field, "op.err.master_not_configured", map[string]any{"id": master})
	}
	return nil
}

// subAccount checks the target sub-account: cached, normal, inside the actor's scope.
func (s *Service) subAccount(ctx context.Context, a Actor, id string, ve *ValidationError) (*store.SubAccount, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		ve.add("sub_account_id", "op.err.sub_account_required", nil)
		return nil, nil
	}
	sa, err := s.db.SubAccountByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		ve.add("sub_account_id", "op.err.sub_account_not_found", map[string]any{"id": id})
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !authz.InScope(a.Subject(), sa.OrgPath) {
		return nil, ErrOutOfScope
	}
	if sa.Status != int(bss.SubAccountNormal) {
		ve.add("sub_account_id", "op.err.sub_account_inactive", map[string]any{"status": sa.Status})
	}
	return sa, nil
}

func parseExpire(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, false
	}
	t = t.UTC()
	return &t, true
}

func sameExpire(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func (s *Service) validateFunds(ctx context.Context, a Actor, in Input, v *validated, ve *ValidationError) error {
	sa, err := s.subAccount(ctx, a, in.SubAccountID, ve)
	if err != nil {
		return err
	}
	currency := money.DefaultCurrency
	if sa != nil && sa.Currency != "" {
		currency = sa.Currency
	}
	amt, perr := money.Parse(strings.TrimSpace(in.Amount), currency)
	if perr != nil {
		ve.add("amount", amountError(perr), nil)
	}
	bt := strings.ToLower(strings.TrimSpace(in.BalanceType))
	if bt == "" {
		bt = BalanceDebit
	}
	if bt != BalanceDebit && bt != BalanceCredit {
		ve.add("balance_type", "op.err.balance_type", nil)
		return nil
	}
	expire, ok := parseExpire(in.ExpireTime)
	if !ok {
		ve.add("expire_time", "op.err.expire_time_syntax", nil)
		return nil
	}
	if bt == BalanceDebit && expire != nil {
		ve.add("expire_time", "op.err.expire_time_debit", nil)
	}
	if sa == nil {
		return nil
	}
	v.orgPath, v.currency, v.master = sa.OrgPath, currency, s.masterOf(sa)
	v.params = Params{SubAccountID: sa.ID, SubAccountName: sa.Name, BalanceType: bt}
	if expire != nil {
		v.params.ExpireTime = expire.Format(time.RFC3339)
	}
	if perr == nil {
		v.amount = &amt
		v.params.Amount = amt.String()
	}
	// What Huawei Cloud showed, from the cache. Reservations by other movements are
	// checked where the operation is recorded (checkFunds), after its idempotency key.
	f, err := s.fundsOf(ctx, s.db, in.Kind, v.master, sa, bt, expire)
	if err != nil {
		return err
	}
	if f.AsOf == nil {
		ve.add("amount", notReadMessage(in.Kind), nil)
		return nil
	}
	if bt == BalanceCredit && !f.lineFound {
		if expire == nil && slices.ContainsFunc(f.lines, func(t *time.Time) bool { return t != nil }) {
			ve.add("expire_time", "op.err.expire_time_required", nil)
		} else {
			ve.add("expire_time", "op.err.credit_line_not_found", nil)
		}
		return nil
	}
	if v.amount != nil && v.amount.Cmp(f.Available) > 0 {
		ve.add("amount", "op.err.amount_exceeds_available", map[string]any{"available": f.Available.String()})
	}
	return nil
}

func (s *Service) validateCoupon(ctx context.Context, a Actor, in Input, v *validated, ve *ValidationError) error {
	sa, err := s.subAccount(ctx, a, in.SubAccountID, ve)
	if err != nil {
		return err
	}
	couponID := strings.TrimSpace(in.CouponID)
	if couponID == "" {
		ve.add("coupon_id", "op.err.coupon_required", nil)
	}
	if sa == nil || couponID == "" {
		return nil
	}
	v.orgPath, v.currency, v.master = sa.OrgPath, money.DefaultCurrency, s.masterOf(sa)
	v.params = Params{SubAccountID: sa.ID, SubAccountName: sa.Name, CouponID: couponID}
	if in.Kind == KindTransferCoupon {
		amt, perr := money.Parse(strings.TrimSpace(in.Amount), money.DefaultCurrency)
		if perr != nil {
			ve.add("amount", amountError(perr), nil)
		}
		bal, err := s.db.CachedCouponBalance(ctx, "", couponID, "")
		if errors.Is(err, store.ErrNotFound) {
			ve.add("coupon_id", "op.err.coupon_not_found", map[string]any{"id": couponID})
			return nil
		}
		if err != nil {
			return err
		}
		if perr == nil {
			v.amount, v.params.Amount = &amt, amt.String()
			if b, err := money.FromUpstream(bal, money.DefaultCurrency); err == nil && amt.Cmp(b) > 0 {
				ve.add("amount", "op.err.amount_exceeds_available", map[string]any{"available": b.String()})
			}
		}
		return nil
	}
	subCoupon := strings.TrimSpace(in.SubCouponID)
	if subCoupon == "" {
		ve.add("sub_coupon_id", "op.err.sub_coupon_required", nil)
		return nil
	}
	bal, err := s.db.CachedCouponBalance(ctx, sa.ID, couponID, subCoupon)
	if errors.Is(err, store.ErrNotFound) {
		ve.add("sub_coupon_id", "op.err.coupon_not_found", map[string]any{"id": subCoupon})
		return nil
	}
	if err != nil {
		return err
	}
	v.params.SubCouponID = subCoupon
	if b, err := money.FromUpstream(bal, money.DefaultCurrency); err == nil {
		v.amount, v.params.Amount = &b, b.String() // the whole sub-coupon comes back
	}
	return nil
}

func (s *Service) validateResources(ctx context.Context, in Input, v *validated, ve *ValidationError) error {
	max := MaxResources(in.Kind)
	var ids []string
	account := "" // the account owning the resources
	seen := map[string]bool{}
	for _, id := range in.ResourceIDs {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		ve.add("resource_ids", "op.err.resources_required", nil)
	case len(ids) > max:
		ve.add("resource_ids", "op.err.resources_too_many", map[string]any{"max": max})
	default:
		found, err := s.db.ResourcesByIDs(ctx, ids)
		if err != nil {
			return err
		}
		owners := map[string]string{} // account id → its master
		for _, id := range ids {
			r, ok := found[id]
			owner := ""
			if ok {
				var err error
				if owner, err = s.accountMaster(ctx, r.AccountID, owners); err != nil {
					return err
				}
				if v.master == "" {
					v.master, account = owner, r.AccountID
				}
			}
			switch {
			case !ok:
				ve.add("resource_ids", "op.err.resource_not_found", map[string]any{"id": id})
			case owner != v.master:
				// One operation is one upstream call, signed by one master.
				ve.add("resource_ids", "op.err.resources_masters", map[string]any{"id": id})
			case r.AccountID != account:
				// … and by one account: a sub-account's resources with its own credentials.
				ve.add("resource_ids", "op.err.resources_accounts", map[string]any{"id": id})
			case !r.IsMain:
				ve.add("resource_ids", "op.err.resource_not_main", map[string]any{"id": id})
			case r.Status == int(bss.ResourceClosed):
				ve.add("resource_ids", "op.err.resource_unavailable", map[string]any{"id": id})
			}
		}
	}
	v.params = Params{ResourceIDs: ids}
	if account != "" && account != v.master {
		// A sub-account's resources: only its own credentials can act on them upstream.
		ok, err := s.hasSubCredential(ctx, account)
		if err != nil {
			return err
		}
		if !ok {
			ve.add("resource_ids", "op.err.resources_no_credentials", map[string]any{"id": account})
		}
		v.params.AccountID = account
	}
	switch in.Kind {
	case KindRenewResources:
		pt := strings.ToLower(strings.TrimSpace(in.PeriodType))
		switch {
		case pt != "month" && pt != "year":
			ve.add("period_type", "op.err.period_type", nil)
		case pt == "month" && (in.PeriodNum < 1 || in.PeriodNum > 11):
			ve.add("period_num", "op.err.period_range", map[string]any{"min": 1, "max": 11})
		case pt == "year" && (in.PeriodNum < 1 || in.PeriodNum > 3):
			ve.add("period_num", "op.err.period_range", map[string]any{"min": 1, "max": 3})
		}
		v.params.PeriodType, v.params.PeriodNum, v.params.AutoPay = pt, in.PeriodNum, in.AutoPay
	case KindUnsubscribeResources:
		if in.UnsubscribeType != 1 && in.UnsubscribeType != 2 {
			ve.add("unsubscribe_type", "op.err.unsubscribe_type", nil)
		}
		if in.UnsubscribeReasonType < 1 || in.UnsubscribeReasonType > 5 {
			ve.add("unsubscribe_reason_type", "op.err.unsubscribe_reason_type", nil)
		}
		v.params.UnsubType, v.params.UnsubReason = in.UnsubscribeType, in.UnsubscribeReasonType
	case KindToOnDemand, KindAutoRenew:
		op := strings.ToLower(strings.TrimSpace(in.Operation))
		if op != OpSet && op != OpCancel {
			ve.add("operation", "op.err.operation_invalid", nil)
		}
		v.params.Operation = op
		if in.Kind == KindAutoRenew && op == OpSet {
			pt := strings.ToLower(strings.TrimSpace(in.PeriodType))
			if pt != "" && pt != "month" && pt != "year" {
				ve.add("period_type", "op.err.period_type", nil)
			}
			if in.AutoRenewTimes < 0 || in.AutoRenewTimes > 100 {
				ve.add("auto_renew_times", "op.err.auto_renew_times", nil)
			}
			v.params.PeriodType, v.params.AutoRenewTimes = pt, in.AutoRenewTimes
		}
	}
	return nil
}
