package readweb

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// asOf describes how fresh data of the given sync areas is (webcore.Freshness), with
// the refresh button for those who may run a sync.
func (a *Area) asOf(c *gin.Context, runs map[string]store.SyncRun, areas []string, dataTime *time.Time, subAccount string) view.AsOf {
	canRefresh := authz.Allowed(a.core.Subject(c), authz.RunSync, authz.Target{})
	return webcore.Freshness(c, a.core.Translator(c).Lang, canRefresh, runs, areas, dataTime, subAccount)
}

// syncRuns reads the latest run of every area; a failure only costs the freshness line.
func (a *Area) syncRuns(c *gin.Context) map[string]store.SyncRun {
	runs, err := a.read.LatestRuns(c.Request.Context(), webcore.MasterParam(c)) // "as of" the master shown
	if err != nil {
		webcore.Degraded(c.Request.Context(), a.log, "cannot read sync runs", "error", err, "request_id", a.core.RequestID(c))
		return nil
	}
	return runs
}
