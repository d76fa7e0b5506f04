package web

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"sync"

	"github.com/a-h/templ"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/view"
)

// orgCache keeps the organisation trees between requests, one per master ("" = every
// master's units together). A master's tree only changes when its organisations sync
// runs, so its key is that master's latest organisations run: a new run (on any replica,
// since runs are rows in the shared database) means a new key. Keyed per master, pages
// filtered on different masters do not evict each other's tree, and one master's run
// finishing is seen even while another master's later run is still going. Enterprises
// have hundreds to thousands of units; reading and sorting them on every list page was
// the largest cost of that page (docs/PERFORMANCE.md).
type orgCache struct {
	mu    sync.Mutex
	trees map[string]orgTree // by master ("" = every master)
	// the filter's rendered options by master, tree key, language and scope
	selects map[string]*orgSelect
}

type orgTree struct {
	key  string
	orgs []store.Organization
}

// orgTreeMax bounds the trees kept (masters, plus every master's); at the bound the
// cache starts afresh.
const orgTreeMax = 64

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

// orgTreeKey names the state of master's tree: its latest organisations run; for every
// master (""), each cached master's. "" when there is no run to key on (or it cannot be
// read): then the tree is read for the request only. The runs are cached reads
// (read_cache.go), so this costs no query per request.
func (s *Server) orgTreeKey(ctx context.Context, master string) string {
	masters := []string{master}
	if master == "" {
		ids, err := cachedRead(s, "master-ids", func() ([]string, error) { return s.db.MasterAccountIDsCached(ctx) })
		if err != nil {
			return ""
		}
		masters = ids
	}
	var key []byte
	for _, m := range masters {
		runs, err := s.latestRuns(ctx, m)
		if err != nil {
			return ""
		}
		if k := orgCacheKey(runs); k != "" {
			key = append(append(append(key, m...), '='), k...)
			key = append(key, ';')
		}
	}
	return string(key)
}

// organizations returns master's tree ("" = every master's) and its key, from the cache
// when that tree has not been synced since it was read. Without a known run ("" key) it
// always reads the database.
func (s *Server) organizations(ctx context.Context, master string) (string, []store.Organization, error) {
	key := s.orgTreeKey(ctx, master)
	s.orgs.mu.Lock()
	if t, ok := s.orgs.trees[master]; ok && key != "" && key == t.key {
		s.orgs.mu.Unlock()
		return key, t.orgs, nil
	}
	s.orgs.mu.Unlock()
	orgs, err := s.db.OrganizationsOf(ctx, master)
	if err != nil {
		return "", nil, err
	}
	if key != "" {
		s.orgs.mu.Lock()
		if s.orgs.trees == nil || len(s.orgs.trees) >= orgTreeMax {
			s.orgs.trees = make(map[string]orgTree)
		}
		s.orgs.trees[master] = orgTree{key: key, orgs: orgs}
		s.orgs.mu.Unlock()
	}
	return key, orgs, nil
}

// orgSelect is the organisation filter's options as HTML, rendered once per (tree, language,
// scope): at a thousand units, building and rendering the options was about half of the
// list page's cost. after says where each option's opening tag ends its value attribute,
// so that marking the selected one is a splice, not a re-render.
type orgSelect struct {
	html  []byte
	after map[string]int
}

// renderOrgSelect renders opts (none selected) exactly as components.Select would.
func renderOrgSelect(opts []view.Option) *orgSelect {
	o := &orgSelect{after: make(map[string]int, len(opts))}
	var b bytes.Buffer
	for _, x := range opts {
		b.WriteString(`<option value="`)
		b.WriteString(templ.EscapeString(x.Value))
		b.WriteByte('"')
		if _, dup := o.after[x.Value]; !dup {
			o.after[x.Value] = b.Len()
		}
		b.WriteByte('>')
		b.WriteString(templ.EscapeString(x.Label))
		b.WriteString(`</option>`)
	}
	o.html = b.Bytes()
	return o
}

// selecting returns the options with the one of value selected (none when it is not
// among them).
func (o *orgSelect) selecting(value string) view.OptionsHTML {
	return selectedOptions{o, value}
}

type selectedOptions struct {
	o        *orgSelect
	selected string
}

func (p selectedOptions) WriteOptions(w io.Writer) error {
	at, ok := p.o.after[p.selected]
	if !ok {
		_, err := w.Write(p.o.html)
		return err
	}
	if _, err := w.Write(p.o.html[:at]); err != nil {
		return err
	}
	if _, err := io.WriteString(w, " selected"); err != nil {
		return err
	}
	_, err := w.Write(p.o.html[at:])
	return err
}

// orgSelectMax bounds the rendered selects kept (masters × tree states × languages ×
// distinct scopes in use); at the bound they start afresh.
const orgSelectMax = 256

// orgFilter returns the organisation filter's options for u in tr's language with
// selected marked: the units of master ("" = every master's), rendered once per state of
// that tree and kept.
func (s *Server) orgFilter(ctx context.Context, tr *i18n.Translator, u *currentUser, master, selected string) (view.OptionsHTML, error) {
	key, orgs, err := s.organizations(ctx, master)
	if err != nil {
		return nil, err
	}
	if key == "" { // no run to key on: render for this request only
		return renderOrgSelect(orgOptions(tr, u, orgs, "")).selecting(selected), nil
	}
	// Visibility depends only on the scopes the list is limited to (scopesOf).
	sk := master + "\x00" + key + "\x00" + tr.Lang + "\x00" + scopeKey(scopesOf(u))
	s.orgs.mu.Lock()
	sel, ok := s.orgs.selects[sk]
	s.orgs.mu.Unlock()
	if !ok {
		sel = renderOrgSelect(orgOptions(tr, u, orgs, ""))
		s.orgs.mu.Lock()
		if s.orgs.selects == nil || len(s.orgs.selects) >= orgSelectMax {
			s.orgs.selects = make(map[string]*orgSelect) // older trees' renderings go too
		}
		s.orgs.selects[sk] = sel
		s.orgs.mu.Unlock()
	}
	return sel.selecting(selected), nil
}
