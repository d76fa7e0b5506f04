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

// UpsertSubAccounts stores one page of master's sub-account list read by run runID,
// keeping each row's balances and threshold, and sets their org paths from the cached tree.
func (db *DB) UpsertSubAccounts(ctx context.Context, master string, runID int64, subs []SubAccountInfo, at time.Time) error {
	if len(subs) == 0 {
		return nil
	}
	rows := make([][]any, len(subs))
	ids := make([]string, len(subs))
	for i, s := range subs {
		rows[i] = []any{s.ID, s.Name, s.DisplayName, searchText(s.Name, s.DisplayName), s.Status, s.OrgID, s.OrgName, utc(at), runID, master}
		ids[i] = s.ID
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.lockOrgPaths(ctx); err != nil {
			return err
		}
		if err := tx.upsert(ctx, "sub_accounts",
			[]string{"id", "name", "display_name", "search_text", "status", "org_id", "org_name", "synced_at", "seen_run", "master_account_id"}, []string{"id"},
			[]string{"name", "display_name", "search_text", "status", "org_id", "org_name", "synced_at", "seen_run", "master_account_id"}, rows); err != nil {
			return err
		}
		err := tx.gorm.WithContext(ctx).Exec(`UPDATE sub_accounts SET org_path = `+orgPathOfRow+` WHERE id IN ? AND org_path <> `+orgPathOfRow, ids).Error
		return translate("set sub-account org paths", err)
	})
}

// RemoveSubAccountsNotSeen deletes master's sub-accounts (with their credit lines and
// coupons) that run runID did not see: call it only after a complete listing. Untagged
// rows (cached before several masters were supported) that the listing did not adopt go
// too; other masters' rows are never touched.
func (db *DB) RemoveSubAccountsNotSeen(ctx context.Context, master string, runID int64) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		if err := g.Exec(`DELETE FROM coupons WHERE sub_account_id <> '' AND sub_account_id IN (SELECT id FROM sub_accounts WHERE master_account_id IN (?, '') AND seen_run <> ?)`, master, runID).Error; err != nil {
			return translate("remove vanished sub-coupons", err)
		}
		res := g.Exec(`DELETE FROM sub_accounts WHERE master_account_id IN (?, '') AND seen_run <> ?`, master, runID)
		n = res.RowsAffected
		return translate("remove vanished sub-accounts", res.Error)
	})
	return n, err
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

// snapshotEvery bounds how long a sub-account's history goes without a point when its
// balance does not change (a point is written on every change).
const snapshotEvery = 24 * time.Hour

