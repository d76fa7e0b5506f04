package web

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// cachedRead is readmodel.Cached over the server's read cache (its doc says what an
// entry lives on); the core's own cached reads — the bell's counter, the masters — go
// through it. The areas keep theirs in the same cache (readmodel.Reader.Cache).
func cachedRead[T any](s *Server, key string, load func() (T, error)) (T, error) {
	return readmodel.Cached(s.read.Cache(), key, load)
}

// actorKey names a user as they are on this request in the cache's keys
// (webcore.ActorKey, which the areas' entries per user use too).
func actorKey(u *currentUser) string {
	if u == nil {
		return webcore.ActorKey(nil)
	}
	return webcore.ActorKey(u.User)
}

// The cached reads. Keys start with what is read; the rest is everything the result
// depends on.

// latestRuns: master "" is every master.
func (s *Server) latestRuns(ctx context.Context, master string) (map[string]store.SyncRun, error) {
	return s.read.LatestRuns(ctx, master)
}

// unreadCountCached is the bell's number on every page (the navigation's other counter,
// what waits for an approver, is the operations area's: opsweb's PendingCount), per user
// as they are on this request. A failed count shows as 0 and is not kept.
func (s *Server) unreadCountCached(c *gin.Context, u *currentUser) int {
	if s.ops == nil || u == nil {
		return 0
	}
	n, err := cachedRead(s, "unread\x00"+actorKey(u), func() (int, error) { return s.ops.Notifier().CountUnread(c.Request.Context(), u.ID) })
	if err != nil {
		webcore.Degraded(c.Request.Context(), s.log, "cannot count notifications", "error", err, "request_id", requestID(c))
		return 0
	}
	return n
}
