package upstreamacct

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/store"
)

// ErrNoMaster: no enabled master account is known (none stored, none registered).
var ErrNoMaster = errors.New("upstreamacct: no master account is configured")

// ErrUnknownMaster: the domain id names no enabled master account.
var ErrUnknownMaster = errors.New("upstreamacct: unknown or disabled master account")

// ErrNoCredential: no enabled sub-account credential is stored for the account.
var ErrNoCredential = errors.New("upstreamacct: no enabled credential for this sub-account")

// Master is one master account the portal syncs and executes for.
type Master struct {
	DomainID string // the key of everything cached or executed for it
	Name     string
	Upstream bss.Upstream
}

// Registry hands out the upstream client of each master account, by domain id: the
// enabled masters stored under /admin/upstream, plus masters registered in process (the
// demo sandbox, whose credentials are random per process and so are never stored). A
// stored account's client is built once and rebuilt when the account changes (its
// updated_at), so an admin's edit takes effect on the next sync or execution without a
// restart, and each master keeps one client (one rate limiter) across calls.
type Registry struct {
	svc *Service
	// Configure adjusts the bss.Config of each client built here (logger, metrics: a
	// long-lived client may register metrics, bss tolerates one registry for several).
	Configure func(*bss.Config)

	mu      sync.Mutex
	static  map[string]Master
	clients map[int64]built
}

type built struct {
	domainID  string
	updatedAt time.Time
	client    bss.Upstream
}

// NewRegistry returns a registry over the stored accounts of svc.
func NewRegistry(svc *Service) *Registry {
	return &Registry{svc: svc, static: map[string]Master{}, clients: map[int64]built{}}
}

// Register adds an in-process master (not stored). A stored master with the same domain
// id takes precedence over it.
func (r *Registry) Register(domainID, name string, up bss.Upstream) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.static[domainID] = Master{DomainID: domainID, Name: name, Upstream: up}
}

