package store

import (
	"context"
	"fmt"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
)

// Write side of the sub-account cache and the balance time series, used by sync.

// SubAccountInfo is what the upstream's sub-account list says about one sub-account.
type SubAccountInfo struct {
	ID, Name, DisplayName string
	Status                int
	OrgID, OrgName        string
}

// SubAccountIDsAfter returns up to limit of master's cached sub-account ids greater than
// after, in id order: the work list of a balance sync, resumable from its cursor.
func (db *DB) SubAccountIDsAfter(ctx context.Context, master, after string, limit int) ([]string, error) {
	var ids []string
	if err := db.gorm.WithContext(ctx).Raw(`SELECT id FROM sub_accounts WHERE master_account_id = ? AND id > ? ORDER BY id LIMIT ?`, master, after, limit).Scan(&ids).Error; err != nil {
		return nil, translate("list sub-account ids", err)
	}
	return ids, nil
}

// SubAccountBalances is the outcome of reading one sub-account's recoverable amounts (and,
// when Coupons is not nil, its recoverable coupons). Err set: the read failed; the last
// good figures stay and the row is marked stale with Err as its reason.
type SubAccountBalances struct {
	SubAccountID string
	Debit        money.Amount
	Credits      []CreditLine
	Currency     string
	Coupons      []Coupon // nil: coupons not read in this pass
	Err          string
	CouponsErr   string
	// CreditSkipped: the credit call was left out (its credit account is known absent):
	// the cached credit stays and the skip is counted towards its next re-check.
	// Otherwise a success records whether a credit account was found (Credits empty).
	CreditSkipped bool
}

func (db *DB) insertSnapshots(ctx context.Context, rows [][]any) error {
	for start := 0; start < len(rows); start += upsertMaxRows {
		chunk := rows[start:min(start+upsertMaxRows, len(rows))]
		q := "INSERT INTO balance_snapshots (taken_at, sub_account_id, debit, credit, master_account_id) VALUES "
		args := make([]any, 0, 5*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				q += ", "
			}
			q += "(?, ?, ?, ?, ?)"
			args = append(args, r...)
			if len(r) == 4 {
				args = append(args, "") // a sub-account's point: its row says the master
			}
		}
		if err := db.gorm.WithContext(ctx).Exec(q, args...).Error; err != nil {
			return translate("insert balance snapshots", err)
		}
	}
	return nil
}

// SnapshotTotals writes the history point of the totals over master's sub-accounts (id "").
func (db *DB) SnapshotTotals(ctx context.Context, master string, at time.Time) error {
	st, err := db.SubAccountStatsOf(ctx, master, authz.Everything)
	if err != nil {
		return err
	}
	return db.insertSnapshots(ctx, [][]any{{utc(at), "", st.Debit.String(), st.Credit.String(), master}})
}

// TotalsHistory returns the history of the totals over master's sub-accounts taken at or
// after since, oldest first. master "" adds up every master: each master writes its own
// points at its own times, so a point of the sum is every master's latest point then.
func (db *DB) TotalsHistory(ctx context.Context, master string, since time.Time) ([]BalanceSnapshot, error) {
	var rows []struct {
		TakenAt         time.Time
		MasterAccountID string
		Debit           string
		Credit          string
	}
	q := `SELECT taken_at, master_account_id, debit, credit FROM balance_snapshots WHERE sub_account_id = '' AND taken_at >= ?`
	args := []any{utc(since)}
	if master != "" {
		q += ` AND master_account_id = ?`
		args = append(args, master)
	}
	if err := db.gorm.WithContext(ctx).Raw(q+` ORDER BY taken_at, id`, args...).Scan(&rows).Error; err != nil {
		return nil, translate("totals history", err)
	}
	type point struct{ debit, credit money.Amount }
	latest := map[string]point{}
	out := make([]BalanceSnapshot, 0, len(rows))
	for _, r := range rows {
		latest[r.MasterAccountID] = point{amount(r.Debit, ""), amount(r.Credit, "")}
		d, c := money.Zero(""), money.Zero("")
		for _, p := range latest {
			d, c = d.Add(p.debit), c.Add(p.credit)
		}
		out = append(out, BalanceSnapshot{TakenAt: r.TakenAt.UTC(), Debit: d, Credit: c})
	}
	return out, nil
}

// BalanceHistory returns the history points of one sub-account ("" = the totals) taken
// at or after since, oldest first.
func (db *DB) BalanceHistory(ctx context.Context, subAccountID string, since time.Time) ([]BalanceSnapshot, error) {
	var rows []struct {
		TakenAt      time.Time
		SubAccountID string
		Debit        string
		Credit       string
	}
	if err := db.gorm.WithContext(ctx).Raw(`SELECT taken_at, sub_account_id, debit, credit FROM balance_snapshots WHERE sub_account_id = ? AND taken_at >= ? ORDER BY taken_at, id`,
		subAccountID, utc(since)).Scan(&rows).Error; err != nil {
		return nil, translate("balance history", err)
	}
	out := make([]BalanceSnapshot, len(rows))
	for i, r := range rows {
		out[i] = BalanceSnapshot{TakenAt: r.TakenAt.UTC(), SubAccountID: r.SubAccountID, Debit: amount(r.Debit, ""), Credit: amount(r.Credit, "")}
	}
	return out, nil
}

