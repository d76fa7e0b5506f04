package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
)

// A sub-account's runway as the cache keeps it: computed by the runways job after each
// balance sync (internal/readmodel, from forecast.Estimate) and stored on its row, so
// that the list sorts by "days left" and the dashboard adds up what is needed in SQL.

// Runway states as stored; "" is "not computed yet" (forecast.State names the others).
const (
	RunwayNone             = ""
	RunwayEstimated        = "estimated"
	RunwayNoConsumption    = "no_consumption"
	RunwayNotEnoughHistory = "not_enough_history"
)

// The sort key of "days left" (the runway_key column). Ascending, "soonest out first":
// the estimated runways by their days (in tenths), then the accounts that spend nothing
// (they never run out), then those whose history is too short to tell, then those never
// computed. Descending is exactly the reverse (the unknown first, as Postgres puts NULLs
// first in a descending order), so that keyset paging is one index range both ways, with
// ties broken by id.
const (
	runwayKeyMaxEstimated  int64 = 999_999_999
	runwayKeyNoConsumption int64 = 1_000_000_000
	runwayKeyNotEnough     int64 = 2_000_000_000
	runwayKeyNone          int64 = 3_000_000_000
)

// Runway is a sub-account's stored runway.
type Runway struct {
	State   string          // RunwayNone, RunwayEstimated, RunwayNoConsumption, RunwayNotEnoughHistory
	Days    decimal.Decimal // days left to one decimal (Estimated only)
	Burn    decimal.Decimal // daily consumption per day, four decimals (Estimated only)
	BasedOn int             // days of consumption the estimate is based on
	At      *time.Time      // when it was computed to be what it is; nil: never
}

// runwayKey is the sort key of a runway.
func runwayKey(state string, days decimal.Decimal) int64 {
	switch state {
	case RunwayEstimated:
		k := days.Shift(1).Floor()
		if k.GreaterThan(decimal.NewFromInt(runwayKeyMaxEstimated)) {
			return runwayKeyMaxEstimated
		}
		if k.IsNegative() {
			return 0
		}
		return k.IntPart()
	case RunwayNoConsumption:
		return runwayKeyNoConsumption
	case RunwayNotEnoughHistory:
		return runwayKeyNotEnough
	}
	return runwayKeyNone
}

// RunwayUpdate is the runway computed for one sub-account.
type RunwayUpdate struct {
	SubAccountID string
	Runway       Runway
}

// StoreRunways writes computed runways onto their sub-accounts' rows (a sub-account gone
// meanwhile is skipped), in one transaction. A runway computed as it was stored is not
// written again (the runways job recomputes every sub-account after every balance pass),
// so its At is when it was last computed to be what it is.
func (db *DB) StoreRunways(ctx context.Context, at time.Time, updates []RunwayUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	at = utc(at)
	return db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		for _, u := range updates {
			r := u.Runway
			var days, burn, burnE4 any
			if r.State == RunwayEstimated {
				days, burn = r.Days.StringFixed(1), r.Burn.Round(4).StringFixed(4)
				burnE4 = r.Burn.Shift(4).Round(0).IntPart()
			}
			cols := []string{"runway_state", "runway_days", "runway_burn", "runway_based_on", "runway_key"}
			vals := []any{r.State, days, burn, r.BasedOn, runwayKey(r.State, r.Days)}
			if tx.isSQLite() {
				cols, vals = append(cols, "runway_burn_e4"), append(vals, burnE4)
			}
			q := `UPDATE sub_accounts SET runway_at = ?`
			for _, c := range cols {
				q += ", " + c + " = ?"
			}
			q += ` WHERE id = ? AND (` + joinCols(cols) + `) IS DISTINCT FROM (` + placeholders(len(cols)) + `)`
			args := append(append(append([]any{at}, vals...), u.SubAccountID), vals...)
			if err := g.Exec(q, args...).Error; err != nil {
				return translate("store runway", err)
			}
		}
		return nil
	})
}

// runwayBelow is the condition "runs out within days days": an estimated runway shorter
// than that (the sort key's estimated range, in tenths).
func runwayBelow(c *conds, days int) {
	c.add("runway_key < ?", int64(days)*10)
}

// RunwayBucket is how many sub-accounts run out within Days days and what they need
// to keep running that long: the sum over them of (daily burn × Days − total), never
// negative per account (forecast.Runway.Needed).
type RunwayBucket struct {
	Days   int
	Count  int64
	Needed money.Amount
}

