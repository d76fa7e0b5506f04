package web

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
)

// cachedRead is readmodel.Cached over the server's read cache (its doc says what an
// entry lives on); the core's own cached reads — the navigation's counters, the masters
// and the dashboard's panels of other areas — go through it too.
func cachedRead[T any](s *Server, key string, load func() (T, error)) (T, error) {
	return readmodel.Cached(s.read.Cache(), key, load)
}

// scopeKey names a set of org scopes in cache keys: order does not matter, "" is
// "everything" (as the store reads an empty scope list).
func scopeKey(scopes []string) string {
	if len(scopes) == 0 {
		return ""
	}
	s := slices.Clone(scopes)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), "\x1f")
}

// actorKey names a user as they are on this request — id, roles and scopes — for entries
// that depend on who asks (their approvals, their notifications, what they may see).
func actorKey(u *currentUser) string {
	if u == nil {
		return "-"
	}
	roles := slices.Clone(u.Roles)
	slices.Sort(roles)
	return strings.Join([]string{
		strconv.FormatInt(u.ID, 10), strings.Join(roles, ","), scopeKey(u.Scopes),
	}, "\x1e")
}

// The cached reads. Keys start with what is read; the rest is everything the result
// depends on.

// latestRuns: master "" is every master.
func (s *Server) latestRuns(ctx context.Context, master string) (map[string]store.SyncRun, error) {
	return s.read.LatestRuns(ctx, master)
}

// pendingCountCached and unreadCountCached are the navigation's counters (every page):
// per user as they are on this request.
// A failed count shows as 0 and is not kept.
func (s *Server) pendingCountCached(c *gin.Context, u *currentUser) int {
	if s.ops == nil || u == nil || !authz.Allowed(u.Subject, authz.ApproveOperation, authz.Target{}) {
		return 0
	}
	n, err := cachedRead(s, "pending\x00"+actorKey(u), func() (int, error) {
		return s.ops.CountPendingFor(c.Request.Context(), actorOf(c))
	})
	if err != nil {
		s.log.Warn("cannot count pending approvals", "error", err, "request_id", requestID(c))
		return 0
	}
	return n
}

func (s *Server) unreadCountCached(c *gin.Context, u *currentUser) int {
	if s.ops == nil || u == nil {
		return 0
	}
	n, err := cachedRead(s, "unread\x00"+actorKey(u), func() (int, error) { return s.ops.Notifier().CountUnread(c.Request.Context(), u.ID) })
	if err != nil {
		s.log.Warn("cannot count notifications", "error", err, "request_id", requestID(c))
		return 0
	}
	return n
}
