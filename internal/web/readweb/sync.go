package readweb

import (
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// syncAreas are the areas a user may ask to refresh.
var syncAreas = []string{"full", "organizations", "sub_accounts", "balances", "master", "coupons", "cards", "resources", "packages", "catalog"}

// syncNow is POST /sync: the refresh button. It queues the sync and comes back with a
// message; the page shows "refreshing" until the run ends.
func (a *Area) syncNow(c *gin.Context) {
	area := c.PostForm("area")
	sub := strings.TrimSpace(c.PostForm("sub_account_id"))
	next := webcore.SafeNext(c.PostForm("next"))
	if !slices.Contains(syncAreas, area) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	// The page's master filter: its refresh syncs that master only. A sub-account's
	// refresh goes to its own master whatever the filter.
	master := strings.TrimSpace(c.PostForm("master"))
	if sub != "" {
		if _, err := a.scopedSubAccount(c, sub); err != nil {
			a.core.Fail(c, err)
			return
		}
		master = ""
	}
	if master != "" && !a.masterKnown(c.Request.Context(), master) {
		a.core.Fail(c, webcore.ErrBadRequest) // not a configured master: nothing to sync
		return
	}
	if a.sync == nil {
		a.core.Flash(c, "error", "flash.sync_unavailable")
		a.core.Redirect(c, next)
		return
	}
	if _, err := a.requestSync(c, master, area, sub); err != nil {
		a.log.Error("cannot queue a sync", "error", err, "area", area, "request_id", a.core.RequestID(c))
		a.core.Flash(c, "error", "flash.sync_failed")
		a.core.Redirect(c, next)
		return
	}
	a.core.Flash(c, "ok", "flash.sync_queued")
	a.core.Redirect(c, next)
}

// requestSync queues a refresh asked for by the signed-in user, of one master ("" =
// every master, or a sub-account's own), and records who asked (sync.request); the run
// itself writes sync.run when it ends.
func (a *Area) requestSync(c *gin.Context, master, area, sub string) (int64, error) {
	m := a.core.Meta(c)
	trigger := "manual:" + m.ActorName
	var id int64
	var err error
	if master != "" {
		id, err = a.sync.EnqueueSyncOf(c.Request.Context(), master, area, sub, trigger)
	} else {
		id, err = a.sync.EnqueueSync(c.Request.Context(), area, sub, trigger)
	}
	if err != nil {
		return 0, err
	}
	targetType, targetID := "sync_area", area
	if sub != "" {
		targetType, targetID = "sub_account", sub
	}
	details := map[string]any{"area": area, "job_id": id}
	if master != "" {
		details["master"] = master
	}
	err = audit.Record(c.Request.Context(), a.db, m, audit.Entry{Action: audit.SyncRequest, TargetType: targetType,
		TargetID: targetID, Outcome: audit.Success, Details: details})
	return id, err
}
