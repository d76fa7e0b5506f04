// Package readmodel is the read side's use cases over the synced cache: sub-accounts,
// resources, coupons, stored-value cards, resource packages, the catalogue, the
// dashboard's figures and the master accounts. Each takes the subject's query scope
// (authz.ScopeOf), which the store applies in SQL, and a filter already parsed by the
// transport, and answers a page: rows, the total over everything in scope that matches,
// and the filter choices (facets) where a list has them. Nothing here knows about HTTP or
// templates; the web layer parses, translates and formats.
package readmodel

import (
	"context"
	"errors"

	"github.com/purser-finance/purser/internal/store"
)

// Reader answers the read side's questions. It holds the read cache and the
// organisation trees, which live as long as the process.
type Reader struct {
	db    *store.DB
	cache *Cache
	orgs  orgTrees
}

// New is a reader over db with empty caches.
func New(db *store.DB) *Reader { return &Reader{db: db, cache: NewCache(db)} }

// Cache is the reader's read cache, for the transport's own cached reads (the
// navigation's counters, the dashboard's panels of other areas).
func (r *Reader) Cache() *Cache { return r.cache }

// Page is one page of a list: its rows and how many rows in scope match the filter.
type Page[T any] struct {
	Rows  []T
	Total int64
}

// holdersOf is Holders of the accounts holding rows (account names each row's), and of
// more besides.
func holdersOf[T any](ctx context.Context, r *Reader, rows []T, account func(T) string, more ...string) (map[string]*store.SubAccount, error) {
	ids := make([]string, 0, len(rows)+len(more))
	for _, x := range rows {
		ids = append(ids, account(x))
	}
	return r.Holders(ctx, append(ids, more...))
}

// Holders reads the sub-accounts that hold listed objects, for names and links. Ids that
// are not sub-accounts (a master's domain id) map to nil.
func (r *Reader) Holders(ctx context.Context, ids []string) (map[string]*store.SubAccount, error) {
	out := map[string]*store.SubAccount{}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, done := out[id]; done {
			continue
		}
		sa, err := r.db.SubAccountByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			out[id] = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = sa
	}
	return out, nil
}