// RunwayBuckets counts, for each horizon (in days), the sub-accounts in scope of master
// ("" = every master, without the hidden ones) whose runway is shorter, and adds up what
// they need, in SQL.
func (db *DB) RunwayBuckets(ctx context.Context, scope authz.QueryScope, master string, hidden []string, horizons []int) ([]RunwayBucket, error) {
	c := &conds{}
	if master != "" {
		c.add("master_account_id = ?", master)
	}
	hideMasters(c, "master_account_id", hidden)
	if err := db.addScope(ctx, c, scope, "%s", "org_id", "org_path"); err != nil {
		return nil, err
	}
	out := make([]RunwayBucket, 0, len(horizons))
	var sel []string
	var args []any
	for i, h := range horizons {
		key := int64(h) * 10
		sel = append(sel, fmt.Sprintf("COALESCE(SUM(CASE WHEN runway_key < ? THEN 1 ELSE 0 END), 0) AS n%d", i))
		args = append(args, key)
		if db.isSQLite() {
			// Ten-thousandths of a yuan: burn_e4 × days − total in cents × 100.
			sel = append(sel, fmt.Sprintf("COALESCE(SUM(CASE WHEN runway_key < ? THEN MAX(runway_burn_e4 * ? - total_cents * 100, 0) ELSE 0 END), 0) AS s%d", i))
		} else {
			sel = append(sel, fmt.Sprintf("COALESCE(SUM(CASE WHEN runway_key < ? THEN GREATEST(runway_burn * ? - total, 0) ELSE 0 END), 0)::text AS s%d", i))
		}
		args = append(args, key, h)
	}
	if len(horizons) == 0 {
		return out, nil
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM sub_accounts WHERE " + c.sql()
	rows, err := db.gorm.WithContext(ctx).Raw(q, append(args, c.args...)...).Rows()
	if err != nil {
		return nil, translate("runway buckets", err)
	}
	defer rows.Close()
	vals := make([]any, 2*len(horizons))
	raw := make([]string, 2*len(horizons))
	for i := range vals {
		vals[i] = &raw[i]
	}
	if rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return nil, translate("runway buckets", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate("runway buckets", err)
	}
	for i, h := range horizons {
		n, _ := strconv.ParseInt(raw[2*i], 10, 64)
		sum := decimalOf(raw[2*i+1])
		if db.isSQLite() {
			sum = sum.Shift(-4)
		}
		// Money needed is rounded up to the cent: a fraction short is still short.
		out = append(out, RunwayBucket{Days: h, Count: n, Needed: money.New(sum.RoundCeil(2), "")})
	}
	return out, nil
}

// DayPoint is the last balance reading of one sub-account on one day.
type DayPoint struct {
	SubAccountID string
	TakenAt      time.Time
	Debit        money.Amount
	Credit       money.Amount
}

// DailyBalances returns, for each of ids, the last history point of every day since
// since, oldest first: what a runway is computed from, without the many points a day of
// syncs writes. Days begin at midnight at offset seconds east of UTC (Beijing: 8 hours;
// a zone without daylight saving time, so one offset is exact).
func (db *DB) DailyBalances(ctx context.Context, ids []string, since time.Time, offset int) (map[string][]DayPoint, error) {
	out := make(map[string][]DayPoint, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	day := "(CAST(EXTRACT(EPOCH FROM taken_at) AS BIGINT) + ?) / 86400"
	if db.isSQLite() {
		day = "(CAST(strftime('%s', taken_at) AS INTEGER) + ?) / 86400"
	}
	q := `SELECT sub_account_id, taken_at, debit, credit FROM (
		SELECT sub_account_id, taken_at, debit, credit,
			ROW_NUMBER() OVER (PARTITION BY sub_account_id, ` + day + ` ORDER BY taken_at DESC, id DESC) AS rn
		FROM balance_snapshots WHERE sub_account_id IN ? AND taken_at >= ?) d
		WHERE rn = 1 ORDER BY sub_account_id, taken_at`
	for start := 0; start < len(ids); start += upsertMaxRows {
		chunk := ids[start:min(start+upsertMaxRows, len(ids))]
		var rows []struct {
			SubAccountID string
			TakenAt      time.Time
			Debit        string
			Credit       string
		}
		if err := db.gorm.WithContext(ctx).Raw(q, offset, chunk, utc(since)).Scan(&rows).Error; err != nil {
			return nil, translate("daily balances", err)
		}
		for _, r := range rows {
			out[r.SubAccountID] = append(out[r.SubAccountID], DayPoint{SubAccountID: r.SubAccountID, TakenAt: r.TakenAt.UTC(),
				Debit: amount(r.Debit, ""), Credit: amount(r.Credit, "")})
		}
	}
	return out, nil
}

// SettledMovement is a transfer into (positive) or a recovery from (negative) a
// sub-account that Purser executed and that succeeded, at its settlement.
type SettledMovement struct {
	SubAccountID string
	SettledAt    time.Time
	Amount       decimal.Decimal
}

// SettledMovements returns the movements of kind in (positive) and out (negative) that
// succeeded for each of ids since since (their finished_at: when Purser saw them
// applied), oldest first.
func (db *DB) SettledMovements(ctx context.Context, ids []string, in, out, succeeded string, since time.Time) (map[string][]SettledMovement, error) {
	res := make(map[string][]SettledMovement, len(ids))
	for start := 0; start < len(ids); start += upsertMaxRows {
		chunk := ids[start:min(start+upsertMaxRows, len(ids))]
		var rows []struct {
			SubAccountID string
			Kind         string
			Amount       *string
			FinishedAt   *time.Time
		}
		err := db.gorm.WithContext(ctx).Raw(`SELECT sub_account_id, kind, amount, finished_at FROM operations
			WHERE sub_account_id IN ? AND kind IN ? AND state = ? AND finished_at >= ? ORDER BY finished_at, id`,
			chunk, []string{in, out}, succeeded, utc(since)).Scan(&rows).Error
		if err != nil {
			return nil, translate("settled movements", err)
		}
		for _, r := range rows {
			if r.Amount == nil || r.FinishedAt == nil {
				continue
			}
			a := decimalOf(*r.Amount)
			if r.Kind == out {
				a = a.Neg()
			}
			res[r.SubAccountID] = append(res[r.SubAccountID], SettledMovement{SubAccountID: r.SubAccountID, SettledAt: r.FinishedAt.UTC(), Amount: a})
		}
	}
	return res, nil
}
