package store

import (
	"context"
	"fmt"
	"time"

	"github.com/purser-finance/purser/internal/money"
)

// The work list of a balance pass. The upstream answers one sub-account and one balance
// type per call at a few calls a second, so a pass over 10,000 sub-accounts takes most of
// an hour; the order decides who waits. Sub-accounts never read come first (a page shows
// nothing true for them yet), in the sub-account list's own order (name, id) so that its
// first page fills first; then those nearest to running out: lowest headroom, that is
// total minus their low-balance threshold (their own, else the default), most overdrawn
// first; ties by name and id. (There is no runway figure to order by: no consumption
// rate is cached.)

// BalanceJob is one sub-account a balance pass reads.
type BalanceJob struct {
	ID string
	// SkipCredit: its last credit read found no credit account and it is not yet due for
	// a re-check, so its credit call is left out of this pass.
	SkipCredit bool
}

// BalancePass returns master's sub-accounts in the order a balance pass reads them.
// before, when set, leaves out those whose balances were read at or after it (a pass
// resumed after an interruption reads only what the interrupted one had not). A
// sub-account whose credit account was found absent is skipped for credit until it has
// been skipped recheckEvery-1 passes in a row; recheckEvery ≤ 1 never skips.
func (db *DB) BalancePass(ctx context.Context, master string, before *time.Time, lowDefault money.Amount, recheckEvery int) ([]BalanceJob, error) {
	headroom, arg := "total - COALESCE(low_balance_threshold, ?)", any(lowDefault.String())
	if db.isSQLite() {
		headroom, arg = "total_cents - COALESCE(threshold_cents, ?)", any(cents(lowDefault))
	}
	q := `SELECT id, credit_absent, COALESCE(credit_skips, 0) AS credit_skips FROM ` + subAccountFrom + ` WHERE master_account_id = ?`
	args := []any{master}
	if before != nil {
		q += ` AND (balances_synced_at IS NULL OR balances_synced_at < ?)`
		args = append(args, utc(*before))
	}
	q += fmt.Sprintf(` ORDER BY CASE WHEN balances_synced_at IS NULL THEN 0 ELSE 1 END,
		CASE WHEN balances_synced_at IS NULL THEN 0 ELSE %s END, name, id`, headroom)
	args = append(args, arg)
	var rows []struct {
		ID           string
		CreditAbsent bool
		CreditSkips  int
	}
	if err := db.gorm.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, translate("balance pass", err)
	}
	out := make([]BalanceJob, len(rows))
	for i, r := range rows {
		out[i] = BalanceJob{ID: r.ID, SkipCredit: r.CreditAbsent && r.CreditSkips+1 < recheckEvery}
	}
	return out, nil
}

// LatestBalancePasses returns the newest balance pass (a "balances" run over all of a
// master's sub-accounts) of each master, keyed by master: what /metrics reports as the
// progress of the balance reads.
func (db *DB) LatestBalancePasses(ctx context.Context) (map[string]SyncRun, error) {
	var rows []syncRunRow
	if err := db.gorm.WithContext(ctx).Raw(`SELECT `+syncRunCols+` FROM sync_runs WHERE id IN
		(SELECT MAX(id) FROM sync_runs WHERE area = ? AND sub_account_id = '' GROUP BY master_account_id)`, "balances").Scan(&rows).Error; err != nil {
		return nil, translate("latest balance passes", err)
	}
	out := make(map[string]SyncRun, len(rows))
	for _, r := range rows {
		out[r.MasterAccountID] = r.run()
	}
	return out, nil
}
