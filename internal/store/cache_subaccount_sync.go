package store

import (
	"context"
	"time"

	"github.com/purser-finance/purser/internal/money"
)

// The sync's writes of the sub-accounts: their list and their balance reads. Each writes
// only what changed. What the sync keeps for itself and renews on every pass — when a
// sub-account was last listed (synced_at, seen_run) and read (balances_synced_at), when
// its last history point was taken (snapshot_at), how many passes skipped its credit
// call (credit_skips) — lives in the narrow table sub_account_reads (migration 00073),
// one row per sub-account, so that renewing it does not rewrite the wide sub_accounts row
// and its eight indexes; those writes are quiet (they leave the read cache alone), except a
// sub-account's first read, which makes its figures count.

// subAccountFrom is the sub-accounts joined to what the sync keeps of each (every row
// has one: it is written with the row, and removed with it).
const subAccountFrom = "sub_accounts LEFT JOIN sub_account_reads ON sub_account_reads.sub_account_id = sub_accounts.id"

// listedCols are the sub_accounts columns the sub-account list sets (org_path from the
// cached tree).
var listedCols = []string{"name", "display_name", "search_text", "status", "org_id", "org_name", "org_path", "master_account_id"}

// UpsertSubAccounts stores one page of master's sub-account list read by run runID,
// keeping each row's balances and threshold, with their org paths from the cached tree.
// A sub-account listed as it was cached is not rewritten: only its listing is noted
// (seen by runID at at).
func (db *DB) UpsertSubAccounts(ctx context.Context, master string, runID int64, subs []SubAccountInfo, at time.Time) error {
	if len(subs) == 0 {
		return nil
	}
	orgIDs := make([]string, 0, len(subs))
	for _, s := range subs {
		orgIDs = append(orgIDs, s.OrgID)
	}
	return db.InTx(ctx, func(tx *DB) error {
		// The paths read here must not miss a tree being stored at the same time.
		if err := tx.lockOrgPaths(ctx); err != nil {
			return err
		}
		var units []struct{ ID, Path string }
		if err := tx.gorm.WithContext(ctx).Raw(`SELECT id, path FROM organizations WHERE id IN ?`, uniqueSorted(orgIDs)).Scan(&units).Error; err != nil {
			return translate("sub-account org paths", err)
		}
		path := make(map[string]string, len(units))
		for _, u := range units {
			path[u.ID] = u.Path
		}
		rows := make([][]any, len(subs))
		reads := make([][]any, len(subs))
		for i, s := range subs {
			rows[i] = []any{s.ID, s.Name, s.DisplayName, searchText(s.Name, s.DisplayName), s.Status, s.OrgID, s.OrgName, path[s.OrgID], master}
			reads[i] = []any{s.ID, runID, utc(at)}
		}
		if err := tx.upsertRows(ctx, upsertSpec{table: "sub_accounts", cols: append([]string{"id"}, listedCols...), key: []string{"id"},
			update: listedCols, compare: listedCols}, rows); err != nil {
			return err
		}
		return tx.upsertRows(ctx, upsertSpec{table: "sub_account_reads", cols: []string{"sub_account_id", "seen_run", "synced_at"}, key: []string{"sub_account_id"},
			update: []string{"seen_run", "synced_at"}, quiet: true}, reads)
	})
}

// orgPathOf is the path a sub_accounts row's org_path must hold: its unit's, or none for
// a unit not in the tree. The updates that set it leave rows already holding it alone.
const orgPathOf = `COALESCE((SELECT o.path FROM organizations o WHERE o.id = sub_accounts.org_id), '')`

// RemoveSubAccountsNotSeen deletes master's sub-accounts (with their credit lines and
// coupons) that run runID did not see: call it only after a complete listing. Untagged
// rows (cached before several masters were supported) that the listing did not adopt go
// too; other masters' rows are never touched.
func (db *DB) RemoveSubAccountsNotSeen(ctx context.Context, master string, runID int64) (int64, error) {
	const notSeen = `master_account_id IN (?, '') AND NOT EXISTS (SELECT 1 FROM sub_account_reads r WHERE r.sub_account_id = sub_accounts.id AND r.seen_run = ?)`
	var n int64
	err := db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		if err := g.Exec(`DELETE FROM coupons WHERE sub_account_id <> '' AND sub_account_id IN (SELECT id FROM sub_accounts WHERE `+notSeen+`)`, master, runID).Error; err != nil {
			return translate("remove vanished sub-coupons", err)
		}
		res := g.Exec(`DELETE FROM sub_accounts WHERE `+notSeen, master, runID)
		n = res.RowsAffected
		return translate("remove vanished sub-accounts", res.Error)
	})
	return n, err
}

