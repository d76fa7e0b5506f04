package webcore

import (
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/view"
)

// Freshness is the "as of" line of data from the given sync areas: when the rows shown
// were read (dataTime; nil: the last successful run's end), whether a refresh is running
// (and how far a running balance pass is) or the last one failed, and whether the reader
// may refresh. Every page that shows cached figures says it the same way, the read pages
// and an operation's context alike.
func Freshness(c *gin.Context, lang string, canRefresh bool, runs map[string]store.SyncRun, areas []string, dataTime *time.Time, subAccount string) view.AsOf {
	v := view.AsOf{
		Area: areas[0], SubAccount: subAccount, Master: MasterParam(c), Next: SafeNext(c.Request.URL.RequestURI()),
		CanRefresh: canRefresh,
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
			v.Running = true
		}
		if latest == nil || r.StartedAt.After(latest.StartedAt) {
			latest = &r
		}
	}
	if latest != nil {
		switch latest.Status {
		case "failed", "partial":
			v.Stale = true
			v.Reason = latest.Error
		}
		if dataTime == nil && latest.Status == "succeeded" && latest.FinishedAt != nil {
			dataTime = latest.FinishedAt
		}
	}
	if dataTime != nil && !dataTime.IsZero() {
		v.Time = FormatTime(*dataTime, lang)
	}
	// A balance pass takes most of an hour over 10,000 sub-accounts: say how far it is
	// wherever balances are shown.
	if r, ok := runs["balances"]; ok && slices.Contains(areas, "balances") && r.Status == "running" && r.Total > 0 {
		v.BalancesRead, v.BalancesTotal = FormatInt(int64(min(r.Items, r.Total))), FormatInt(int64(r.Total))
	}
	return v
}
