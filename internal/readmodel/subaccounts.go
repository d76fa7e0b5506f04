package readmodel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// SubAccountPage is a keyset page of sub-accounts with the aggregates of every
// sub-account in scope of the master filtered on (the list's "as of" and totals).
type SubAccountPage struct {
	store.SubAccountPage
	Stats store.SubAccountStats
}

// SubAccounts is the sub-account list: one page of f within scope, cached like the
// aggregates, keyed by the scope and the whole filter (any field the filter gains later).
func (r *Reader) SubAccounts(ctx context.Context, scope authz.QueryScope, f store.SubAccountFilter) (SubAccountPage, error) {
	stats, err := r.Stats(ctx, scope, f.MasterAccountID, f.HiddenMasters)
	if err != nil {
		return SubAccountPage{}, err
	}
	res, err := Cached(r.cache, fmt.Sprintf("list\x00%s\x00%#v", scope.Key(), f), func() (store.SubAccountPage, error) {
		// Unfiltered, the total is the stats' (same scope): one pass over the table, not two.
		if f.Q == "" && f.OrgID == "" && f.OrgIDs == nil && f.Status == 0 && f.RunwayBelow == 0 {
			return r.db.ListSubAccountsOfTotal(ctx, scope, f, stats.Total)
		}
		return r.filteredPage(ctx, scope, f)
	})
	return SubAccountPage{res, stats}, err
}

// filteredPage is a page of a filtered list. Counting stops at store.TotalCap (the page
// says "more than 1,000"), except where the page numbers its rows beyond it.
func (r *Reader) filteredPage(ctx context.Context, scope authz.QueryScope, f store.SubAccountFilter) (store.SubAccountPage, error) {
	if f.Cursor == "" {
		return r.db.ListSubAccountsCapped(ctx, scope, f) // the page and its total in one read when few match
	}
	t, err := r.filterTotal(ctx, scope, f, true)
	if err == nil && t.more && f.Cursor == store.LastPageCursor(f.Sort) {
		t, err = r.filterTotal(ctx, scope, f, false) // the last page numbers its rows past the cap
	}
	if err != nil {
		return store.SubAccountPage{}, err
	}
	if !t.more {
		return r.db.ListSubAccountsOfTotal(ctx, scope, f, t.n)
	}
	res, err := r.db.ListSubAccountsUncounted(ctx, scope, f)
	if err != nil {
		return res, err
	}
	if res.Before+int64(len(res.Items)) >= store.TotalCap {
		// Past the cap, the page must not say "more than 1,000" of rows it numbers beyond.
		t, err = r.filterTotal(ctx, scope, f, false)
	}
	res.Total, res.TotalCapped = t.n, t.more
	return res, err
}

// filterTotal is the count of f's matches in scope, up to store.TotalCap when capped. It is
// the same on every page of f and in every sort, so it is cached on its own: the pages
// after the first (the pager's next, previous and last links, 5 % of bare at 10,000
// sub-accounts when each counted again) count only the rows ahead of them, and the last
// page not even those.
func (r *Reader) filterTotal(ctx context.Context, scope authz.QueryScope, f store.SubAccountFilter, capped bool) (count, error) {
	f.Cursor, f.Sort, f.Limit = "", "", 0
	return Cached(r.cache, fmt.Sprintf("total\x00%s\x00%t\x00%#v", scope.Key(), capped, f), func() (count, error) {
		n, more, err := r.db.CountSubAccounts(ctx, scope, f, capped)
		return count{n, more}, err
	})
}

// count is a filter's total: n, and whether more match (a capped count stopped).
type count struct {
	n    int64
	more bool
}

// ListSubAccounts is one page of f within scope read now, not from the cache: the API
// answers what the database holds.
func (r *Reader) ListSubAccounts(ctx context.Context, scope authz.QueryScope, f store.SubAccountFilter) (store.SubAccountPage, error) {
	return r.db.ListSubAccounts(ctx, scope, f)
}

// EachSubAccount calls fn for every sub-account in scope matching f, in f's order.
func (r *Reader) EachSubAccount(ctx context.Context, scope authz.QueryScope, f store.SubAccountFilter, fn func(store.SubAccount) error) error {
	return r.db.ForEachSubAccount(ctx, scope, f, fn)
}

