package web

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/a-h/templ"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/web/templates/view"
)

// orgCache keeps the organisation filter's rendered options between requests (the trees
// themselves are the read model's: readmodel.Reader.Organizations), by master, state of
// its tree, language and scope.
type orgCache struct {
	mu      sync.Mutex
	selects map[string]*orgSelect
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
	scope := scopeOf(u)
	key, orgs, err := s.read.Organizations(ctx, scope, master)
	if err != nil {
		return nil, err
	}
	// The units are ordered by the names along their paths, which may run through units
	// outside the scope: those names come from the whole tree (cached as well).
	tree := orgs
	if scope.Limited() {
		if _, tree, err = s.read.Organizations(ctx, authz.Everything, master); err != nil {
			return nil, err
		}
	}
	if key == "" { // no run to key on: render for this request only
		return renderOrgSelect(orgOptions(tr, tree, orgs, "")).selecting(selected), nil
	}
	// Visibility depends only on the scope the list is limited to.
	sk := master + "\x00" + key + "\x00" + tr.Lang + "\x00" + scope.Key()
	s.orgs.mu.Lock()
	sel, ok := s.orgs.selects[sk]
	s.orgs.mu.Unlock()
	if !ok {
		sel = renderOrgSelect(orgOptions(tr, tree, orgs, ""))
		s.orgs.mu.Lock()
		if s.orgs.selects == nil || len(s.orgs.selects) >= orgSelectMax {
			s.orgs.selects = make(map[string]*orgSelect) // older trees' renderings go too
		}
		s.orgs.selects[sk] = sel
		s.orgs.mu.Unlock()
	}
	return sel.selecting(selected), nil
}
