package store

import (
	"context"
	"strconv"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
)

// LastPageCursor is the cursor of the last page of the sub-account list in sort.
func LastPageCursor(sort string) string {
	return keyset{name: normalizeSort(sort)}.lastCursor()
}

// subAccountList is the sub-account list in sort: by name, total or runway key, then id.
// The total travels in cursors as a decimal, compared as cents on SQLite; the runway key
// (runway.go) as an integer.
func (db *DB) subAccountList(sort string) keysetList[subAccountRow, SubAccount] {
	sort = normalizeSort(sort)
	col := keyCol{col: db.sortColumn(sort)}
	key := func(s SubAccount) []*string { return []*string{textKey(s.Name), textKey(s.ID)} }
	switch col.col {
	case "name":
	case "runway_key":
		col.arg = func(s string) (any, bool) {
			n, err := strconv.ParseInt(s, 10, 64)
			return n, err == nil
		}
		key = func(s SubAccount) []*string {
			return []*string{textKey(strconv.FormatInt(s.runwayKey, 10)), textKey(s.ID)}
		}
	default:
		col.arg = func(s string) (any, bool) {
			if _, err := money.ParseDecimal(s); err != nil {
				return nil, false
			}
			if db.isSQLite() {
				return cents(amount(s, "")), true
			}
			return s, true
		}
		key = func(s SubAccount) []*string { return []*string{textKey(s.Total.String()), textKey(s.ID)} }
	}
	return keysetList[subAccountRow, SubAccount]{
		op: "list sub-accounts", from: subAccountFrom, cols: subAccountCols,
		order: keyset{name: sort, cols: []keyCol{col, {col: "id"}}, desc: sort == SortNameDesc || sort == SortBalanceDesc || sort == SortRunwayDesc},
		value: subAccountRow.subAccount,
		key:   key,
	}
}

// ListSubAccounts returns one page of the filtered sub-accounts in scope, keyset-paginated
// on (sort key, id) both ways so that page 400 costs what page 1 does. Total counts every
// match, Before those ahead of the page.
func (db *DB) ListSubAccounts(ctx context.Context, scope authz.QueryScope, f SubAccountFilter) (SubAccountPage, error) {
	return db.subAccountPage(ctx, scope, f, countExact)
}

// ListSubAccountsCapped is ListSubAccounts counting at most TotalCap matches: beyond,
// Total is TotalCap and TotalCapped is set. For the list page, where a search matching
// thousands need not be counted to the last row on every keystroke.
func (db *DB) ListSubAccountsCapped(ctx context.Context, scope authz.QueryScope, f SubAccountFilter) (SubAccountPage, error) {
	return db.subAccountPage(ctx, scope, f, countCapped)
}

// ListSubAccountsUncounted is ListSubAccounts without the count (Total is 0), for callers
// that know it already: with no filter but the scope it is SubAccountStats' Total.
func (db *DB) ListSubAccountsUncounted(ctx context.Context, scope authz.QueryScope, f SubAccountFilter) (SubAccountPage, error) {
	return db.subAccountPage(ctx, scope, f, countNone)
}

// ListSubAccountsOfTotal is ListSubAccounts for a caller that knows the exact count of
// f's matches in scope, total (the scope's stats unfiltered, a kept count filtered): the
// last page is then read without counting.
func (db *DB) ListSubAccountsOfTotal(ctx context.Context, scope authz.QueryScope, f SubAccountFilter, total int64) (SubAccountPage, error) {
	c, err := db.subAccountWhere(ctx, scope, f)
	if err != nil {
		return SubAccountPage{}, err
	}
	return db.subAccountList(f.Sort).pageOfTotal(ctx, db, c, f.Cursor, clampLimit(f.Limit, 25), total)
}

// CountSubAccounts counts the sub-accounts in scope matching f (its cursor, sort and limit
// aside): exactly, or (capped) up to TotalCap, saying whether more match. For a caller that
// keeps a filter's total for all its pages.
func (db *DB) CountSubAccounts(ctx context.Context, scope authz.QueryScope, f SubAccountFilter, capped bool) (total int64, more bool, err error) {
	c, err := db.subAccountWhere(ctx, scope, f)
	if err != nil {
		return 0, false, err
	}
	return db.subAccountList(f.Sort).count(ctx, db, c, capped)
}

func (db *DB) subAccountPage(ctx context.Context, scope authz.QueryScope, f SubAccountFilter, count countMode) (SubAccountPage, error) {
	c, err := db.subAccountWhere(ctx, scope, f)
	if err != nil {
		return SubAccountPage{}, err
	}
	return db.subAccountList(f.Sort).page(ctx, db, c, f.Cursor, clampLimit(f.Limit, 25), count)
}

// ForEachSubAccount calls fn for every match of f in scope (Cursor and Limit ignored) in
// f.Sort order, reading 500 rows at a time; fn's error stops the walk and is returned.
func (db *DB) ForEachSubAccount(ctx context.Context, scope authz.QueryScope, f SubAccountFilter, fn func(SubAccount) error) error {
	c, err := db.subAccountWhere(ctx, scope, f)
	if err != nil {
		return err
	}
	return db.subAccountList(f.Sort).each(ctx, db, c, fn)
}
