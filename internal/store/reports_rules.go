package store

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
)

// The reads of a scheduled report over the standing top-up rules and the alerts: a
// period's automatic top-ups and alert notices, limited to the subscriber's scope in SQL.

// ReportTopUp is an automatic top-up as a report lists it: its payment row with the
// rule's name and its operation's state and currency.
type ReportTopUp struct {
	ID           int64
	RuleID       int64
	RuleName     string
	SubAccountID string
	Amount       decimal.Decimal
	Currency     string
	OperationID  int64
	State        string
	CreatedAt    time.Time
}

// TopUpsBetween lists the automatic top-ups made in [from, to) whose operations are
// within scope (as OperationsCreatedBetween limits them, so a top-up is listed exactly
// when its operation is), oldest first, at most ReportOperationsLimit+1.
func (db *DB) TopUpsBetween(ctx context.Context, scope authz.QueryScope, from, to time.Time) ([]ReportTopUp, error) {
	c, ok := db.operationsIn(ctx, scope)
	if !ok {
		return nil, nil
	}
	q := `SELECT p.id, p.rule_id, r.name AS rule_name, p.sub_account_id, p.amount, o.currency, p.operation_id, o.state, p.created_at
		FROM topup_rule_payments p JOIN operations o ON o.id = p.operation_id JOIN topup_rules r ON r.id = p.rule_id
		WHERE p.created_at >= ? AND p.created_at < ? AND p.operation_id IN (SELECT id FROM operations WHERE ` + c.sql() + `)
		ORDER BY p.id LIMIT ?`
	args := append([]any{utc(from), utc(to)}, c.args...)
	var rows []struct {
		ID           int64
		RuleID       int64
		RuleName     string
		SubAccountID string
		Amount       string
		Currency     string
		OperationID  int64
		State        string
		CreatedAt    time.Time
	}
	if err := db.gorm.WithContext(ctx).Raw(q, append(args, ReportOperationsLimit+1)...).Scan(&rows).Error; err != nil {
		return nil, translate("top-ups between", err)
	}
	out := make([]ReportTopUp, len(rows))
	for i, r := range rows {
		out[i] = ReportTopUp{ID: r.ID, RuleID: r.RuleID, RuleName: r.RuleName, SubAccountID: r.SubAccountID, Amount: decimalOf(r.Amount),
			Currency: r.Currency, OperationID: r.OperationID, State: r.State, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// AlertNotice is one row of alert_notices: a notice sent about a sub-account. Details is
// the JSON of the notice's message parameters.
type AlertNotice struct {
	ID           int64
	SubAccountID string
	Kind         string
	Day          string
	Details      string
	CreatedAt    time.Time
}

// AlertNoticesBetween lists the alert notices sent in [from, to) about sub-accounts
// within scope (their unit in the cache now), oldest first, at most
// ReportOperationsLimit+1.
func (db *DB) AlertNoticesBetween(ctx context.Context, scope authz.QueryScope, from, to time.Time) ([]AlertNotice, error) {
	c := &conds{}
	c.add("created_at >= ? AND created_at < ?", utc(from), utc(to))
	if err := db.addScope(ctx, c, scope, "sub_account_id IN (SELECT s.id FROM sub_accounts s WHERE %s)", "s.org_id", "s.org_path"); err != nil {
		return nil, err
	}
	var out []AlertNotice
	err := db.gorm.WithContext(ctx).Raw(`SELECT id, sub_account_id, kind, day, details, created_at FROM alert_notices WHERE `+c.sql()+
		` ORDER BY id LIMIT ?`, append(c.args, ReportOperationsLimit+1)...).Scan(&out).Error
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, translate("alert notices between", err)
}
