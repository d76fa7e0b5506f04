package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
)

// Cursor directions: after the key (the next page; cursors without a direction, from
// links made before paging went both ways, are this), before it (the previous page), and
// the last page (no key).
const (
	cursorAfter  = ""
	cursorBefore = "b"
	cursorLast   = "l"
)

// subCursor is the decoded keyset cursor: the sort it belongs to, a row's sort key and id,
// and the direction to seek from there. It travels base64url-encoded; a cursor of another
// sort, or one that does not decode, starts from the first page (a stale link never fails
// the page).
type subCursor struct {
	Sort string `json:"s"`
	Key  string `json:"k,omitempty"`
	ID   string `json:"i,omitempty"`
	Dir  string `json:"d,omitempty"`
}

func encodeCursor(c subCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string) (subCursor, bool) {
	if s == "" {
		return subCursor{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return subCursor{}, false
	}
	var c subCursor
	if json.Unmarshal(b, &c) != nil || c.Sort != sort {
		return subCursor{}, false
	}
	switch c.Dir {
	case cursorLast:
		return subCursor{Sort: sort, Dir: cursorLast}, true
	case cursorAfter, cursorBefore:
	default:
		return subCursor{}, false
	}
	if c.ID == "" {
		return subCursor{}, false
	}
	switch sort {
	case SortBalance, SortBalanceDesc:
		if _, err := money.ParseDecimal(c.Key); err != nil {
			return subCursor{}, false
		}
	case SortRunway, SortRunwayDesc:
		if _, err := strconv.ParseInt(c.Key, 10, 64); err != nil {
			return subCursor{}, false
		}
	}
	return c, true
}

// LastPageCursor is the cursor of the last page of the list in sort: a seek from the end,
// so that the last page costs what the first does.
func LastPageCursor(sort string) string {
	return encodeCursor(subCursor{Sort: normalizeSort(sort), Dir: cursorLast})
}

// ListSubAccounts returns one page of the filtered sub-accounts in scope, keyset-paginated
// on (sort key, id) both ways so that page 400 costs what page 1 does. Total counts every
// match, Before those ahead of the page.
func (db *DB) ListSubAccounts(ctx context.Context, scope authz.QueryScope, f SubAccountFilter) (SubAccountPage, error) {
	p, err := db.ListSubAccountsUncounted(ctx, scope, f)
	if err != nil {
		return SubAccountPage{}, err
	}
	c, err := db.subAccountWhere(ctx, scope, f)
	if err != nil {
		return SubAccountPage{}, err
	}
	if p.Total, err = db.count(ctx, "count sub-accounts", "SELECT COUNT(*) FROM sub_accounts WHERE "+c.sql(), c.args...); err != nil {
		return SubAccountPage{}, err
	}
	return p, nil
}

// ListSubAccountsUncounted is ListSubAccounts without the count (Total is 0), for callers
// that know it already: with no filter but the scope it is SubAccountStats' Total.
func (db *DB) ListSubAccountsUncounted(ctx context.Context, scope authz.QueryScope, f SubAccountFilter) (SubAccountPage, error) {
	f.Limit = clampLimit(f.Limit, 25)
	items, prev, next, err := db.subAccountPage(ctx, scope, f)
	if err != nil {
		return SubAccountPage{}, err
	}
	p := SubAccountPage{Items: items, PrevCursor: prev, NextCursor: next}
	// The rows ahead of the page number the rows shown ("26–50 of …"); on the first page
	// there are none, and counting is skipped.
	if prev != "" && len(items) > 0 {
		if p.Before, err = db.subAccountsBefore(ctx, scope, f, items[0]); err != nil {
			return SubAccountPage{}, err
		}
	}
	return p, nil
}

// seekKey is the cursor key of a row in sort.
func (db *DB) seekKey(sort string, s SubAccount) string {
	switch db.sortColumn(sort) {
	case "name":
		return s.Name
	case "runway_key":
		return strconv.FormatInt(s.runwayKey, 10)
	}
	return s.Total.String()
}

func (db *DB) subAccountsBefore(ctx context.Context, scope authz.QueryScope, f SubAccountFilter, first SubAccount) (int64, error) {
	sort := normalizeSort(f.Sort)
	c, err := db.subAccountWhere(ctx, scope, f)
	if err != nil {
		return 0, err
	}
	db.seek(c, sort, subCursor{Sort: sort, Key: db.seekKey(sort, first), ID: first.ID, Dir: cursorBefore})
	return db.count(ctx, "count sub-accounts before", "SELECT COUNT(*) FROM sub_accounts WHERE "+c.sql(), c.args...)
}

// seek adds the keyset condition of cur: rows after (or before) its (key, id) in sort.
func (db *DB) seek(c *conds, sort string, cur subCursor) {
	col := db.sortColumn(sort)
	after := !strings.HasPrefix(sort, "-")
	if cur.Dir == cursorBefore {
		after = !after
	}
	op := "<"
	if after {
		op = ">"
	}
	var key any = cur.Key
	switch col {
	case "total_cents":
		key = cents(amount(cur.Key, ""))
	case "runway_key":
		key, _ = strconv.ParseInt(cur.Key, 10, 64) // decodeCursor checked it
	}
	c.add(fmt.Sprintf("(%s, id) %s (?, ?)", col, op), key, cur.ID)
}

// subAccountPage reads one page and the cursors of the pages before and after it ("" when
// there is none). A page before the cursor (or the last page) is read in the reverse
// order and turned back, so that every page is one index range however deep it lies.
func (db *DB) subAccountPage(ctx context.Context, scope authz.QueryScope, f SubAccountFilter) ([]SubAccount, string, string, error) {
	sort := normalizeSort(f.Sort)
	c, err := db.subAccountWhere(ctx, scope, f)
	if err != nil {
		return nil, "", "", err
	}
	cur, ok := decodeCursor(f.Cursor, sort)
	if ok && cur.Dir != cursorLast {
		db.seek(c, sort, cur)
	}
	backward := ok && cur.Dir != cursorAfter
	col, dir := db.sortColumn(sort), "ASC"
	if strings.HasPrefix(sort, "-") != backward {
		dir = "DESC"
	}
	q := fmt.Sprintf("SELECT %s FROM sub_accounts WHERE %s ORDER BY %s %s, id %s LIMIT ?", subAccountCols, c.sql(), col, dir, dir)
	var rows []subAccountRow
	if err := db.gorm.WithContext(ctx).Raw(q, append(c.args, f.Limit+1)...).Scan(&rows).Error; err != nil {
		return nil, "", "", translate("list sub-accounts", err)
	}
	more := len(rows) > f.Limit
	if more {
		rows = rows[:f.Limit]
	}
	if backward {
		slices.Reverse(rows)
	}
	out := make([]SubAccount, len(rows))
	for i, r := range rows {
		out[i] = r.subAccount()
	}
	if len(out) == 0 {
		return out, "", "", nil
	}
	// Forward, there is a page before whenever we came from one; backward, a page after.
	hasPrev, hasNext := more, ok && cur.Dir == cursorBefore
	if !backward {
		hasPrev, hasNext = ok, more
	}
	var prev, next string
	if hasPrev {
		first := out[0]
		prev = encodeCursor(subCursor{Sort: sort, Key: db.seekKey(sort, first), ID: first.ID, Dir: cursorBefore})
	}
	if hasNext {
		last := out[len(out)-1]
		next = encodeCursor(subCursor{Sort: sort, Key: db.seekKey(sort, last), ID: last.ID})
	}
	return out, prev, next, nil
}