// MasterBalances returns a master's transferable amounts; the zero value (SyncedAt nil)
// before its first sync.
func (db *DB) MasterBalances(ctx context.Context, master string) (MasterBalances, error) {
	var rows []struct {
		Debit     string
		Credit    string
		Currency  string
		SyncedAt  time.Time
		Stale     bool
		LastError string
	}
	g := db.gorm.WithContext(ctx)
	if err := g.Raw(`SELECT debit, credit, currency, synced_at, stale, last_error FROM master_balances WHERE master_account_id = ?`, master).Scan(&rows).Error; err != nil {
		return MasterBalances{}, translate("master balances", err)
	}
	if len(rows) == 0 {
		return MasterBalances{MasterAccountID: master, Debit: money.Zero(""), Credit: money.Zero(""), Currency: money.DefaultCurrency, Credits: []AmountLine{}}, nil
	}
	r := rows[0]
	mb := MasterBalances{MasterAccountID: master, Debit: amount(r.Debit, r.Currency), Credit: amount(r.Credit, r.Currency), Currency: r.Currency, Stale: r.Stale}
	t := r.SyncedAt.UTC()
	mb.SyncedAt = &t
	var lines []struct {
		Available    string
		Amount       string
		CreditAmount string
		ExpireTime   *time.Time
	}
	if err := g.Raw(`SELECT available, amount, credit_amount, expire_time FROM master_credits WHERE master_account_id = ? ORDER BY seq`, master).Scan(&lines).Error; err != nil {
		return MasterBalances{}, translate("master credit lines", err)
	}
	mb.Credits = make([]AmountLine, len(lines))
	for i, l := range lines {
		mb.Credits[i] = AmountLine{Available: amount(l.Available, r.Currency), Amount: amount(l.Amount, r.Currency), CreditAmount: amount(l.CreditAmount, r.Currency), ExpireTime: utcPtr(l.ExpireTime)}
	}
	return mb, nil
}

// MasterAccountIDsCached lists the masters whose amounts are cached, in order.
func (db *DB) MasterAccountIDsCached(ctx context.Context) ([]string, error) {
	var ids []string
	if err := db.gorm.WithContext(ctx).Raw(`SELECT master_account_id FROM master_balances ORDER BY master_account_id`).Scan(&ids).Error; err != nil {
		return nil, translate("cached masters", err)
	}
	return ids, nil
}

// StoreMasterBalances replaces master's transferable amounts (Credit is recomputed from
// the lines; SyncedAt is at; Stale cleared), writing only what changed: amounts read as
// they were only renew SyncedAt, quietly (DB.quiet).
func (db *DB) StoreMasterBalances(ctx context.Context, master string, mb MasterBalances, at time.Time) error {
	cur := mb.Currency
	if cur == "" {
		cur = money.DefaultCurrency
	}
	credit := money.Zero(cur)
	for _, l := range mb.Credits {
		credit = credit.Add(l.Available)
	}
	figures := []string{"debit", "credit", "currency", "stale", "last_error"}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.upsertRows(ctx, upsertSpec{table: "master_balances", cols: []string{"master_account_id", "debit", "credit", "currency", "synced_at", "stale", "last_error"},
			key: []string{"master_account_id"}, update: append([]string{"synced_at"}, figures...), compare: figures},
			[][]any{{master, mb.Debit.String(), credit.String(), cur, utc(at), false, ""}}); err != nil {
			return err
		}
		if err := tx.quiet(ctx).Exec(`UPDATE master_balances SET synced_at = ? WHERE master_account_id = ? AND synced_at <> ?`, utc(at), master, utc(at)).Error; err != nil {
			return translate("renew master balances", err)
		}
		rows := make([][]any, len(mb.Credits))
		for i, l := range mb.Credits {
			rows[i] = []any{master, i, l.Available.String(), l.Amount.String(), l.CreditAmount.String(), nullTime(l.ExpireTime)}
		}
		lines := []string{"available", "amount", "credit_amount", "expire_time"}
		return tx.replaceSet(ctx, upsertSpec{table: "master_credits", cols: append([]string{"master_account_id", "seq"}, lines...), key: []string{"master_account_id", "seq"},
			update: lines, compare: lines}, "master_account_id = ?", []any{master}, rows)
	})
}

// MarkMasterStale flags the master's amounts as stale after a failed refresh (no-op
// before the first successful one, and when they are stale for that reason already).
func (db *DB) MarkMasterStale(ctx context.Context, master, reason string) error {
	return db.updateChanged(ctx, "mark master stale", "master_balances", "master_account_id", master, []string{"stale", "last_error"}, []any{true, reason})
}

// String helps logs and tests.
func (b SubAccountBalances) String() string {
	return fmt.Sprintf("%s debit=%s credits=%d err=%q", b.SubAccountID, b.Debit, len(b.Credits), b.Err)
}
