package readweb

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// Helpers shared by the read side's pages: parsing, pagination, export links and labels.

// --- parsing ---

// queryInt reads a non-negative integer parameter; anything else is def.
func queryInt(c *gin.Context, name string, def int) int {
	v, err := strconv.Atoi(strings.TrimSpace(c.Query(name)))
	if err != nil || v < 0 {
		return def
	}
	return v
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// keysetPager links a keyset-paged list's first, previous, next and last pages (plain
// links: they work without script); the rows ahead of the page number the rows shown.
func keysetPager[T any](tr *i18n.Translator, path string, q url.Values, p store.Page[T]) view.Pager {
	from, to := p.Before+1, p.Before+int64(len(p.Items))
	if len(p.Items) == 0 {
		from, to = 0, 0
	}
	summary := "read.showing"
	if p.TotalCapped {
		summary = "read.showing_more"
	}
	v := view.Pager{Summary: tr.T(summary, map[string]any{"From": webcore.FormatInt(from), "To": webcore.FormatInt(to), "Total": webcore.FormatInt(p.Total)})}
	if p.PrevCursor != "" {
		v.First = webcore.WithQuery(path, q, "", "")
		v.Prev = webcore.WithQuery(path, q, "cursor", p.PrevCursor)
	}
	if p.NextCursor != "" {
		v.Next = webcore.WithQuery(path, q, "cursor", p.NextCursor)
		v.Last = webcore.WithQuery(path, q, "cursor", p.LastCursor)
	}
	return v
}

// exportLinks are the list's download links with its filters, when the user may export.
func (a *Area) exportLinks(c *gin.Context, path string, q url.Values) view.Exports {
	if !authz.Allowed(a.core.Subject(c), authz.ExportData, authz.Target{}) {
		return view.Exports{}
	}
	q2 := url.Values{}
	for k, v := range q {
		if k != "page" && k != "cursor" {
			q2[k] = v
		}
	}
	return view.Exports{
		CSV:  webcore.WithQuery(path, q2, "format", "csv"),
		XLSX: webcore.WithQuery(path, q2, "format", "xlsx"),
	}
}

// --- formatting ---

// expiresSoon is webcore's rule, which the draft form's pickers share.
func expiresSoon(t *time.Time, now time.Time) bool { return webcore.ExpiresSoon(t, now) }

// subAccountStatus is the translated badge of a sub-account status.
func subAccountStatus(tr *i18n.Translator, st int) view.Badge {
	kind := ""
	switch st {
	case 1:
		kind = "ok"
	case 3, 102:
		kind = "warn"
	case 4:
		kind = "bad"
	case 2, 101:
		kind = "info"
	}
	return view.Badge{Text: statusLabel(tr, "sa.status.", st), Kind: kind}
}

// subAccountStatuses are the statuses the filter offers.
var subAccountStatuses = []int{1, 2, 3, 4, 101, 102}

func resourceStatus(tr *i18n.Translator, st int) view.Badge {
	kind := ""
	switch st {
	case 2:
		kind = "ok"
	case 4:
		kind = "bad"
	case 5:
		kind = "warn"
	}
	return view.Badge{Text: statusLabel(tr, "res.status.", st), Kind: kind}
}

var resourceStatuses = []int{2, 3, 4, 5}

// expirePolicy says in words what happens to a resource at expiry.
func expirePolicy(tr *i18n.Translator, p int) string {
	return statusLabel(tr, "res.policy.", p)
}

// statusLabel is webcore's, which the draft form's pickers share.
func statusLabel(tr *i18n.Translator, prefix string, code int) string {
	return webcore.StatusLabel(tr, prefix, code)
}
