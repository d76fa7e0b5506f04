package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/view"
)

// Helpers shared by the read side's pages: organisation scope, freshness, flash
// messages across a redirect, pagination and labels.

// defaultLowBalance is the alert level of sub-accounts without their own threshold.
var defaultLowBalance = money.New(decimal.NewFromInt(1000), money.DefaultCurrency)

// listPageSize is the page size of the HTML lists.
const listPageSize = 25

// scopeOf is what the user's reads are limited to (authz.ScopeOf); nobody signed in
// sees nothing.
func scopeOf(u *currentUser) authz.QueryScope {
	if u == nil {
		return authz.QueryScope{}
	}
	return authz.ScopeOf(u.Subject)
}

// visible reports whether a sub-account in orgPath is inside the user's scope, for the
// detail pages and actions on one sub-account (lists are scoped in SQL). A scoped user
// does not see a sub-account whose unit is unknown: deny by default.
func visible(u *currentUser, orgPath []string) bool { return scopeOf(u).Covers(orgPath) }

// --- flash messages ---

const flashCookie = "purser_flash"

var flashValue = regexp.MustCompile(`^(ok|info|error)\|(flash\.[a-z0-9_.]+)$`)

// setFlash leaves a one-time message for the page after the redirect. Only message ids
// travel in the cookie, never text, so nobody can make the portal say something else.
func (s *Server) setFlash(c *gin.Context, kind, id string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: flashCookie, Value: kind + "|" + id, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash reads and clears the message left by setFlash.
func (s *Server) takeFlash(c *gin.Context) *view.Flash {
	ck, err := c.Request.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode,
	})
	m := flashValue.FindStringSubmatch(ck.Value)
	if m == nil {
		return nil
	}
	tr := s.i18n.For(lang(c))
	text := tr.T(m[2])
	if strings.HasPrefix(text, "[") {
		return nil
	}
	return &view.Flash{Kind: m[1], Text: text}
}

// page is the chrome of a read-side page, with the flash message if one is waiting.
func (s *Server) page(c *gin.Context, titleKey string) view.Chrome {
	ch := s.chrome(c, titleKey)
	ch.Flash = s.takeFlash(c)
	return ch
}

// --- freshness ---

// asOf describes how fresh data of the given sync areas is. dataTime is when the rows
// shown were read (nil: use the last successful run's end).
func (s *Server) asOf(c *gin.Context, runs map[string]store.SyncRun, areas []string, dataTime *time.Time, subAccount string) view.AsOf {
	tr := s.i18n.For(lang(c))
	u := signedIn(c)
	a := view.AsOf{
		Area: areas[0], SubAccount: subAccount, Master: masterParam(c), Next: safeNext(c.Request.URL.RequestURI()),
		CanRefresh: u != nil && authz.Allowed(u.Subject, authz.RunSync, authz.Target{}),
	}
	var latest *store.SyncRun
	for _, area := range append(areas, "full") {
		r, ok := runs[area]
		if !ok {
			continue
		}
		// Still refreshing while any of them runs: a full sync goes on after its first
		// area finished, and the later areas may not have been read yet.
		if r.Status == "running" {
			a.Running = true
		}
		if latest == nil || r.StartedAt.After(latest.StartedAt) {
			latest = &r
		}
	}
	if latest != nil {
		switch latest.Status {
		case "failed", "partial":
			a.Stale = true
			a.Reason = latest.Error
		}
		if dataTime == nil && latest.Status == "succeeded" && latest.FinishedAt != nil {
			dataTime = latest.FinishedAt
		}
	}
	if dataTime != nil && !dataTime.IsZero() {
		a.Time = formatTime(*dataTime, tr.Lang)
	}
	return a
}

// syncRuns reads the latest run of every area; a failure only costs the freshness line.
func (s *Server) syncRuns(c *gin.Context) map[string]store.SyncRun {
	runs, err := s.latestRuns(c.Request.Context(), masterParam(c)) // "as of" the master shown
	if err != nil {
		s.log.Warn("cannot read sync runs", "error", err, "request_id", requestID(c))
		return nil
	}
	return runs
}

// --- parsing ---

// queryInt reads a non-negative integer parameter; anything else is def.
func queryInt(c *gin.Context, name string, def int) int {
	v, err := strconv.Atoi(strings.TrimSpace(c.Query(name)))
	if err != nil || v < 0 {
		return def
	}
	return v
}

// queryText reads a search text, trimmed and bounded.
func queryText(c *gin.Context, name string) string {
	q := strings.TrimSpace(c.Query(name))
	if r := []rune(q); len(r) > 100 {
		q = string(r[:100])
	}
	return q
}

// withQuery returns path?query with key set to value ("" removes it).
func withQuery(path string, q url.Values, key, value string) string {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	if value == "" {
		out.Del(key)
	} else {
		out.Set(key, value)
	}
	if e := out.Encode(); e != "" {
		return path + "?" + e
	}
	return path
}

// offsetPager builds the pager of an offset-paginated list (page is 1-based).
func offsetPager(tr *i18n.Translator, path string, q url.Values, page, size int, total int64) view.Pager {
	p := view.Pager{}
	from, to := int64((page-1)*size+1), int64(page*size)
	if to > total {
		to = total
	}
	if total == 0 {
		from = 0
	}
	p.Summary = tr.T("read.showing", map[string]any{"From": fmtInt(from), "To": fmtInt(to), "Total": fmtInt(total)})
	if page > 1 {
		p.First = withQuery(path, q, "page", "")
		prev := ""
		if page > 2 {
			prev = strconv.Itoa(page - 1)
		}
		p.Prev = withQuery(path, q, "page", prev)
	}
	if to < total {
		p.Next = withQuery(path, q, "page", strconv.Itoa(page+1))
		p.Last = withQuery(path, q, "page", strconv.FormatInt((total+int64(size)-1)/int64(size), 10))
	}
	return p
}

// exportLinks are the list's download links with its filters, when the user may export.
func exportLinks(c *gin.Context, path string, q url.Values) view.Exports {
	u := signedIn(c)
	if u == nil || !authz.Allowed(u.Subject, authz.ExportData, authz.Target{}) {
		return view.Exports{}
	}
	q2 := url.Values{}
	for k, v := range q {
		if k != "page" && k != "cursor" {
			q2[k] = v
		}
	}
	return view.Exports{
		CSV:  withQuery(path, q2, "format", "csv"),
		XLSX: withQuery(path, q2, "format", "xlsx"),
	}
}

// --- formatting ---

// fmtInt groups digits: 12,345.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fmtDate renders a date (no time) in the display zone; "" for nil.
func fmtDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(displayZone).Format("2006-01-02")
}

// fmtTimePtr renders a time or "".
func fmtTimePtr(t *time.Time, lang string) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return formatTime(*t, lang)
}

// expiresSoon: within 30 days from now (and not past).
func expiresSoon(t *time.Time, now time.Time) bool {
	return t != nil && !t.IsZero() && t.Before(now.Add(30*24*time.Hour))
}

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

// statusLabel translates prefix+code, or says "unknown (code)".
func statusLabel(tr *i18n.Translator, prefix string, code int) string {
	s := tr.T(prefix + strconv.Itoa(code))
	if strings.HasPrefix(s, "[") {
		return tr.T("read.unknown_code", map[string]any{"Code": code})
	}
	return s
}
