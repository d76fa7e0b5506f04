package webcore

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// ListPageSize is the page size of the HTML lists.
const ListPageSize = 25

// QueryText reads a search text, trimmed and bounded.
func QueryText(c *gin.Context, name string) string {
	q := strings.TrimSpace(c.Query(name))
	if r := []rune(q); len(r) > 100 {
		q = string(r[:100])
	}
	return q
}

// WithQuery returns path?query with key set to value ("" removes it).
func WithQuery(path string, q url.Values, key, value string) string {
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

// Several master accounts: every list, export and JSON read accepts ?master=<domain id>
// (a master's domain id; absent or empty: every master).

// MasterParam is the master filter of the request ("" = every master).
func MasterParam(c *gin.Context) string {
	m := strings.TrimSpace(c.Query("master"))
	if len(m) > 64 {
		return "" // not a domain id: no filter rather than an error page
	}
	return m
}

// MasterValues is the query that keeps the master filter on links ("" = none).
func MasterValues(master string) url.Values {
	q := url.Values{}
	if master != "" {
		q.Set("master", master)
	}
	return q
}

// SafeNext keeps a post-sign-in or post-switch destination on this site: a local path,
// never "//host" or a scheme.
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
