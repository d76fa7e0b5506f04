package cachesync

import (
	"context"
	"errors"
	"fmt"
	stdsync "sync"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
)

// Several master accounts: each has its own Syncer (its rows tagged with its domain id,
// its runs excluding only its own), built over the master's current client. A Pool hands
// them out; a *Syncer on its own is the one-master case of the same methods.

// ErrUnknownMaster: no enabled master account has this domain id.
var ErrUnknownMaster = upstreamacct.ErrUnknownMaster

// MasterSource lists the master accounts to sync (upstreamacct.Registry).
type MasterSource interface {
	Masters(ctx context.Context) ([]upstreamacct.Master, error)
}

// Pool keeps one Syncer per master account of src.
type Pool struct {
	db  *store.DB
	src MasterSource
	o   Options // MasterAccountID is set per master

	mu      stdsync.Mutex
	syncers map[string]*Syncer
}

// SubSource lists a master's enabled sub-account credentials (upstreamacct.Registry).
type SubSource interface {
	Subs(ctx context.Context, master string) ([]upstreamacct.Sub, error)
}

// NewPool returns a pool whose syncers share o (except the master). When src also lists
// sub-account credentials (SubSource) and o.Subs is unset, the syncers read those
// sub-accounts' resources too.
func NewPool(db *store.DB, src MasterSource, o Options) *Pool {
	if ss, ok := src.(SubSource); ok && o.Subs == nil {
		o.Subs = ss.Subs
	}
	return &Pool{db: db, src: src, o: o.withDefaults(), syncers: map[string]*Syncer{}}
}

// Options returns the effective options shared by the pool's syncers.
func (p *Pool) Options() Options { return p.o }

// MasterIDs returns the domain ids of the enabled masters. When some master cannot be
// used (its client cannot be built) the others are still returned, with the error.
func (p *Pool) MasterIDs(ctx context.Context) ([]string, error) {
	ms, err := p.src.Masters(ctx)
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.DomainID
	}
	return ids, err
}

// Syncer returns the syncer of a master, over its current client (a new one after an
// admin changed the account).
func (p *Pool) Syncer(ctx context.Context, master string) (*Syncer, error) {
	ms, err := p.src.Masters(ctx)
	for _, m := range ms {
		if m.DomainID != master {
			continue
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if s, ok := p.syncers[master]; ok && s.up == m.Upstream {
			return s, nil
		}
		o := p.o
		o.MasterAccountID = master
		o.Log = p.o.Log.With("master", master)
		s := New(p.db, m.Upstream, o)
		p.syncers[master] = s
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrUnknownMaster, master, err)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownMaster, master)
}

// MasterOf returns the master a cached sub-account belongs to.
func (p *Pool) MasterOf(ctx context.Context, subAccountID string) (string, error) {
	return masterOf(ctx, p.db, subAccountID)
}

func masterOf(ctx context.Context, db *store.DB, subAccountID string) (string, error) {
	sa, err := db.SubAccountByID(ctx, subAccountID)
	if err != nil {
		return "", err
	}
	if sa.MasterAccountID == "" {
		return "", fmt.Errorf("sync: sub-account %s has no master yet: %w", subAccountID, store.ErrNotFound)
	}
	return sa.MasterAccountID, nil
}

// Due returns the masters whose last full sync started at least the current interval ago
// (or never ran), and whether the catalogue is older than its interval: what the
// periodic tick queues. Intervals are read at each call, so a change under
// /admin/settings takes effect at the next tick.
func (p *Pool) Due(ctx context.Context) (masters []string, catalog bool, err error) {
	ids, err := p.MasterIDs(ctx)
	return due(ctx, p.db, p.o, ids, err)
}

func due(ctx context.Context, db *store.DB, o Options, ids []string, listErr error) ([]string, bool, error) {
	cur := o.CurrentIntervals(ctx)
	now := o.Now()
	var out []string
	errs := []error{listErr}
	for _, id := range ids {
		runs, err := db.LatestSyncRunsOf(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		last, ok := runs[AreaFull]
		// A run still marked running whose heartbeat stopped was left by a process that
		// died mid-sync; the next run takes it over (store.BeginSyncRun), so it must not
		// hold the schedule back.
		live := ok && last.Status == store.RunRunning && now.Sub(last.HeartbeatAt) < o.StaleAfter
		if !ok || (!live && (last.Status == store.RunRunning || now.Sub(last.StartedAt) >= cur.Interval-intervalSlack)) {
			out = append(out, id)
		}
	}
	at, err := db.CatalogSyncedAt(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	catalog := err == nil && len(ids) > 0 && (at == nil || now.Sub(*at) >= cur.CatalogInterval)
	return out, catalog, errors.Join(errs...)
}

// intervalSlack lets a tick that comes a moment early still count a run as due, so that a
// 15-minute interval checked every minute does not drift to 16.
const intervalSlack = 5 * time.Second

// The one-master case: a Syncer is its own pool.

// MasterIDs returns the Syncer's master.
func (s *Syncer) MasterIDs(context.Context) ([]string, error) {
	return []string{s.o.MasterAccountID}, nil
}

// Syncer returns s for its own master (or "").
func (s *Syncer) Syncer(_ context.Context, master string) (*Syncer, error) {
	if master != "" && master != s.o.MasterAccountID {
		return nil, fmt.Errorf("%w %q", ErrUnknownMaster, master)
	}
	return s, nil
}

// MasterOf returns the master a cached sub-account belongs to; untagged rows are s's.
func (s *Syncer) MasterOf(ctx context.Context, subAccountID string) (string, error) {
	m, err := masterOf(ctx, s.db, subAccountID)
	if errors.Is(err, store.ErrNotFound) {
		if _, err2 := s.db.SubAccountByID(ctx, subAccountID); err2 == nil {
			return s.o.MasterAccountID, nil
		}
	}
	return m, err
}

// Due is Pool.Due for the Syncer's master.
func (s *Syncer) Due(ctx context.Context) ([]string, bool, error) {
	return due(ctx, s.db, s.o, []string{s.o.MasterAccountID}, nil)
}
