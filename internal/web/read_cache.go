package web

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// readCache keeps what every read page asks the database for and what changes only when
// something is written: the latest sync runs, the cache's aggregates (counts by status,
// sums, the "as of" times, sub-accounts below their threshold), the dashboard's lists and
// the navigation's counters. At 10,000 sub-accounts these reads were most of a page's
// cost (docs/PERFORMANCE.md, "Read side").
//
// An entry is used only while both hold:
//   - the database handle's write version is the one read before the entry was loaded
//     (store.DB.WriteVersion): any write by this process — a sync batch, a threshold, a
//     decision, a notification — retires every entry at once, so a page never shows less
//     than what this process has itself written;
//   - it is younger than readCacheTTL: writes by another replica are picked up after at
//     most that long.
//
// Nothing about the user is cached: the user, their roles, org scopes and disabled flag
// are read on every request, and every entry that depends on who asks has those in its
// key (scopeKey, actorKey), so a result never crosses from one scope to another.
// Entries are shared between requests: callers must not modify what they get.
type readCache struct {
	mu sync.Mutex
	m  map[string]readEntry
	// loading holds the reads under way: requests that miss the same key at the same
	// version wait for one read instead of all running it (a sync batch retires every
	// entry at once, and 64 concurrent scans of the stats made the slowest requests slower).
	loading map[string]*readLoad
}

// readLoad is one read under way; done is closed when val and err are set.
type readLoad struct {
	version uint64
	done    chan struct{}
	val     any
	err     error
}

type readEntry struct {
	version uint64
	at      time.Time
	val     any
}

// readCacheTTL bounds how stale a cached read may be when another replica wrote.
const readCacheTTL = 2 * time.Second

// readCacheClock is the real clock (a variable for the tests of the age limit).
var readCacheClock = time.Now

// readCacheMax bounds the entries (one per key: scopes × users × languages in use); at
// the bound the cache starts afresh rather than tracking recency.
const readCacheMax = 4096

// cachedRead returns the entry under key, or loads, keeps and returns it. Errors are not
// kept. The age uses the real clock, not s.now: it is about this process's memory, not
// about business time (tests move s.now; the write version keeps them exact).
func cachedRead[T any](s *Server, key string, load func() (T, error)) (T, error) {
	version := s.db.WriteVersion() // before the read it guards
	now := readCacheClock()
	rc := &s.reads
	rc.mu.Lock()
	if e, ok := rc.m[key]; ok && e.version == version && now.Sub(e.at) < readCacheTTL {
		rc.mu.Unlock()
		return e.val.(T), nil
	}
	if l, ok := rc.loading[key]; ok && l.version == version {
		rc.mu.Unlock()
		<-l.done
		if l.err == nil {
			return l.val.(T), nil
		}
		// The reader's error may be its own (its request went away): read for ourselves.
		return load()
	}
	l := &readLoad{version: version, done: make(chan struct{})}
	if rc.loading == nil {
		rc.loading = make(map[string]*readLoad)
	}
	rc.loading[key] = l
	rc.mu.Unlock()

	l.err = errReadAbandoned // unless load returns: a panic must not leave the waiters waiting
	defer func() {
		rc.mu.Lock()
		if rc.loading[key] == l {
			delete(rc.loading, key)
		}
		if l.err == nil {
			if rc.m == nil || len(rc.m) >= readCacheMax {
				rc.m = make(map[string]readEntry)
			}
			rc.m[key] = readEntry{version: version, at: now, val: l.val}
		}
		rc.mu.Unlock()
		close(l.done)
	}()
	val, err := load()
	l.val, l.err = val, err
	return val, err
}

var errReadAbandoned = errors.New("web: cached read abandoned")

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
	return cachedRead(s, "runs\x00"+master, func() (map[string]store.SyncRun, error) { return s.db.LatestSyncRunsOf(ctx, master) })
}

// subAccountStats: master "" is every master.
func (s *Server) subAccountStats(ctx context.Context, master string, scopes []string) (store.SubAccountStats, error) {
	return cachedRead(s, "stats\x00"+master+"\x00"+scopeKey(scopes), func() (store.SubAccountStats, error) {
		return s.db.SubAccountStatsOf(ctx, master, scopes, s.hiddenOf(ctx)...)
	})
}

// masterAmountsCached is masterAmounts (masters.go): master "" is every master.
func (s *Server) masterAmountsCached(ctx context.Context, master string) ([]store.MasterBalances, error) {
	return cachedRead(s, "master-amounts\x00"+master, func() ([]store.MasterBalances, error) { return s.masterAmounts(ctx, master) })
}

// lowBalances is the dashboard's below-threshold list and count.
type lowBalances struct {
	items []store.SubAccount
	total int64
}

func (s *Server) belowThreshold(ctx context.Context, master string, def money.Amount, scopes []string, limit int) (lowBalances, error) {
	key := "low\x00" + master + "\x00" + def.String() + "\x00" + strconv.Itoa(limit) + "\x00" + scopeKey(scopes)
	return cachedRead(s, key, func() (lowBalances, error) {
		items, total, err := s.db.SubAccountsBelowThresholdOf(ctx, master, def, scopes, limit, s.hiddenOf(ctx)...)
		return lowBalances{items, total}, err
	})
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
