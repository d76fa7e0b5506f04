package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Standing top-up rules (issue 14): the rules as their last approved change left them,
// the admins' switch that pauses them all, and the top-ups they made. Rules change only
// through an approved operation (internal/rules applies it); the payments row of a top-up
// is inserted in the transaction that creates its operation, under the rule's row lock
// (LockTopUpRule), which is what keeps the caps true under concurrent evaluations.

// TopUpRule is one row of topup_rules. Definition is the JSON the approval signed.
type TopUpRule struct {
	ID              int64 `gorm:"primaryKey"`
	Name            string
	MasterAccountID string
	OrgPath         string // "/root/unit/…/" or ""
	State           string // "active" | "paused"
	Definition      string
	Version         int
	ValidFrom       time.Time
	ValidUntil      time.Time
	OwnerID         int64
	OwnerName       string
	ApproverIDs     string // comma-separated user ids
	LastOperationID int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName is gorm's table.
func (TopUpRule) TableName() string { return "topup_rules" }

// Approvers are the user ids of ApproverIDs.
func (r TopUpRule) Approvers() []int64 {
	var out []int64
	for _, s := range strings.Split(r.ApproverIDs, ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

// InsertTopUpRule inserts r and sets its ID.
func (db *DB) InsertTopUpRule(ctx context.Context, r *TopUpRule) error {
	r.ValidFrom, r.ValidUntil, r.CreatedAt, r.UpdatedAt = utc(r.ValidFrom), utc(r.ValidUntil), utc(r.CreatedAt), utc(r.UpdatedAt)
	return translate("insert top-up rule", db.gorm.WithContext(ctx).Create(r).Error)
}

// UpdateTopUpRule replaces rule r.ID's definition while its version is fromVersion (a
// change drafted on another version must not apply); false: the version moved.
func (db *DB) UpdateTopUpRule(ctx context.Context, r *TopUpRule, fromVersion int) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&TopUpRule{}).Where("id = ? AND version = ?", r.ID, fromVersion).Updates(map[string]any{
		"name": r.Name, "master_account_id": r.MasterAccountID, "org_path": r.OrgPath, "state": r.State,
		"definition": r.Definition, "version": r.Version, "valid_from": utc(r.ValidFrom), "valid_until": utc(r.ValidUntil),
		"approver_ids": r.ApproverIDs, "last_operation_id": r.LastOperationID, "updated_at": utc(r.UpdatedAt),
	})
	if res.Error != nil {
		return false, translate("update top-up rule", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// TopUpRuleByID reads one rule.
func (db *DB) TopUpRuleByID(ctx context.Context, id int64) (*TopUpRule, error) {
	var r TopUpRule
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate("top-up rule by id", err)
	}
	return &r, nil
}

// LockTopUpRule reads rule id and holds its row until the transaction ends (Postgres
// FOR UPDATE; SQLite transactions already take the write lock at their start), so that
// top-ups of one rule are decided one after the other: each sees every earlier one when
// it adds up the caps.
func (db *DB) LockTopUpRule(ctx context.Context, id int64) (*TopUpRule, error) {
	q := `SELECT * FROM topup_rules WHERE id = ?`
	if db.dialect == DialectPostgres {
		q += ` FOR UPDATE`
	}
	var rs []TopUpRule
	if err := db.gorm.WithContext(ctx).Raw(q, id).Scan(&rs).Error; err != nil {
		return nil, translate("lock top-up rule", err)
	}
	if len(rs) == 0 {
		return nil, ErrNotFound
	}
	rs[0].ValidFrom, rs[0].ValidUntil = rs[0].ValidFrom.UTC(), rs[0].ValidUntil.UTC()
	return &rs[0], nil
}

// TopUpRuleFilter selects rules.
type TopUpRuleFilter struct {
	MasterAccountID string // "" = every master
	State           string // "" = any
	// Scopes: only rules whose unit is inside one of these units (nil: no restriction).
	Scopes []string
}

// ListTopUpRules lists rules, newest first.
func (db *DB) ListTopUpRules(ctx context.Context, f TopUpRuleFilter) ([]TopUpRule, error) {
	q := db.gorm.WithContext(ctx).Model(&TopUpRule{})
	if f.MasterAccountID != "" {
		q = q.Where("master_account_id = ?", f.MasterAccountID)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Scopes != nil {
		if len(f.Scopes) == 0 {
			return nil, nil
		}
		ors := make([]string, 0, len(f.Scopes))
		args := make([]any, 0, len(f.Scopes))
		for _, s := range f.Scopes {
			ors = append(ors, "org_path LIKE ?")
			args = append(args, "%/"+s+"/%")
		}
		q = q.Where("("+strings.Join(ors, " OR ")+")", args...)
	}
	var out []TopUpRule
	if err := q.Order("id DESC").Find(&out).Error; err != nil {
		return nil, translate("list top-up rules", err)
	}
	return out, nil
}

// TopUpRulesPaused reports whether an admin paused every rule.
func (db *DB) TopUpRulesPaused(ctx context.Context) (paused bool, by string, at *time.Time, err error) {
	var row struct {
		Paused    bool
		ChangedBy string
		ChangedAt *time.Time
	}
	if err := db.gorm.WithContext(ctx).Raw(`SELECT paused, changed_by, changed_at FROM topup_rule_switch WHERE id = 1`).Scan(&row).Error; err != nil {
		return false, "", nil, translate("top-up rule switch", err)
	}
	return row.Paused, row.ChangedBy, utcPtr(row.ChangedAt), nil
}

// SetTopUpRulesPaused sets the switch; changed reports whether it moved (a second admin
// pausing what is paused changes nothing).
func (db *DB) SetTopUpRulesPaused(ctx context.Context, paused bool, by string, at time.Time) (changed bool, err error) {
	res := db.gorm.WithContext(ctx).Exec(`UPDATE topup_rule_switch SET paused = ?, changed_by = ?, changed_at = ? WHERE id = 1 AND paused <> ?`,
		paused, by, utc(at), paused)
	if res.Error != nil {
		return false, translate("set top-up rule switch", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// TopUpPayment is one automatic top-up of a rule.
type TopUpPayment struct {
	ID            int64 `gorm:"primaryKey"`
	RuleID        int64
	SubAccountID  string
	TriggerWindow string
	Month         string
	Amount        string
	OperationID   int64
	CreatedAt     time.Time
}

// TableName is gorm's table.
func (TopUpPayment) TableName() string { return "topup_rule_payments" }

// InsertTopUpPayment records a top-up; ErrConflict when the rule already paid the
// sub-account in that window.
func (db *DB) InsertTopUpPayment(ctx context.Context, p *TopUpPayment) error {
	p.CreatedAt = utc(p.CreatedAt)
	return translate("insert top-up payment", db.gorm.WithContext(ctx).Create(p).Error)
}

// TopUpPaid reports whether rule paid sub-account in window already.
func (db *DB) TopUpPaid(ctx context.Context, rule int64, subAccountID, window string) (bool, error) {
	var n int64
	if err := db.gorm.WithContext(ctx).Model(&TopUpPayment{}).
		Where("rule_id = ? AND sub_account_id = ? AND trigger_window = ?", rule, subAccountID, window).Count(&n).Error; err != nil {
		return false, translate("top-up paid", err)
	}
	return n > 0, nil
}

// RulePayment is a top-up with its operation's state and the rule's name.
type RulePayment struct {
	TopUpPayment
	State    string
	RuleName string
}

// spentStates are the states of a top-up that count against the caps: everything but
// an operation that certainly moved nothing.
var spentStates = []string{stateApproved, stateExecuting, stateSucceeded, stateUnknown}

// RulePayments lists the top-ups of month (YYYY-MM), newest first, of rule (0 = every
// rule), with their operations' states; onlySpent leaves out the failed ones.
func (db *DB) RulePayments(ctx context.Context, rule int64, month string, onlySpent bool) ([]RulePayment, error) {
	q := `SELECT p.id, p.rule_id, p.sub_account_id, p.trigger_window, p.month, p.amount, p.operation_id, p.created_at,
		o.state, r.name AS rule_name
		FROM topup_rule_payments p JOIN operations o ON o.id = p.operation_id JOIN topup_rules r ON r.id = p.rule_id
		WHERE p.month = ?`
	args := []any{month}
	if rule != 0 {
		q += ` AND p.rule_id = ?`
		args = append(args, rule)
	}
	if onlySpent {
		q += ` AND o.state IN ?`
		args = append(args, spentStates)
	}
	var rows []struct {
		ID            int64
		RuleID        int64
		SubAccountID  string
		TriggerWindow string
		Month         string
		Amount        string
		OperationID   int64
		CreatedAt     time.Time
		State         string
		RuleName      string
	}
	if err := db.gorm.WithContext(ctx).Raw(q+` ORDER BY p.id DESC`, args...).Scan(&rows).Error; err != nil {
		return nil, translate("rule payments", err)
	}
	out := make([]RulePayment, len(rows))
	for i, r := range rows {
		out[i] = RulePayment{TopUpPayment: TopUpPayment{ID: r.ID, RuleID: r.RuleID, SubAccountID: r.SubAccountID,
			TriggerWindow: r.TriggerWindow, Month: r.Month, Amount: decimalOf(r.Amount).StringFixed(2), OperationID: r.OperationID,
			CreatedAt: r.CreatedAt.UTC()}, State: r.State, RuleName: r.RuleName}
	}
	return out, nil
}

// RuleSpent is what rule spent in month: in total, and for subAccountID ("" = none),
// over the top-ups that count against the caps (summed exactly, as decimals).
func (db *DB) RuleSpent(ctx context.Context, rule int64, month, subAccountID string) (total, account decimal.Decimal, err error) {
	ps, err := db.RulePayments(ctx, rule, month, true)
	if err != nil {
		return decimal.Zero, decimal.Zero, err
	}
	for _, p := range ps {
		a := decimalOf(p.Amount)
		total = total.Add(a)
		if p.SubAccountID == subAccountID {
			account = account.Add(a)
		}
	}
	return total, account, nil
}

// SubAccountsUnder lists master's cached sub-accounts in organisation unit orgID or any
// unit below it, by id: the accounts of a rule on a unit.
func (db *DB) SubAccountsUnder(ctx context.Context, master, orgID string) ([]SubAccount, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(orgID)
	var rows []subAccountRow
	if err := db.gorm.WithContext(ctx).Raw(`SELECT `+subAccountCols+` FROM `+subAccountFrom+`
		WHERE master_account_id = ? AND (org_id = ? OR org_path LIKE ? ESCAPE '\') ORDER BY id`,
		master, orgID, "%/"+esc+"/%").Scan(&rows).Error; err != nil {
		return nil, translate("sub-accounts under a unit", err)
	}
	out := make([]SubAccount, len(rows))
	for i, r := range rows {
		out[i] = r.subAccount()
	}
	return out, nil
}

// OrganizationMaster is the master whose tree unit id belongs to ("" for a unit cached
// before several masters were supported); ErrNotFound when it is not cached.
func (db *DB) OrganizationMaster(ctx context.Context, id string) (string, error) {
	var ms []string
	if err := db.gorm.WithContext(ctx).Raw(`SELECT master_account_id FROM organizations WHERE id = ?`, id).Scan(&ms).Error; err != nil {
		return "", translate("organization master", err)
	}
	if len(ms) == 0 {
		return "", ErrNotFound
	}
	return ms[0], nil
}

// MasterSubAccounts lists master's cached sub-accounts, by id: the accounts alerts watch.
func (db *DB) MasterSubAccounts(ctx context.Context, master string) ([]SubAccount, error) {
	var rows []subAccountRow
	if err := db.gorm.WithContext(ctx).Raw(`SELECT `+subAccountCols+` FROM `+subAccountFrom+` WHERE master_account_id = ? ORDER BY id`, master).
		Scan(&rows).Error; err != nil {
		return nil, translate("master sub-accounts", err)
	}
	out := make([]SubAccount, len(rows))
	for i, r := range rows {
		out[i] = r.subAccount()
	}
	return out, nil
}
