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

// orgCache keeps the organisation tree between requests. The tree only changes when the
// organisations sync runs, so the key is that area's latest run: a new run (on any
// replica, since runs are rows in the shared database) means a new key. Enterprises
// have hundreds to thousands of units; reading and sorting them on every list page was
// the largest cost of that page (docs/PERFORMANCE.md).
type orgCache struct {
	mu   sync.Mutex
	key  string
	orgs []store.Organization
	// the filter's rendered options per language and scope, for the tree of selectsKey
	selectsKey string
	selects    map[string]*orgSelect
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

// orgSelectMax bounds the rendered selects kept (languages × distinct scopes in use).
const orgSelectMax = 256

// orgFilter returns the organisation filter's options for u in tr's language with
// selected marked, rendered once per organisations sync run and kept. The tree is one for
// every master, so the key is the latest organisations run of any master (not the runs of
// the master the page is filtered on).
func (s *Server) orgFilter(ctx context.Context, tr *i18n.Translator, u *currentUser, selected string) (view.OptionsHTML, error) {
	runs, err := s.latestRuns(ctx, "")
	if err != nil {
		runs = nil // no key: read and render for this request only
	}
	key := orgCacheKey(runs)
	orgs, err := s.organizations(ctx, runs)
	if err != nil {
		return nil, err
	}
	if key == "" { // no run to key on: render for this request only
		return renderOrgSelect(orgOptions(tr, u, orgs, "")).selecting(selected), nil
	}
	// Visibility depends only on the scopes the list is limited to (scopesOf).
	sk := tr.Lang + "\x00" + scopeKey(scopesOf(u))
	s.orgs.mu.Lock()
	if s.orgs.selectsKey != key || len(s.orgs.selects) >= orgSelectMax {
		s.orgs.selectsKey, s.orgs.selects = key, map[string]*orgSelect{}
	}
	sel, ok := s.orgs.selects[sk]
	s.orgs.mu.Unlock()
	if !ok {
		sel = renderOrgSelect(orgOptions(tr, u, orgs, ""))
		s.orgs.mu.Lock()
		if s.orgs.selectsKey == key {
			s.orgs.selects[sk] = sel
		}
		s.orgs.mu.Unlock()
	}
	return sel.selecting(selected), nil
}
