package readmodel

import (
	"errors"
	"sync"
	"time"

	"github.com/purser-finance/purser/internal/store"
)

// Cache keeps what every read page asks the database for and what changes only when
// something is written: the latest sync runs, the cache's aggregates (counts by status,
// sums, the "as of" times, sub-accounts below their threshold), the dashboard's lists and
// the navigation's counters. At 10,000 sub-accounts these reads were most of a page's
// cost (docs/PERFORMANCE.md, "Read side").
//
// An entry is used only while both hold:
//   - the database handle's write version is the one read before the entry was loaded
//     (store.DB.WriteVersion): any change this process writes — a balance a sync found
//     changed, a threshold, a decision, a notification — retires every entry at once, so
//     a page never shows less than what this process has itself written. Writes that
//     change nothing and the sync's bookkeeping (a pass's progress, when each sub-account
//     was last read) leave it: what those renew shows after at most TTL;
//   - it is younger than TTL: writes by another replica are picked up after at most that
//     long.
//
// It holds only entries that may still be served, within bounds: keeping an entry of a
// newer version drops those of older ones, entries TTL old go as new ones come, and past
// cacheMaxEntries or cacheMaxBytes (sizes estimated by sizeOf) the oldest go first. A mix
// of thousands of distinct URLs (searches, filters, deep pages) leaves an entry each.
//
// Nothing about the user is cached: the user, their roles, org scopes and disabled flag
// are read on every request, and every entry that depends on who asks has those in its
// key (authz.QueryScope.Key, or the caller's own actor key), so a result never crosses
// from one scope to another. Entries are shared between requests: callers must not
// modify what they get.
type Cache struct {
	db *store.DB
	mu sync.Mutex
	m  map[string]entry
	// loading holds the reads under way: requests that miss the same key at the same
	// version wait for one read instead of all running it (a sync batch retires every
	// entry at once, and 64 concurrent scans of the stats made the slowest requests slower).
	loading map[string]*load
	// What m holds. Every entry is of one write version, version (an entry of an older
	// one can never be served again, so keeping a newer one drops them all); order is
	// the order they were kept in, oldest first, for dropping the TTL-old and, at the
	// bounds, the oldest; bytes is their estimated size (sizeOf).
	version uint64
	order   []queued
	head    int // order[head:] is live
	bytes   int
	seq     uint64
}

// queued is one place in Cache.order: the entry kept under key with sequence number seq
// (a later entry under the same key makes it a stale place, skipped).
type queued struct {
	key string
	seq uint64
}

// NewCache is an empty cache over db's write version.
func NewCache(db *store.DB) *Cache { return &Cache{db: db} }

// load is one read under way; done is closed when val and err are set.
type load struct {
	version uint64
	done    chan struct{}
	val     any
	err     error
}

type entry struct {
	version uint64
	at      time.Time
	val     any
	size    int
	seq     uint64
}

// TTL bounds how stale a cached read may be when another replica wrote.
const TTL = 2 * time.Second

// clock is the real clock (a variable for the tests of the age limit).
var clock = time.Now

// The cache's bounds: its entries (one per key: pages × filters × scopes × users in use
// within TTL) and their estimated bytes. A list page of 25 rows is about 30 KB, so a mix
// of 2,000 distinct URLs a second stays within them; past a bound the oldest entries go.
const (
	cacheMaxEntries = 4096
	cacheMaxBytes   = 16 << 20
)

// Cached returns the entry under key, or loads, keeps and returns it. Errors are not
// kept. The age uses the real clock, not business time: it is about this process's
// memory (tests move business time; the write version keeps them exact).
func Cached[T any](rc *Cache, key string, read func() (T, error)) (T, error) {
	version := rc.db.WriteVersion() // before the read it guards
	now := clock()
	rc.mu.Lock()
	if e, ok := rc.m[key]; ok && e.version == version && now.Sub(e.at) < TTL {
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
		return read()
	}
	l := &load{version: version, done: make(chan struct{})}
	if rc.loading == nil {
		rc.loading = make(map[string]*load)
	}
	rc.loading[key] = l
	rc.mu.Unlock()

	l.err = errAbandoned // unless read returns: a panic must not leave the waiters waiting
	defer func() {
		rc.mu.Lock()
		if rc.loading[key] == l {
			delete(rc.loading, key)
		}
		if l.err == nil {
			rc.keep(key, entry{version: version, at: now, val: l.val, size: len(key) + sizeOf(l.val)})
		}
		rc.mu.Unlock()
		close(l.done)
	}()
	val, err := read()
	l.val, l.err = val, err
	return val, err
}

// keep stores e under key (rc.mu held): first dropping every entry of an older version
// (or giving up e if it is itself older than what is kept), the TTL-old, and, while a
// bound would be passed, the oldest.
func (rc *Cache) keep(key string, e entry) {
	switch {
	case rc.m == nil || e.version > rc.version:
		rc.m, rc.order, rc.head, rc.bytes, rc.version = make(map[string]entry), nil, 0, 0, e.version
	case e.version < rc.version:
		return // read before a write that retired it: never to be served
	}
	if old, ok := rc.m[key]; ok {
		delete(rc.m, key)
		rc.bytes -= old.size
	}
	if e.size > cacheMaxBytes {
		return
	}
	for rc.head < len(rc.order) {
		q := rc.order[rc.head]
		old, ok := rc.m[q.key]
		if ok && old.seq == q.seq && e.at.Sub(old.at) < TTL && len(rc.m) < cacheMaxEntries && rc.bytes+e.size <= cacheMaxBytes {
			break
		}
		if ok && old.seq == q.seq {
			delete(rc.m, q.key)
			rc.bytes -= old.size
		}
		rc.order[rc.head] = queued{}
		rc.head++
	}
	if rc.head > len(rc.order)/2 {
		rc.order = append(rc.order[:0], rc.order[rc.head:]...)
		rc.head = 0
	}
	rc.seq++
	e.seq = rc.seq
	rc.m[key] = e
	rc.order = append(rc.order, queued{key, e.seq})
	rc.bytes += e.size
}

var errAbandoned = errors.New("readmodel: cached read abandoned")
