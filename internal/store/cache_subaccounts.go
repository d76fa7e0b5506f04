package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
)

// subAccountCols are the columns read into subAccountRow, from subAccountFrom.
const subAccountCols = `id, name, display_name, status, org_id, org_name, org_path, debit, credit, total, currency,
	low_balance_threshold, synced_at, balances_synced_at, stale, last_error, master_account_id,
	runway_state, runway_days, runway_burn, runway_based_on, runway_at, runway_key`

type subAccountRow struct {
	ID                  string
	Name                string
	DisplayName         string
	Status              int
	OrgID               string
	OrgName             string
	OrgPath             string
	Debit               string
	Credit              string
	Total               string
	Currency            string
	LowBalanceThreshold sql.NullString
	SyncedAt            *time.Time // NULL only for a row without its sub_account_reads row
	BalancesSyncedAt    *time.Time
	Stale               bool
	LastError           string
	MasterAccountID     string
	RunwayState         string
	RunwayDays          sql.NullString
	RunwayBurn          sql.NullString
	RunwayBasedOn       int
	RunwayAt            *time.Time
	RunwayKey           int64
}

func (r subAccountRow) subAccount() SubAccount {
	s := SubAccount{
		ID: r.ID, Name: r.Name, DisplayName: r.DisplayName, Status: r.Status,
		OrgID: r.OrgID, OrgName: r.OrgName, OrgPath: splitPath(r.OrgPath),
		Debit: amount(r.Debit, r.Currency), Credit: amount(r.Credit, r.Currency), Total: amount(r.Total, r.Currency),
		Currency: r.Currency, BalancesSyncedAt: utcPtr(r.BalancesSyncedAt),
		Stale: r.Stale, LastError: r.LastError, MasterAccountID: r.MasterAccountID,
		Runway:    Runway{State: r.RunwayState, BasedOn: r.RunwayBasedOn, At: utcPtr(r.RunwayAt)},
		runwayKey: r.RunwayKey,
	}
	if d := nullString(r.RunwayDays); d != nil {
		s.Runway.Days = decimalOf(*d)
	}
	if b := nullString(r.RunwayBurn); b != nil {
		s.Runway.Burn = decimalOf(*b)
	}
	if r.SyncedAt != nil {
		s.SyncedAt = r.SyncedAt.UTC()
	}
	if s.Currency == "" {
		s.Currency = money.DefaultCurrency
	}
	if t := nullString(r.LowBalanceThreshold); t != nil {
		a := amount(*t, s.Currency)
		s.LowBalanceThreshold = &a
	}
	return s
}

func normalizeSort(s string) string {
	switch s {
	case SortNameDesc, SortBalance, SortBalanceDesc, SortRunway, SortRunwayDesc:
		return s
	}
	return SortName
}

// subAccountWhere builds the filter's conditions (without the cursor).
func (db *DB) subAccountWhere(ctx context.Context, scope authz.QueryScope, f SubAccountFilter) (*conds, error) {
	c := &conds{}
	if q := strings.TrimSpace(f.Q); q != "" && f.QMatchesID {
		c.add(`(search_text LIKE ? ESCAPE '\' OR id LIKE ? ESCAPE '\')`, likeContains(q), likePrefix(q))
	} else if q != "" {
		c.add(`search_text LIKE ? ESCAPE '\'`, likeContains(q))
	}
	if f.Status != 0 {
		c.add("status = ?", f.Status)
	}
	if f.MasterAccountID != "" {
		c.add("master_account_id = ?", f.MasterAccountID)
	}
	hideMasters(c, "master_account_id", f.HiddenMasters)
	if f.RunwayBelow > 0 {
		runwayBelow(c, f.RunwayBelow)
	}
	// The units filtered on and the scope's, looked up at once.
	var filterIDs, scopeIDs []string
	if f.OrgID != "" {
		filterIDs = []string{f.OrgID}
	}
	if !scope.All {
		scopeIDs = scope.OrgIDs
	}
	paths, err := db.orgPaths(ctx, filterIDs, f.OrgIDs, scopeIDs)
	if err != nil {
		return nil, err
	}
	if f.OrgID != "" {
		cond, args := orgMatch(paths, filterIDs, "org_id", "org_path")
		c.add(cond, args...)
	}
	if f.OrgIDs != nil {
		cond, args := orgMatch(paths, f.OrgIDs, "org_id", "org_path")
		c.add(cond, args...)
	}
	addScopeOf(c, paths, scope, "%s", "org_id", "org_path")
	return c, nil
}