// InProcess returns the masters registered in process and not stored (the demo
// sandbox), ordered by domain id, so that /admin/upstream can show what Purser talks to.
func (r *Registry) InProcess(ctx context.Context) ([]Master, error) {
	rows, err := r.svc.DB.ListUpstreamAccounts(ctx)
	if err != nil {
		return nil, err
	}
	stored := map[string]bool{}
	for _, a := range rows {
		if a.Kind == KindMaster {
			stored[a.DomainID] = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Master
	for d, m := range r.static {
		if !stored[d] {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DomainID < out[j].DomainID })
	return out, nil
}

// Masters returns every enabled master, ordered by name then domain id. A stored master
// whose client cannot be built (say, its secret no longer decrypts) is left out and
// reported in the joined error, so that one bad account does not stop the others.
func (r *Registry) Masters(ctx context.Context) ([]Master, error) {
	rows, err := r.svc.DB.ListUpstreamAccounts(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	var out []Master
	var errs []error
	live := map[int64]bool{}
	for _, a := range rows {
		if a.Kind == KindSub && a.Enabled {
			live[a.ID] = true // its client is kept for SubClient/Subs
		}
		if a.Kind != KindMaster || !a.Enabled || seen[a.DomainID] {
			continue
		}
		seen[a.DomainID] = true
		live[a.ID] = true
		up, err := r.clientLocked(ctx, a)
		if err != nil {
			errs = append(errs, fmt.Errorf("master %q: %w", a.Name, err))
			continue
		}
		out = append(out, Master{DomainID: a.DomainID, Name: a.Name, Upstream: up})
	}
	for id := range r.clients {
		if !live[id] {
			delete(r.clients, id) // deleted or disabled: let its client go
		}
	}
	for d, m := range r.static {
		if !seen[d] {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].DomainID < out[j].DomainID
	})
	return out, errors.Join(errs...)
}

// LiveMasters is the set of masters the portal still syncs and executes for, by domain
// id: the enabled stored masters (even one whose client cannot be built right now) and
// those registered in process. Cached rows of any other master are left from a master
// that was disabled or deleted. It reads the stored accounts only (builds no client).
func (r *Registry) LiveMasters(ctx context.Context) (map[string]bool, error) {
	rows, err := r.svc.DB.ListUpstreamAccounts(ctx)
	if err != nil {
		return nil, err
	}
	live := map[string]bool{}
	for _, a := range rows {
		if a.Kind == KindMaster && a.Enabled {
			live[a.DomainID] = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for d := range r.static {
		live[d] = true
	}
	return live, nil
}

// clientLocked returns the cached client of a stored account, rebuilt when the account
// changed since it was built. r.mu is held.
func (r *Registry) clientLocked(ctx context.Context, a store.UpstreamAccount) (bss.Upstream, error) {
	if b, ok := r.clients[a.ID]; ok && b.updatedAt.Equal(a.UpdatedAt) && b.domainID == a.DomainID {
		return b.client, nil
	}
	full, err := r.svc.DB.UpstreamAccountByID(ctx, a.ID)
	if err != nil {
		return nil, mapErr(err)
	}
	c, err := r.svc.build(full, r.Configure)
	if err != nil {
		return nil, err
	}
	r.clients[a.ID] = built{domainID: a.DomainID, updatedAt: full.UpdatedAt, client: c}
	return c, nil
}

// Sub is one enabled sub-account credential: resource operations and the resource sync
// of that sub-account go through its own client (the upstream manages each account's
// yearly/monthly resources with that account's credentials only).
type Sub struct {
	DomainID string // the sub-account's id
	Name     string
	Upstream bss.Upstream // nil when the client cannot be built (Err says why)
	Err      error
}

// Subs returns the enabled sub-account credentials stored under the enabled master with
// this domain id, ordered by name. A credential whose client cannot be built is returned
// with Err set (and no client), so that the caller can keep that account's data and
// report it without stopping the others.
func (r *Registry) Subs(ctx context.Context, master string) ([]Sub, error) {
	rows, err := r.svc.DB.ListUpstreamAccounts(ctx)
	if err != nil {
		return nil, err
	}
	masters := map[int64]bool{}
	for _, a := range rows {
		if a.Kind == KindMaster && a.Enabled && a.DomainID == master {
			masters[a.ID] = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Sub
	for _, a := range rows {
		if a.Kind != KindSub || !a.Enabled || a.MasterID == nil || !masters[*a.MasterID] {
			continue
		}
		s := Sub{DomainID: a.DomainID, Name: a.Name}
		s.Upstream, s.Err = r.clientLocked(ctx, a)
		if s.Err != nil {
			s.Upstream = nil
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].DomainID < out[j].DomainID
	})
	return out, nil
}

// SubClient returns the client of the enabled sub-account credential whose domain id is
// accountID (ErrNoCredential when there is none).
func (r *Registry) SubClient(ctx context.Context, accountID string) (bss.Upstream, error) {
	rows, err := r.svc.DB.ListUpstreamAccounts(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range rows {
		if a.Kind == KindSub && a.Enabled && a.DomainID == accountID {
			return r.clientLocked(ctx, a)
		}
	}
	return nil, fmt.Errorf("%w %q", ErrNoCredential, accountID)
}

// Client returns the upstream of the master with this domain id (ErrUnknownMaster when
// there is no such enabled master).
func (r *Registry) Client(ctx context.Context, domainID string) (bss.Upstream, error) {
	ms, err := r.Masters(ctx)
	for _, m := range ms {
		if m.DomainID == domainID {
			return m.Upstream, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrUnknownMaster, domainID, err)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownMaster, domainID)
}

// Ping is the readiness check: at least one enabled master answers a cheap read. One
// master's outage must not take every replica out of the load balancer (the pages serve
// the cache, and the other masters work): it is logged, and shows in that master's sync
// runs. With no master at all it returns ErrNoMaster.
func (r *Registry) Ping(ctx context.Context) error {
	ms, err := r.Masters(ctx)
	if len(ms) == 0 {
		if err != nil {
			return err
		}
		return ErrNoMaster
	}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	ok := false
	for _, m := range ms {
		if err := m.Upstream.Ping(ctx); err != nil {
			errs = append(errs, fmt.Errorf("master %s: %w", m.DomainID, err))
			continue
		}
		ok = true
	}
	if !ok {
		return errors.Join(errs...)
	}
	if len(errs) > 0 && r.svc.Log != nil {
		r.svc.Log.Warn("readiness: some master accounts are unreachable", "error", errors.Join(errs...))
	}
	return nil
}
