package readweb

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// asOf describes how fresh data of the given sync areas is. dataTime is when the rows
// shown were read (nil: use the last successful run's end).
func (a *Area) asOf(c *gin.Context, runs map[string]store.SyncRun, areas []string, dataTime *time.Time, subAccount string) view.AsOf {
	tr := a.core.Translator(c)
	v := view.AsOf{
		Area: areas[0], SubAccount: subAccount, Master: webcore.MasterParam(c), Next: webcore.SafeNext(c.Request.URL.RequestURI()),
		CanRefresh: authz.Allowed(a.core.Subject(c), authz.RunSync, authz.Target{}),
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
		v.Time = webcore.FormatTime(*dataTime, tr.Lang)
	}
	return v
}

// syncRuns reads the latest run of every area; a failure only costs the freshness line.
func (a *Area) syncRuns(c *gin.Context) map[string]store.SyncRun {
	runs, err := a.read.LatestRuns(c.Request.Context(), webcore.MasterParam(c)) // "as of" the master shown
	if err != nil {
		a.log.Warn("cannot read sync runs", "error", err, "request_id", a.core.RequestID(c))
		return nil
	}
	return runs
}