// snapshotEvery bounds how long a sub-account's history goes without a point when its
// balance does not change (a point is written on every change).
const snapshotEvery = 24 * time.Hour

var creditSpec = upsertSpec{table: "sub_account_credits", cols: []string{"sub_account_id", "seq", "available", "credit_amount", "expire_time"},
	key: []string{"sub_account_id", "seq"}, update: []string{"available", "credit_amount", "expire_time"}, compare: []string{"available", "credit_amount", "expire_time"}}

// StoreSubAccountBalances writes a batch of balance reads in one transaction: figures,
// credit lines and coupons of each success, the stale mark of each failure, a history
// point where a balance changed, and, when runID is not 0, the run's progress (cursor,
// items, errors) so that a restarted run resumes after this batch. Only what changed is
// written; the successes' read time, in one statement for the batch.
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
			ReadAt     *time.Time
		}
		if len(ids) > 0 {
			if err := g.Raw(`SELECT sub_accounts.id, debit, credit, snapshot_at, balances_synced_at AS read_at FROM `+subAccountFrom+
				` WHERE sub_accounts.id IN ?`, ids).Scan(&prev).Error; err != nil {
				return translate("read previous balances", err)
			}
		}
		type before struct {
			debit, credit string
			snap          *time.Time
			read          bool
		}
		old := make(map[string]before, len(prev))
		for _, p := range prev {
			old[p.ID] = before{amount(p.Debit, "").String(), amount(p.Credit, "").String(), p.SnapshotAt, p.ReadAt != nil}
		}
		var snaps, credits, coupons [][]any
		var readIDs, snapIDs, skipIDs, creditIDs, couponIDs []string
		firstRead := false
		for _, b := range batch {
			o, known := old[b.SubAccountID]
			if !known {
				continue // vanished meanwhile
			}
			if b.Err != "" {
				if err := tx.markStale(ctx, b.SubAccountID, b.Err); err != nil {
					return err
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
			changed := o.debit != debit.String() || o.credit != credit.String() || o.snap == nil || at.Sub(*o.snap) >= snapshotEvery
			if changed {
				snapIDs = append(snapIDs, b.SubAccountID)
				snaps = append(snaps, []any{at, b.SubAccountID, debit.String(), credit.String()})
			}
			if err := tx.storeFigures(ctx, b, debit, credit); err != nil {
				return err
			}
			if b.CreditSkipped {
				skipIDs = append(skipIDs, b.SubAccountID)
			} else {
				creditIDs = append(creditIDs, b.SubAccountID)
				for i, l := range b.Credits {
					credits = append(credits, []any{b.SubAccountID, i, l.Available.String(), l.CreditAmount.String(), nullTime(l.ExpireTime)})
				}
			}
			readIDs = append(readIDs, b.SubAccountID)
			firstRead = firstRead || !o.read
			if b.Coupons != nil {
				couponIDs = append(couponIDs, b.SubAccountID)
				for _, c := range b.Coupons {
					c.SubAccountID = b.SubAccountID
					coupons = append(coupons, couponValues(c, at))
				}
			}
		}
		if len(creditIDs) > 0 {
			if err := tx.replaceSet(ctx, creditSpec, "sub_account_id IN ?", []any{creditIDs}, credits); err != nil {
				return err
			}
		}
		if len(couponIDs) > 0 {
			if err := tx.replaceSet(ctx, couponSpec, "sub_account_id IN ?", []any{couponIDs}, coupons); err != nil {
				return err
			}
		}
		if err := tx.noteReads(ctx, at, readIDs, snapIDs, skipIDs, firstRead); err != nil {
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

// noteReads records, in one statement, that the sub-accounts ids were read at at: those
// of snapped got a history point then, those of skipped had their credit call skipped
// once more (the others' count starts again). It updates the rows UpsertSubAccounts
// wrote, so a sub-account removed meanwhile is simply not matched. A first read is a
// change a page shows (the figures were unknown: first); a later one only renews how old
// they are, quietly.
func (db *DB) noteReads(ctx context.Context, at time.Time, ids, snapped, skipped []string, first bool) error {
	if len(ids) == 0 {
		return nil
	}
	g := db.quiet(ctx)
	if first {
		g = db.gorm.WithContext(ctx)
	}
	err := g.Exec(`UPDATE sub_account_reads SET balances_synced_at = ?,
		snapshot_at = CASE WHEN sub_account_id IN ? THEN ? ELSE snapshot_at END,
		credit_skips = CASE WHEN sub_account_id IN ? THEN credit_skips + 1 ELSE 0 END
		WHERE sub_account_id IN ?`, at, snapped, at, skipped, ids).Error
	return translate("note balance reads", err)
}

// storeFigures writes one successful read's figures onto the sub-account's row unless
// they are already there: the credit account's presence (unless its call was skipped),
// and the coupons' failure, if any, as the stale mark.
func (db *DB) storeFigures(ctx context.Context, b SubAccountBalances, debit, credit money.Amount) error {
	total := debit.Add(credit)
	lastErr := b.CouponsErr
	cols := []string{"debit", "credit", "total", "currency", "stale", "last_error"}
	vals := []any{debit.String(), credit.String(), total.String(), debit.Currency(), lastErr != "", lastErr}
	if !b.CreditSkipped {
		cols, vals = append(cols, "credit_absent"), append(vals, len(b.Credits) == 0)
	}
	if db.isSQLite() {
		cols, vals = append(cols, "debit_cents", "credit_cents", "total_cents"), append(vals, cents(debit), cents(credit), cents(total))
	}
	return db.updateChanged(ctx, "store balances", "sub_accounts", "id", b.SubAccountID, cols, vals)
}

// markStale flags a sub-account's figures as stale with reason, unless they are so.
func (db *DB) markStale(ctx context.Context, id, reason string) error {
	return db.updateChanged(ctx, "mark balances stale", "sub_accounts", "id", id, []string{"stale", "last_error"}, []any{true, reason})
}

// updateChanged sets cols to vals on the row of table whose keyCol is key, unless they
// hold those values already (then nothing is written).
func (db *DB) updateChanged(ctx context.Context, op, table, keyCol string, key any, cols []string, vals []any) error {
	q := "UPDATE " + table + " SET "
	for i, c := range cols {
		if i > 0 {
			q += ", "
		}
		q += c + " = ?"
	}
	q += " WHERE " + keyCol + " = ? AND (" + joinCols(cols) + ") IS DISTINCT FROM (" + placeholders(len(cols)) + ")"
	args := append(append(append(make([]any, 0, 2*len(vals)+1), vals...), key), vals...)
	return translate(op, db.gorm.WithContext(ctx).Exec(q, args...).Error)
}

// StoreSubAccountCoupons writes a batch of coupon-only reads: each success replaces the
// sub-account's coupons (writing only what changed); each failure (Err) keeps them and
// marks the row stale. Progress is saved as in StoreSubAccountBalances.
func (db *DB) StoreSubAccountCoupons(ctx context.Context, at time.Time, batch []SubAccountBalances, runID int64, progress RunProgress) error {
	at = utc(at)
	return db.InTx(ctx, func(tx *DB) error {
		var rows [][]any
		var ids []string
		for _, b := range batch {
			if b.Err != "" || b.Coupons == nil {
				if err := tx.markStale(ctx, b.SubAccountID, b.Err); err != nil {
					return err
				}
				continue
			}
			ids = append(ids, b.SubAccountID)
			for _, c := range b.Coupons {
				c.SubAccountID = b.SubAccountID
				rows = append(rows, couponValues(c, at))
			}
		}
		if len(ids) > 0 {
			if err := tx.replaceSet(ctx, couponSpec, "sub_account_id IN ?", []any{ids}, rows); err != nil {
				return err
			}
		}
		if runID != 0 {
			return tx.SaveRunProgress(ctx, runID, progress)
		}
		return nil
	})
}
