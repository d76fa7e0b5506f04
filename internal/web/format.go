package web

import (
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/web/webcore"
)

// The formatting and query rules are webcore's, which the areas share; these names keep
// web's own pages reading as before.

var displayZone = webcore.DisplayZone

// listPageSize is the page size of the HTML lists.
const listPageSize = webcore.ListPageSize

func formatTime(t time.Time, lang string) string  { return webcore.FormatTime(t, lang) }
func fmtTimePtr(t *time.Time, lang string) string { return webcore.FormatTimePtr(t, lang) }
func fmtDate(t *time.Time) string                 { return webcore.FormatDate(t) }
func fmtInt(n int64) string                       { return webcore.FormatInt(n) }

func queryText(c *gin.Context, name string) string { return webcore.QueryText(c, name) }
func masterParam(c *gin.Context) string            { return webcore.MasterParam(c) }
func masterValues(master string) url.Values        { return webcore.MasterValues(master) }
func safeNext(next string) string                  { return webcore.SafeNext(next) }

func withQuery(path string, q url.Values, key, value string) string {
	return webcore.WithQuery(path, q, key, value)
}
