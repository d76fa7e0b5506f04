package store

import (
	"context"
)

// SeedBalanceHistory writes generated history points (demo mode: a fresh database's charts
// have a past) for master's totals (SubAccountID "") and its sub-accounts, only when none
// of them has any history yet: real points are never mixed with generated ones. It
// returns how many points it wrote (0 when there was history already).
func (db *DB) SeedBalanceHistory(ctx context.Context, master string, points []BalanceSnapshot) (int, error) {
	if len(points) == 0 {
		return 0, nil
	}
	subs := map[string]bool{}
	for _, p := range points {
		if p.SubAccountID != "" {
			subs[p.SubAccountID] = true
		}
	}
	ids := make([]string, 0, len(subs))
	for id := range subs {
		ids = append(ids, id)
	}
	written := 0
	err := db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		var n int64
		if err := g.Raw(`SELECT COUNT(*) FROM balance_snapshots WHERE sub_account_id = '' AND master_account_id = ?`, master).Scan(&n).Error; err != nil {
			return translate("balance history seed", err)
		}
		for start := 0; n == 0 && start < len(ids); start += upsertMaxRows {
			chunk := ids[start:min(start+upsertMaxRows, len(ids))]
			if err := g.Raw(`SELECT COUNT(*) FROM balance_snapshots WHERE sub_account_id IN ?`, chunk).Scan(&n).Error; err != nil {
				return translate("balance history seed", err)
			}
		}
		if n > 0 {
			return nil
		}
		rows := make([][]any, 0, len(points))
		for _, p := range points {
			// A sub-account's point says no master (its sub_accounts row does), as the sync writes it.
			m := ""
			if p.SubAccountID == "" {
				m = master
			}
			rows = append(rows, []any{utc(p.TakenAt), p.SubAccountID, p.Debit.Decimal().StringFixed(2), p.Credit.Decimal().StringFixed(2), m})
		}
		written = len(rows)
		return tx.insertSnapshots(ctx, rows)
	})
	if err != nil {
		return 0, err
	}
	return written, nil
}
