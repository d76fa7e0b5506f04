package web

import (
	"context"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/web/readweb"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// Several master accounts: every list, export and JSON read accepts ?master=<domain id>
// (webcore.MasterParam). What the portal knows of its masters — their names, which are no
// longer configured — is kept here, in the core, since the read pages (internal/web/readweb),
// the operations (internal/web/opsweb), both through areaMasters, and the admin pages all
// name masters. The selector
// is shown only when the cache holds more than one master.

// masterInfo is one master the pages can name.
type masterInfo = readweb.Master

// knownMasters lists the masters of the cache, named from the upstream accounts (or the
// in-process registry, for the demo sandbox); a master without a name shows its domain id.
// Every list page and the dashboard ask: kept like their aggregates (readmodel.Cache).
func (s *Server) knownMasters(ctx context.Context) ([]masterInfo, error) {
	return cachedRead(s, "masters", func() ([]masterInfo, error) { return s.loadKnownMasters(ctx) })
}

func (s *Server) loadKnownMasters(ctx context.Context) ([]masterInfo, error) {
	ids, err := s.db.MasterAccountIDsCached(ctx)
	if err != nil {
		return nil, err
	}
	if ids = withoutHidden(ids, s.hiddenOf(ctx)); len(ids) < 2 {
		// One master (the usual case) needs no names: no selector, no per-master panel.
		return masterInfos(ids), err
	}
	names := map[string]string{}
	if s.masters != nil {
		ms, _ := s.masters.Masters(ctx) // a master that cannot be used still has its name below
		for _, m := range ms {
			names[m.DomainID] = m.Name
		}
	}
	accts, err := s.db.ListUpstreamAccounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range accts {
		if a.Kind == store.UpstreamMaster && names[a.DomainID] == "" {
			names[a.DomainID] = a.Name
		}
	}
	out := make([]masterInfo, 0, len(ids))
	for _, id := range ids {
		n := names[id]
		if n == "" {
			n = id
		}
		out = append(out, masterInfo{DomainID: id, Name: n})
	}
	return out, nil
}

// masterFilterOptions is the master selector of a filter form: nil with one master or none
// (nothing to choose), else "all" and each master, selected marked.
func (s *Server) masterFilterOptions(c *gin.Context, selected string) []view.Option {
	ms, err := s.knownMasters(c.Request.Context())
	if err != nil {
		webcore.Degraded(c.Request.Context(), s.log, "cannot list the master accounts", "error", err, "request_id", requestID(c))
		return nil
	}
	if len(ms) < 2 {
		return nil
	}
	tr := s.i18n.For(lang(c))
	opts := []view.Option{{Value: "", Label: tr.T("master.all"), Selected: selected == ""}}
	for _, m := range ms {
		opts = append(opts, view.Option{Value: m.DomainID, Label: m.Name, Selected: m.DomainID == selected})
	}
	return opts
}

func masterInfos(ids []string) []masterInfo {
	out := make([]masterInfo, len(ids))
	for i, id := range ids {
		out[i] = masterInfo{DomainID: id, Name: id}
	}
	return out
}

// A master disabled or deleted under /admin/upstream keeps its cached rows (a re-enabled
// master picks up where it was; thresholds set on its sub-accounts survive), but they are
// no longer live: lists, exports, totals and the JSON API leave them out, the selector
// does not offer it, and new operations on them are refused (internal/approval).

// MasterRegistry is the registry of master accounts (upstreamacct.Registry): their names,
// which are live, and those registered in process (the demo sandbox), not stored.
type MasterRegistry interface {
	Masters(context.Context) ([]upstreamacct.Master, error)
	LiveMasters(context.Context) (map[string]bool, error)
	InProcess(context.Context) ([]upstreamacct.Master, error)
}

// hiddenOf lists the cached masters that are no longer configured (usually none). It is
// kept like the aggregates (readmodel.Cache): disabling or deleting a master is a write,
// which retires it. A failure to tell hides nothing (and is logged).
func (s *Server) hiddenOf(ctx context.Context) []string {
	l := s.masters
	if l == nil {
		return nil
	}
	hidden, err := cachedRead(s, "hidden-masters", func() ([]string, error) {
		ids, err := s.db.MasterAccountIDsCached(ctx)
		if err != nil {
			return nil, err
		}
		live, err := l.LiveMasters(ctx)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, id := range ids {
			if !live[id] {
				out = append(out, id)
			}
		}
		return out, nil
	})
	if err != nil {
		s.log.Warn("cannot tell the configured master accounts", "error", err)
		return nil
	}
	return hidden
}

// masterHidden reports whether master is a cached master no longer configured.
func (s *Server) masterHidden(ctx context.Context, master string) bool {
	return master != "" && slices.Contains(s.hiddenOf(ctx), master)
}

func withoutHidden(ids, hidden []string) []string {
	if len(hidden) == 0 {
		return ids
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(hidden, id) {
			out = append(out, id)
		}
	}
	return out
}

// masterLabel names master on a detail page: "" with one master (nothing to tell apart)
// or none; a master no longer configured by its domain id, gone set.
func (s *Server) masterLabel(ctx context.Context, master string) (name string, gone bool) {
	if master == "" {
		return "", false
	}
	if s.masterHidden(ctx, master) {
		return master, true
	}
	ms, err := s.knownMasters(ctx)
	if err != nil || len(ms) < 2 {
		return "", false
	}
	for _, m := range ms {
		if m.DomainID == master {
			return m.Name, false
		}
	}
	return "", false
}

// lastSync is master's most recently finished sync run of any area (nil: none yet),
// from the cached latest runs (readmodel.Reader.LatestRuns).
func (s *Server) lastSync(ctx context.Context, master string) *store.SyncRun {
	runs, err := s.latestRuns(ctx, master)
	if err != nil {
		webcore.Degraded(ctx, s.log, "cannot read sync runs", "error", err, "master", master)
		return nil
	}
	var last *store.SyncRun
	for _, r := range runs {
		if r.FinishedAt != nil && (last == nil || r.FinishedAt.After(*last.FinishedAt)) {
			r := r
			last = &r
		}
	}
	return last
}
