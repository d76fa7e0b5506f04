package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
)

// SyncTrigger queues a sync of the cache (jobs.Runner): an area ("full", "balances", …),
// optionally of one sub-account, of every master (EnqueueSync) or of one (EnqueueSyncOf).
// It returns the job's id.
type SyncTrigger interface {
	EnqueueSync(ctx context.Context, area, subAccountID, trigger string) (int64, error)
	EnqueueSyncOf(ctx context.Context, master, area, subAccountID, trigger string) (int64, error)
}

// syncAreas are the areas a user may ask to refresh.
var syncAreas = []string{"full", "organizations", "sub_accounts", "balances", "master", "coupons", "cards", "resources", "packages", "catalog"}

// errSyncUnavailable: no sync worker is wired (a build without jobs).
var errSyncUnavailable = &httpError{http.StatusServiceUnavailable, "sync_unavailable", "flash.sync_unavailable"}

// syncNow is POST /sync: the refresh button. It queues the sync and comes back with a
// message; the page shows "refreshing" until the run ends.
func (s *Server) syncNow(c *gin.Context) {
	area := c.PostForm("area")
	sub := strings.TrimSpace(c.PostForm("sub_account_id"))
	next := safeNext(c.PostForm("next"))
	if !slices.Contains(syncAreas, area) {
		s.fail(c, errBadRequest)
		return
	}
	// The page's master filter: its refresh syncs that master only. A sub-account's
	// refresh goes to its own master whatever the filter.
	master := strings.TrimSpace(c.PostForm("master"))
	if sub != "" {
		if _, ok := s.scopedSubAccount(c, sub); !ok {
			return
		}
		master = ""
	}
	if master != "" && !s.masterKnown(c.Request.Context(), master) {
		s.fail(c, errBadRequest) // not a configured master: nothing to sync
		return
	}
	if s.sync == nil {
		s.setFlash(c, "error", "flash.sync_unavailable")
		s.redirect(c, next)
		return
	}
	if _, err := s.requestSyncOf(c, master, area, sub); err != nil {
		s.log.Error("cannot queue a sync", "error", err, "area", area, "request_id", requestID(c))
		s.setFlash(c, "error", "flash.sync_failed")
		s.redirect(c, next)
		return
	}
	s.setFlash(c, "ok", "flash.sync_queued")
	s.redirect(c, next)
}

// requestSync queues a refresh asked for by the signed-in user and records who asked
// (sync.request); the run itself writes sync.run when it ends.
func (s *Server) requestSync(c *gin.Context, area, sub string) (int64, error) {
	return s.requestSyncOf(c, "", area, sub)
}

// requestSyncOf is requestSync for one master ("" = every master, or a sub-account's own).
func (s *Server) requestSyncOf(c *gin.Context, master, area, sub string) (int64, error) {
	trigger := "manual:" + signedIn(c).Username
	var id int64
	var err error
	if master != "" {
		id, err = s.sync.EnqueueSyncOf(c.Request.Context(), master, area, sub, trigger)
	} else {
		id, err = s.sync.EnqueueSync(c.Request.Context(), area, sub, trigger)
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
	err = audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{Action: audit.SyncRequest, TargetType: targetType,
		TargetID: targetID, Outcome: audit.Success, Details: details})
	return id, err
}

// scopedSubAccount reads a sub-account by id and checks the user's scope. Out of scope
// answers exactly like "not found" (nothing leaks that it exists) and writes
// access.denied. ok is false when the response has been written.
func (s *Server) scopedSubAccount(c *gin.Context, id string) (*store.SubAccount, bool) {
	sa, err := s.read.SubAccount(c.Request.Context(), scopeOf(signedIn(c)), id)
	if errors.Is(err, readmodel.ErrOutOfScope) {
		s.hideOutOfScope(c, "sub_account", id)
		return nil, false
	}
	if err != nil { // store.ErrNotFound is a 404 in fail
		s.fail(c, err)
		return nil, false
	}
	return sa, true
}

// setThreshold is POST /sub-accounts/:id/threshold (form: threshold; empty restores the
// default). The change and its audit event commit together.
func (s *Server) setThreshold(c *gin.Context) {
	sa, ok := s.loadSubAccount(c)
	if !ok {
		return
	}
	tr := s.i18n.For(lang(c))
	input := strings.TrimSpace(c.PostForm("threshold"))
	var t *money.Amount
	if input != "" {
		d, err := money.ParseNumber(input)
		switch {
		case errors.Is(err, money.ErrGrouping):
			s.thresholdError(c, sa, input, tr.T("op.err.amount_grouping"))
			return
		case err != nil:
			s.thresholdError(c, sa, input, tr.T("sa.threshold_invalid"))
			return
		case d.IsNegative():
			s.thresholdError(c, sa, input, tr.T("sa.threshold_negative"))
			return
		case d.GreaterThan(money.MaxAmount):
			s.thresholdError(c, sa, input, tr.T("sa.threshold_too_large"))
			return
		}
		a := money.New(d, sa.Currency)
		t = &a
	}
	old := ""
	if sa.LowBalanceThreshold != nil {
		old = sa.LowBalanceThreshold.String()
	}
	newValue := ""
	if t != nil {
		newValue = t.String()
	}
	ctx := c.Request.Context()
	err := s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SetLowBalanceThreshold(ctx, sa.ID, t); err != nil {
			return err
		}
		return audit.Record(ctx, tx, meta(c), audit.Entry{
			Action: audit.SubAccountUpdate, TargetType: "sub_account", TargetID: sa.ID, Outcome: audit.Success,
			Details: map[string]any{"field": "low_balance_threshold", "old": old, "new": newValue},
		})
	})
	if errors.Is(err, store.ErrNotFound) {
		s.fail(c, errNotFound)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setFlash(c, "ok", "flash.threshold_saved")
	s.redirect(c, "/sub-accounts/"+url.PathEscape(sa.ID))
}

// thresholdError shows the detail page again with the input and the reason.
func (s *Server) thresholdError(c *gin.Context, sa *store.SubAccount, input, reason string) {
	v, err := s.subAccountView(c, sa)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Threshold.Input, v.Threshold.Error = input, reason
	s.render(c, http.StatusUnprocessableEntity, pages.SubAccount(s.page(c, "sa.detail_title"), v))
}
