package store

import "context"

// untaggedTables hold rows that migration 00052 left with master_account_id ” (cached
// while Purser knew one master).
var untaggedTables = []string{"sub_accounts", "organizations", "coupons", "stored_value_cards",
	"resource_package_usages", "balance_snapshots", "sync_runs", "master_balances", "master_credits"}

// AdoptUntaggedCache gives every untagged cache row to master: what was cached before
// several masters were supported belongs to the master Purser used then (the bootstrap
// one). A sub-account's own history points stay untagged (their sub-account row says the
// master); only the totals points (”) are tagged. A master row already cached for master
// wins over an untagged one. Idempotent; returns the number of rows tagged.
func (db *DB) AdoptUntaggedCache(ctx context.Context, master string) (int64, error) {
	if master == "" {
		return 0, nil
	}
	var n int64
	err := db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		for _, t := range untaggedTables {
			q := `UPDATE ` + t + ` SET master_account_id = ? WHERE master_account_id = ''`
			args := []any{master}
			switch t {
			case "balance_snapshots":
				q += ` AND sub_account_id = ''`
			case "coupons":
				q += ` AND sub_account_id = ''`
			case "master_balances", "master_credits":
				q += ` AND NOT EXISTS (SELECT 1 FROM ` + t + ` m WHERE m.master_account_id = ?)`
				args = append(args, master)
			}
			res := g.Exec(q, args...)
			if res.Error != nil {
				return translate("adopt untagged "+t, res.Error)
			}
			n += res.RowsAffected
		}
		for _, t := range []string{"master_balances", "master_credits"} {
			if err := g.Exec(`DELETE FROM ` + t + ` WHERE master_account_id = ''`).Error; err != nil {
				return translate("drop untagged "+t, err)
			}
		}
		return nil
	})
	return n, err
}