// sortColumn is the column ordered on: name, the total (NUMERIC on Postgres, integer
// cents on SQLite), or the runway's sort key (runway.go).
func (db *DB) sortColumn(sort string) string {
	switch sort {
	case SortRunway, SortRunwayDesc:
		return "runway_key"
	case SortBalance, SortBalanceDesc:
		if db.isSQLite() {
			return "total_cents"
		}
		return "total"
	}
	return "name"
}

// SubAccountByID returns one sub-account with its credit lines; ErrNotFound when unknown.
// On Postgres the credit lines come with the row, in one round trip: every detail page
// reads it first.
func (db *DB) SubAccountByID(ctx context.Context, id string) (*SubAccount, error) {
	if !db.isSQLite() {
		return db.subAccountWithCredits(ctx, id)
	}
	var rows []subAccountRow
	if err := db.gorm.WithContext(ctx).Raw("SELECT "+subAccountCols+" FROM "+subAccountFrom+" WHERE id = ?", id).Scan(&rows).Error; err != nil {
		return nil, translate("get sub-account", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get sub-account %q: %w", id, ErrNotFound)
	}
	s := rows[0].subAccount()
	var lines []struct {
		Available    string
		CreditAmount string
		ExpireTime   *time.Time
	}
	if err := db.gorm.WithContext(ctx).Raw(`SELECT available, credit_amount, expire_time FROM sub_account_credits WHERE sub_account_id = ? ORDER BY seq`, id).Scan(&lines).Error; err != nil {
		return nil, translate("get sub-account credits", err)
	}
	s.Credits = make([]CreditLine, len(lines))
	for i, l := range lines {
		s.Credits[i] = CreditLine{Available: amount(l.Available, s.Currency), CreditAmount: amount(l.CreditAmount, s.Currency), ExpireTime: utcPtr(l.ExpireTime)}
	}
	return &s, nil
}

// subAccountWithCredits is SubAccountByID on Postgres: the credit lines as a JSON array
// of [available, credit amount, expiry] beside the row.
func (db *DB) subAccountWithCredits(ctx context.Context, id string) (*SubAccount, error) {
	var rows []struct {
		Row     subAccountRow `gorm:"embedded"`
		Credits string
	}
	q := "SELECT " + subAccountCols + `, COALESCE((SELECT json_agg(json_build_array(c.available::text, c.credit_amount::text, c.expire_time) ORDER BY c.seq)
		FROM sub_account_credits c WHERE c.sub_account_id = sub_accounts.id), '[]')::text AS credits FROM ` + subAccountFrom + ` WHERE id = ?`
	if err := db.gorm.WithContext(ctx).Raw(q, id).Scan(&rows).Error; err != nil {
		return nil, translate("get sub-account", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get sub-account %q: %w", id, ErrNotFound)
	}
	s := rows[0].Row.subAccount()
	var lines [][3]*string
	if err := json.Unmarshal([]byte(rows[0].Credits), &lines); err != nil {
		return nil, fmt.Errorf("store: get sub-account %q: credits: %w", id, err)
	}
	s.Credits = make([]CreditLine, len(lines))
	for i, l := range lines {
		if l[0] == nil || l[1] == nil {
			return nil, fmt.Errorf("store: get sub-account %q: credit line %d without an amount", id, i)
		}
		s.Credits[i] = CreditLine{Available: amount(*l[0], s.Currency), CreditAmount: amount(*l[1], s.Currency)}
		if l[2] != nil {
			t, err := time.Parse(time.RFC3339Nano, *l[2])
			if err != nil {
				return nil, fmt.Errorf("store: get sub-account %q: credit line %d: %w", id, i, err)
			}
			s.Credits[i].ExpireTime = utcPtr(&t)
		}
	}
	return &s, nil
}

// SetLowBalanceThreshold sets (nil: clears) a sub-account's own low-balance alert level.
func (db *DB) SetLowBalanceThreshold(ctx context.Context, id string, t *money.Amount) error {
	var val, c any
	if t != nil {
		val, c = t.String(), cents(*t)
	}
	q, args := `UPDATE sub_accounts SET low_balance_threshold = ? WHERE id = ?`, []any{val, id}
	if db.isSQLite() {
		q, args = `UPDATE sub_accounts SET low_balance_threshold = ?, threshold_cents = ? WHERE id = ?`, []any{val, c, id}
	}
	res := db.gorm.WithContext(ctx).Exec(q, args...)
	if res.Error != nil {
		return translate("set low-balance threshold", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: set low-balance threshold of %q: %w", id, ErrNotFound)
	}
	return nil
}

// SubAccountsBelowThreshold lists (up to limit, lowest first) the sub-accounts whose
// Total is below their own threshold or else defaultThreshold, and counts them all.
// Sub-accounts whose balances were never read are not listed (their zero is unknown).
func (db *DB) SubAccountsBelowThreshold(ctx context.Context, defaultThreshold money.Amount, scope authz.QueryScope, limit int) ([]SubAccount, int64, error) {
	return db.SubAccountsBelowThresholdOf(ctx, "", defaultThreshold, scope, limit)
}

// SubAccountsBelowThresholdOf is SubAccountsBelowThreshold over one master's sub-accounts
// ("" = every master), without the hidden masters' sub-accounts.
func (db *DB) SubAccountsBelowThresholdOf(ctx context.Context, master string, defaultThreshold money.Amount, scope authz.QueryScope, limit int, hidden ...string) ([]SubAccount, int64, error) {
	limit = clampLimit(limit, defaultListLimit)
	c := &conds{}
	c.add("balances_synced_at IS NOT NULL")
	if master != "" {
		c.add("master_account_id = ?", master)
	}
	hideMasters(c, "master_account_id", hidden)
	if db.isSQLite() {
		c.add("total_cents < COALESCE(threshold_cents, ?)", cents(defaultThreshold))
	} else {
		c.add("total < COALESCE(low_balance_threshold, ?)", defaultThreshold.String())
	}
	if err := db.addScope(ctx, c, scope, "%s", "org_id", "org_path"); err != nil {
		return nil, 0, err
	}
	col := db.sortColumn(SortBalance)
	var rows []subAccountRow
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s, id LIMIT ?", subAccountCols, subAccountFrom, c.sql(), col)
	if err := db.gorm.WithContext(ctx).Raw(q, append(c.args, limit)...).Scan(&rows).Error; err != nil {
		return nil, 0, translate("sub-accounts below threshold", err)
	}
	total, err := db.count(ctx, "count sub-accounts below threshold", "SELECT COUNT(*) FROM "+subAccountFrom+" WHERE "+c.sql(), c.args...)
	if err != nil {
		return nil, 0, err
	}
	out := make([]SubAccount, len(rows))
	for i, r := range rows {
		out[i] = r.subAccount()
	}
	return out, total, nil
}

// SubAccountStats counts the sub-accounts within scope by status, adds up their balances,
// and says how old the oldest and newest balance reads are.
func (db *DB) SubAccountStats(ctx context.Context, scope authz.QueryScope) (SubAccountStats, error) {
	return db.SubAccountStatsOf(ctx, "", scope)
}

// SubAccountStatsOf is SubAccountStats over one master's sub-accounts ("" = every master),
// without the hidden masters' sub-accounts.
func (db *DB) SubAccountStatsOf(ctx context.Context, master string, scope authz.QueryScope, hidden ...string) (SubAccountStats, error) {
	st := SubAccountStats{ByStatus: map[int]int64{}, Debit: money.Zero(""), Credit: money.Zero("")}
	c := &conds{}
	if master != "" {
		c.add("master_account_id = ?", master)
	}
	hideMasters(c, "master_account_id", hidden)
	if err := db.addScope(ctx, c, scope, "%s", "org_id", "org_path"); err != nil {
		return st, err
	}
	g := db.gorm.WithContext(ctx)
	if !db.isSQLite() {
		return db.subAccountStatsOneScan(ctx, c, st)
	}
	var byStatus []struct {
		Status int
		N      int64
	}
	if err := g.Raw("SELECT status, COUNT(*) AS n FROM sub_accounts WHERE "+c.sql()+" GROUP BY status", c.args...).Scan(&byStatus).Error; err != nil {
		return st, translate("sub-account stats", err)
	}
	for _, r := range byStatus {
		st.ByStatus[r.Status] = r.N
		st.Total += r.N
	}
	if db.isSQLite() {
		var sums struct{ D, C int64 }
		if err := g.Raw("SELECT COALESCE(SUM(debit_cents), 0) AS d, COALESCE(SUM(credit_cents), 0) AS c FROM sub_accounts WHERE "+c.sql(), c.args...).Scan(&sums).Error; err != nil {
			return st, translate("sub-account sums", err)
		}
		st.Debit, st.Credit = fromCents(sums.D, ""), fromCents(sums.C, "")
	} else {
		var sums struct{ D, C string }
		if err := g.Raw("SELECT COALESCE(SUM(debit), 0)::text AS d, COALESCE(SUM(credit), 0)::text AS c FROM sub_accounts WHERE "+c.sql(), c.args...).Scan(&sums).Error; err != nil {
			return st, translate("sub-account sums", err)
		}
		st.Debit, st.Credit = amount(sums.D, ""), amount(sums.C, "")
	}
	// ORDER BY … LIMIT 1 rather than MIN/MAX: SQLite returns aggregates of DATETIME
	// columns as text, a plain column as a time.
	for _, dir := range []string{"ASC", "DESC"} {
		var ts []time.Time
		q := "SELECT balances_synced_at FROM " + subAccountFrom + " WHERE balances_synced_at IS NOT NULL AND " + c.sql() + " ORDER BY balances_synced_at " + dir + " LIMIT 1"
		if err := g.Raw(q, c.args...).Scan(&ts).Error; err != nil {
			return st, translate("sub-account sync times", err)
		}
		if len(ts) == 1 {
			t := ts[0].UTC()
			if dir == "ASC" {
				st.OldestSync = &t
			} else {
				st.NewestSync = &t
			}
		}
	}
	return st, nil
}

// subAccountStatsOneScan is SubAccountStats on Postgres in one pass over the table instead
// of four (counts, sums, oldest and newest read): the list page and the dashboard ask on
// every request.
func (db *DB) subAccountStatsOneScan(ctx context.Context, c *conds, st SubAccountStats) (SubAccountStats, error) {
	var rows []struct {
		Status int
		N      int64
		D, C   string
		Oldest *time.Time
		Newest *time.Time
	}
	q := "SELECT status, COUNT(*) AS n, COALESCE(SUM(debit), 0)::text AS d, COALESCE(SUM(credit), 0)::text AS c, " +
		"MIN(balances_synced_at) AS oldest, MAX(balances_synced_at) AS newest FROM " + subAccountFrom + " WHERE " + c.sql() + " GROUP BY status"
	if err := db.gorm.WithContext(ctx).Raw(q, c.args...).Scan(&rows).Error; err != nil {
		return st, translate("sub-account stats", err)
	}
	d, cr := decimal.Zero, decimal.Zero
	for _, r := range rows {
		st.ByStatus[r.Status] = r.N
		st.Total += r.N
		rd, err := decimal.NewFromString(r.D)
		if err != nil {
			return st, fmt.Errorf("store: sub-account stats: %w", err)
		}
		rc, err := decimal.NewFromString(r.C)
		if err != nil {
			return st, fmt.Errorf("store: sub-account stats: %w", err)
		}
		d, cr = d.Add(rd), cr.Add(rc)
		if r.Oldest != nil && (st.OldestSync == nil || r.Oldest.Before(*st.OldestSync)) {
			t := r.Oldest.UTC()
			st.OldestSync = &t
		}
		if r.Newest != nil && (st.NewestSync == nil || r.Newest.After(*st.NewestSync)) {
			t := r.Newest.UTC()
			st.NewestSync = &t
		}
	}
	st.Debit, st.Credit = money.New(d, ""), money.New(cr, "")
	return st, nil
}