// Stats are the aggregates of the sub-accounts in scope of master ("" = every master),
// without the hidden masters', cached.
func (r *Reader) Stats(ctx context.Context, scope authz.QueryScope, master string, hidden []string) (store.SubAccountStats, error) {
	key := "stats\x00" + master + "\x00" + scope.Key() + "\x00" + strings.Join(hidden, "\x1f")
	return Cached(r.cache, key, func() (store.SubAccountStats, error) {
		return r.db.SubAccountStatsOf(ctx, master, scope, hidden...)
	})
}

// BelowThreshold is up to limit sub-accounts in scope below their threshold (or def),
// lowest first, and how many there are; cached.
func (r *Reader) BelowThreshold(ctx context.Context, scope authz.QueryScope, master string, hidden []string, def money.Amount, limit int) (Page[store.SubAccount], error) {
	key := "low\x00" + master + "\x00" + def.String() + "\x00" + strconv.Itoa(limit) + "\x00" + scope.Key() + "\x00" + strings.Join(hidden, "\x1f")
	return Cached(r.cache, key, func() (Page[store.SubAccount], error) {
		items, total, err := r.db.SubAccountsBelowThresholdOf(ctx, master, def, scope, limit, hidden...)
		return Page[store.SubAccount]{items, total}, err
	})
}

// SubAccountHoldings is what a sub-account holds, for its detail page and the API: its
// coupons and resources, up to limit each. The caller has checked the sub-account is in
// the subject's scope (an out-of-scope detail is a 404), so these read it by id.
type SubAccountHoldings struct {
	Coupons   []store.Coupon
	Resources []store.Resource
}

// Holdings reads a sub-account's coupons and resources within scope.
func (r *Reader) Holdings(ctx context.Context, scope authz.QueryScope, id string, limit int) (SubAccountHoldings, error) {
	var h SubAccountHoldings
	var err error
	if h.Coupons, _, err = r.db.ListCoupons(ctx, scope, store.CouponFilter{SubAccountID: id, Limit: limit}); err != nil {
		return h, err
	}
	h.Resources, _, err = r.db.ListResources(ctx, scope, store.ResourceFilter{AccountID: id, Limit: limit})
	return h, err
}

// ErrOutOfScope is a sub-account that exists outside the subject's scope. The transport
// answers it exactly like one that does not exist (nothing tells it is there) and
// records the attempt.
var ErrOutOfScope = errors.New("readmodel: outside the subject's scope")

// SubAccount reads one sub-account within scope: store.ErrNotFound when there is none,
// ErrOutOfScope when it lies outside the scope (a scoped subject does not see one whose
// unit is unknown: deny by default).
func (r *Reader) SubAccount(ctx context.Context, scope authz.QueryScope, id string) (*store.SubAccount, error) {
	sa, err := r.db.SubAccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !scope.Covers(sa.OrgPath) {
		return nil, ErrOutOfScope
	}
	return sa, nil
}

// SubAccountDetail is what the detail page shows of a sub-account besides its row.
type SubAccountDetail struct {
	SubAccountHoldings
	History []store.BalanceSnapshot // its balances since the window's start
	// Units are the units along its path, root first, to name them. UnitsRead is false
	// when they could not be read: the page then goes without the path, not without
	// itself.
	Units     []store.Organization
	UnitsRead bool
}

// Detail reads the detail of sa, which SubAccount found in scope: its balance history
// since since and up to limit coupons and resources.
func (r *Reader) Detail(ctx context.Context, scope authz.QueryScope, sa *store.SubAccount, since time.Time, limit int) (SubAccountDetail, error) {
	var d SubAccountDetail
	// The units along the path are named whatever the reader's scope. Only they are read
	// (by path prefix): taking them from the whole tree (1,001 units at 10,000
	// sub-accounts) cost the page 38 % of its CPU, mostly a map of every unit's name and
	// the garbage it left, and two more reads of the sync runs to key the tree.
	if units, err := r.db.OrganizationAncestors(ctx, sa.OrgPath); err == nil {
		d.Units, d.UnitsRead = units, true
	}
	var err error
	if d.History, err = r.db.BalanceHistory(ctx, sa.ID, since); err != nil {
		return d, err
	}
	d.SubAccountHoldings, err = r.Holdings(ctx, scope, sa.ID, limit)
	return d, err
}
