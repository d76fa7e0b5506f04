package readmodel

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// orgTrees keeps the organisation trees between requests, one per master ("" = every
// master's units together). A master's tree only changes when its organisations sync
// runs, so its key is that master's latest organisations run: a new run (on any replica,
// since runs are rows in the shared database) means a new key. Keyed per master, pages
// filtered on different masters do not evict each other's tree, and one master's run
// finishing is seen even while another master's later run is still going. Enterprises
// have hundreds to thousands of units; reading and sorting them on every list page was
// the largest cost of that page (docs/PERFORMANCE.md).
type orgTrees struct {
	mu    sync.Mutex
	trees map[string]orgTree // by master ("" = every master) and scope
}

type orgTree struct {
	key  string
	orgs []store.Organization
}

// orgTreeMax bounds the trees kept (masters, plus every master's, by scope in use); at
// the bound the cache starts afresh.
const orgTreeMax = 256

// LatestRuns is the latest sync run of every area of master ("" = every master), cached.
func (r *Reader) LatestRuns(ctx context.Context, master string) (map[string]store.SyncRun, error) {
	return Cached(r.cache, "runs\x00"+master, func() (map[string]store.SyncRun, error) { return r.db.LatestSyncRunsOf(ctx, master) })
}

func orgRunKey(runs map[string]store.SyncRun) string {
	run, ok := runs["organizations"]
	if !ok {
		return ""
	}
	key := strconv.FormatInt(run.ID, 10) + "/" + run.Status
	if run.FinishedAt != nil {
		key += "/" + run.FinishedAt.String()
	}
	return key
}

// orgTreeKey names the state of master's tree: its latest organisations run; for every
// master (""), each cached master's. "" when there is no run to key on (or it cannot be
// read): then the tree is read for the request only. The runs are cached reads, so this
// costs no query per request.
func (r *Reader) orgTreeKey(ctx context.Context, master string) string {
	masters := []string{master}
	if master == "" {
		ids, err := Cached(r.cache, "master-ids", func() ([]string, error) { return r.db.MasterAccountIDsCached(ctx) })
		if err != nil {
			return ""
		}
		masters = ids
	}
	var key []byte
	for _, m := range masters {
		runs, err := r.LatestRuns(ctx, m)
		if err != nil {
			return ""
		}
		if k := orgRunKey(runs); k != "" {
			key = append(append(append(key, m...), '='), k...)
			key = append(key, ';')
		}
	}
	return string(key)
}

// Organizations returns the units in scope of master's tree ("" = every master's) and the
// key of the tree's state, from the cache when that tree has not been synced since it was
// read. Without a known run ("" key) it always reads the database. The sub-account page
// names a unit's path from it.
func (r *Reader) Organizations(ctx context.Context, scope authz.QueryScope, master string) (string, []store.Organization, error) {
	key := r.orgTreeKey(ctx, master)
	slot := master + "\x00" + scope.Key()
	r.orgs.mu.Lock()
	if t, ok := r.orgs.trees[slot]; ok && key != "" && key == t.key {
		r.orgs.mu.Unlock()
		return key, t.orgs, nil
	}
	r.orgs.mu.Unlock()
	orgs, err := r.db.OrganizationsOf(ctx, scope, master)
	if err != nil {
		return "", nil, err
	}
	if key != "" {
		r.orgs.mu.Lock()
		if r.orgs.trees == nil || len(r.orgs.trees) >= orgTreeMax {
			r.orgs.trees = make(map[string]orgTree)
		}
		r.orgs.trees[slot] = orgTree{key: key, orgs: orgs}
		r.orgs.mu.Unlock()
	}
	return key, orgs, nil
}

// SearchOrganizations is up to limit units in scope of master's tree whose name contains
// q or whose id is q, read now (a type-ahead asks with every keystroke, each query new).
func (r *Reader) SearchOrganizations(ctx context.Context, scope authz.QueryScope, master, q string, limit int) ([]store.Organization, error) {
	return r.db.SearchOrganizations(ctx, scope, master, q, limit)
}

// OrganizationName is the name of unit id when it is in scope and in master's tree ("" =
// any master's), "" otherwise: the organisation box shows the unit a link filters on.
// Cached like the other reads (the scope is in the key); a unit read by id, not searched
// for among every unit by name.
func (r *Reader) OrganizationName(ctx context.Context, scope authz.QueryScope, master, id string) (string, error) {
	return Cached(r.cache, "orgname\x00"+scope.Key()+"\x00"+master+"\x00"+id, func() (string, error) {
		o, err := r.db.OrganizationInScope(ctx, scope, master, id)
		if errors.Is(err, store.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return o.Name, nil
	})
}
