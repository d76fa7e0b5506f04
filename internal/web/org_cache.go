package web

import (
	"context"
	"strconv"
	"sync"

	"github.com/purser-finance/purser/internal/store"
)

// orgCache keeps the organisation tree between requests. The tree only changes when the
// organisations sync runs, so the key is that area's latest run: a new run (on any
// replica, since runs are rows in the shared database) means a new key. Enterprises
// have hundreds to thousands of units; reading and sorting them on every list page was
// the largest cost of that page (docs/PERFORMANCE.md).
type orgCache struct {
	mu   sync.Mutex
	key  string
	orgs []store.Organization
}

func orgCacheKey(runs map[string]store.SyncRun) string {
	r, ok := runs["organizations"]
	if !ok {
		return ""
	}
	key := strconv.FormatInt(r.ID, 10) + "/" + r.Status
	if r.FinishedAt != nil {
		key += "/" + r.FinishedAt.String()
	}
	return key
}

// organizations returns the tree, from the cache when the organisations sync has not
// run since it was read. Without a known run ("" key) it always reads the database.
func (s *Server) organizations(ctx context.Context, runs map[string]store.SyncRun) ([]store.Organization, error) {
	key := orgCacheKey(runs)
	s.orgs.mu.Lock()
	if key != "" && key == s.orgs.key {
		orgs := s.orgs.orgs
		s.orgs.mu.Unlock()
		return orgs, nil
	}
	s.orgs.mu.Unlock()
	orgs, err := s.db.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	if key != "" {
		s.orgs.mu.Lock()
		s.orgs.key, s.orgs.orgs = key, orgs
		s.orgs.mu.Unlock()
	}
	return orgs, nil
}