// StoreSubAccountBalances writes a batch of balance reads in one transaction: figures,
// credit lines and coupons of each success, the stale mark of each failure, a history
// point where a balance changed, and, when runID is not 0, the run's progress (cursor,
// items, errors) so that a restarted run resumes after this batch.
func (db *DB) StoreSubAccountBalances(ctx context.Context, at time.Time, batch []SubAccountBalances, runID int64, progress RunProgress) error {
	at = utc(at)
	return db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		ids := make([]string, 0, len(batch))
		for _, b := range batch {
			ids = append(ids, b.SubAccountID)
		}
		var prev []struct {
			ID         string
			Debit      string
			Credit     string
			SnapshotAt *time.Time
		}
		if len(ids) > 0 {
			if err := g.Raw(`SELECT id, debit, credit, snapshot_at FROM sub_accounts WHERE id IN ?`, ids).Scan(&prev).Error; err != nil {
				return translate("read previous balances", err)
			}
		}
		type before struct {
			debit, credit string
			snap          *time.Time
		}
		old := make(map[string]before, len(prev))
		for _, p := range prev {
			old[p.ID] = before{amount(p.Debit, "").String(), amount(p.Credit, "").String(), p.SnapshotAt}
		}
		var snaps [][]any
		var credits [][]any
		var coupons [][]any
		for _, b := range batch {
			o, known := old[b.SubAccountID]
			if !known {
				continue // vanished meanwhile
			}
			if b.Err != "" {
				if err := g.Exec(`UPDATE sub_accounts SET stale = ?, last_error = ? WHERE id = ?`, true, b.Err, b.SubAccountID).Error; err != nil {
					return translate("mark balances stale", err)
				}
				continue
			}
			cur := b.Currency
			credit := money.Zero(cur)
			for _, l := range b.Credits {
				credit = credit.Add(l.Available)
			}
			if b.CreditSkipped {
				credit = money.New(amount(o.credit, "").Decimal(), cur)
			}
			debit := money.New(b.Debit.Decimal(), cur)
			total := debit.Add(credit)
			changed := o.debit != debit.String() || o.credit != credit.String() || o.snap == nil || at.Sub(*o.snap) >= snapshotEvery
			snapAt := o.snap
			if changed {
				snapAt = &at
				snaps = append(snaps, []any{at, b.SubAccountID, debit.String(), credit.String()})
			}
			lastErr := b.CouponsErr
			// One UPDATE per row, the credit account's presence included: every extra
			// statement is another dead tuple per sub-account and pass.
			creditSet, creditArgs := `credit_absent = ?, credit_skips = 0`, []any{len(b.Credits) == 0}
			if b.CreditSkipped {
				creditSet, creditArgs = `credit_skips = credit_skips + 1`, nil
			}
			q := `UPDATE sub_accounts SET debit = ?, credit = ?, total = ?, currency = ?, balances_synced_at = ?, snapshot_at = ?, stale = ?, last_error = ?, ` + creditSet + ` WHERE id = ?`
			args := []any{debit.String(), credit.String(), total.String(), debit.Currency(), at, nullTime(snapAt), lastErr != "", lastErr}
			if tx.isSQLite() {
				q = `UPDATE sub_accounts SET debit = ?, credit = ?, total = ?, debit_cents = ?, credit_cents = ?, total_cents = ?, currency = ?, balances_synced_at = ?, snapshot_at = ?, stale = ?, last_error = ?, ` + creditSet + ` WHERE id = ?`
				args = []any{debit.String(), credit.String(), total.String(), cents(debit), cents(credit), cents(total), debit.Currency(), at, nullTime(snapAt), lastErr != "", lastErr}
			}
			args = append(append(args, creditArgs...), b.SubAccountID)
			if err := g.Exec(q, args...).Error; err != nil {
				return translate("store balances", err)
			}
			if !b.CreditSkipped {
				if err := g.Exec(`DELETE FROM sub_account_credits WHERE sub_account_id = ?`, b.SubAccountID).Error; err != nil {
					return translate("clear credit lines", err)
				}
				for i, l := range b.Credits {
					credits = append(credits, []any{b.SubAccountID, i, l.Available.String(), l.CreditAmount.String(), nullTime(l.ExpireTime)})
				}
			}
			if b.Coupons != nil {
				if err := g.Exec(`DELETE FROM coupons WHERE sub_account_id = ?`, b.SubAccountID).Error; err != nil {
					return translate("clear sub-coupons", err)
				}
				for _, c := range b.Coupons {
					c.SubAccountID = b.SubAccountID
					coupons = append(coupons, couponValues(c, at))
				}
			}
		}
		if err := tx.upsert(ctx, "sub_account_credits", []string{"sub_account_id", "seq", "available", "credit_amount", "expire_time"},
			[]string{"sub_account_id", "seq"}, []string{"available", "credit_amount", "expire_time"}, credits); err != nil {
			return err
		}
		if err := tx.upsert(ctx, "coupons", couponCols, couponKey, couponUpdate, coupons); err != nil {
			return err
		}
		if err := tx.insertSnapshots(ctx, snaps); err != nil {
			return err
		}
		if runID != 0 {
			return tx.SaveRunProgress(ctx, runID, progress)
		}
		return nil
	})
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
// the lines; SyncedAt is at; Stale cleared).
func (db *DB) StoreMasterBalances(ctx context.Context, master string, mb MasterBalances, at time.Time) error {
	cur := mb.Currency
	if cur == "" {
		cur = money.DefaultCurrency
	}
	credit := money.Zero(cur)
	for _, l := range mb.Credits {
		credit = credit.Add(l.Available)
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.upsert(ctx, "master_balances", []string{"master_account_id", "debit", "credit", "currency", "synced_at", "stale", "last_error"}, []string{"master_account_id"},
			[]string{"debit", "credit", "currency", "synced_at", "stale", "last_error"},
			[][]any{{master, mb.Debit.String(), credit.String(), cur, utc(at), false, ""}}); err != nil {
			return err
		}
		if err := tx.gorm.WithContext(ctx).Exec(`DELETE FROM master_credits WHERE master_account_id = ?`, master).Error; err != nil {
			return translate("clear master credit lines", err)
		}
		rows := make([][]any, len(mb.Credits))
		for i, l := range mb.Credits {
			rows[i] = []any{master, i, l.Available.String(), l.Amount.String(), l.CreditAmount.String(), nullTime(l.ExpireTime)}
		}
		return tx.upsert(ctx, "master_credits", []string{"master_account_id", "seq", "available", "amount", "credit_amount", "expire_time"}, []string{"master_account_id", "seq"}, nil, rows)
	})
}

// MarkMasterStale flags the master's amounts as stale after a failed refresh (no-op
// before the first successful one).
func (db *DB) MarkMasterStale(ctx context.Context, master, reason string) error {
	err := db.gorm.WithContext(ctx).Exec(`UPDATE master_balances SET stale = ?, last_error = ? WHERE master_account_id = ?`, true, reason, master).Error
	return translate("mark master stale", err)
}

// String helps logs and tests.
func (b SubAccountBalances) String() string {
	return fmt.Sprintf("%s debit=%s credits=%d err=%q", b.SubAccountID, b.Debit, len(b.Credits), b.Err)
}

// StoreSubAccountCoupons writes a batch of coupon-only reads: each success replaces the
// sub-account's coupons; each failure (Err) keeps them and marks the row stale. Progress
// is saved as in StoreSubAccountBalances.
func (db *DB) StoreSubAccountCoupons(ctx context.Context, at time.Time, batch []SubAccountBalances, runID int64, progress RunProgress) error {
	at = utc(at)
	return db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		var rows [][]any
		for _, b := range batch {
			if b.Err != "" || b.Coupons == nil {
				if err := g.Exec(`UPDATE sub_accounts SET stale = ?, last_error = ? WHERE id = ?`, true, b.Err, b.SubAccountID).Error; err != nil {
					return translate("mark coupons stale", err)
				}
				continue
			}
			if err := g.Exec(`DELETE FROM coupons WHERE sub_account_id = ?`, b.SubAccountID).Error; err != nil {
				return translate("clear sub-coupons", err)
			}
			for _, c := range b.Coupons {
				c.SubAccountID = b.SubAccountID
				rows = append(rows, couponValues(c, at))
			}
		}
		if err := tx.upsert(ctx, "coupons", couponCols, couponKey, couponUpdate, rows); err != nil {
			return err
		}
		if runID != 0 {
			return tx.SaveRunProgress(ctx, runID, progress)
		}
		return nil
	})
}
