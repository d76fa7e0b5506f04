package readmodel

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestCachedRead: an entry serves until this process writes anything (a statement, and
// again at the end of a transaction) or until it is TTL old.
func TestCachedRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := NewCache(db)
		now := time.Now()
		clock = func() time.Time { return now }
		t.Cleanup(func() { clock = time.Now })
		loads := 0
		read := func() int {
			n, err := Cached(s, "k", func() (int, error) { loads++; return loads, nil })
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		write := func(tx *store.DB) {
			if err := tx.SaveSession(ctx, &store.Session{ID: "x", ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if read() != 1 || read() != 1 {
			t.Fatal("second read not served from the cache")
		}
		write(db)
		if read() != 2 {
			t.Fatal("a write did not retire the entry")
		}
		// Read between a transaction's write and its commit: kept until the commit only.
		if err := db.InTx(ctx, func(tx *store.DB) error {
			write(tx)
			if read() != 3 {
				t.Fatal("the write inside the transaction did not retire the entry")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if read() != 4 {
			t.Fatal("an entry read before the commit survived it")
		}
		now = now.Add(TTL - time.Millisecond)
		if read() != 4 {
			t.Fatal("expired early")
		}
		now = now.Add(time.Millisecond)
		if read() != 5 {
			t.Fatal("an entry outlived TTL")
		}
		// Concurrent misses of one key share one read; a failed read is not shared.
		for _, fail := range []bool{false, true} {
			key := "herd" + strconv.FormatBool(fail)
			release, started := make(chan struct{}), make(chan struct{})
			var mu sync.Mutex
			reads := 0
			go func() {
				_, _ = Cached(s, key, func() (int, error) {
					mu.Lock()
					reads++
					mu.Unlock()
					close(started)
					<-release
					if fail {
						return 0, context.Canceled
					}
					return 42, nil
				})
			}()
			<-started
			var wg sync.WaitGroup
			got := make([]int, 8)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], _ = Cached(s, key, func() (int, error) {
						mu.Lock()
						reads++
						mu.Unlock()
						return 7, nil
					})
				}()
			}
			time.Sleep(50 * time.Millisecond) // let them find the read under way
			close(release)
			wg.Wait()
			for _, g := range got {
				if (!fail && g != 42) || (fail && g != 7) {
					t.Fatalf("fail=%v: a waiter got %d", fail, g)
				}
			}
			if !fail && reads != 1 {
				t.Fatalf("%d reads of one key at one version", reads)
			}
		}
		// Errors are not kept.
		if _, err := Cached(s, "e", func() (int, error) { return 0, context.Canceled }); err == nil {
			t.Fatal("no error")
		}
		if n, _ := Cached(s, "e", func() (int, error) { return 7, nil }); n != 7 {
			t.Fatal("an error was kept")
		}
	})
}

// TestCacheStaysBounded: the cache holds only entries that can still be served, and no
// more than its bounds. Entries of an older write version are dropped as soon as an
// entry of a newer one is kept, entries TTL old as new ones come, and at either bound
// (entries or estimated bytes) the oldest go first. Pages with 2,000 and more distinct
// URLs (searches, filters, deep pages) each leave an entry; before, nothing was dropped
// until 4,096 entries of any age and version had piled up.
func TestCacheStaysBounded(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	s := NewCache(db)
	now := time.Now()
	clock = func() time.Time { return now }
	t.Cleanup(func() { clock = time.Now })
	keep := func(key string, v any) {
		t.Helper()
		if _, err := Cached(s, key, func() (any, error) { return v, nil }); err != nil {
			t.Fatal(err)
		}
	}
	held := func() (int, int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.m), s.bytes
	}
	for i := range 100 {
		keep("page"+strconv.Itoa(i), "x")
	}
	if n, _ := held(); n != 100 {
		t.Fatalf("%d entries kept, want 100", n)
	}
	if err := db.SaveSession(ctx, &store.Session{ID: "x", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	keep("after the write", "x")
	if n, _ := held(); n != 1 {
		t.Fatalf("%d entries kept after a write, want only the one read since", n)
	}

	now = now.Add(TTL)
	keep("later", "x")
	if n, _ := held(); n != 1 {
		t.Fatalf("%d entries kept, want the TTL-old one gone", n)
	}

	// Many distinct pages within TTL: bounded by the bytes they hold.
	big := make([]store.SubAccount, 25)
	for i := range big {
		big[i] = store.SubAccount{ID: strings.Repeat("s", 32), Name: strings.Repeat("名", 200), OrgPath: []string{strings.Repeat("o", 500)}}
	}
	per := sizeOf(big)
	if per < 25*(32+600+500) {
		t.Fatalf("a page of 25 rows estimated at %d bytes, want at least its strings", per)
	}
	for i := range 3 * cacheMaxBytes / per {
		keep("list"+strconv.Itoa(i), big)
		if n, b := held(); b > cacheMaxBytes || n > cacheMaxEntries {
			t.Fatalf("after %d pages: %d entries of %d bytes, bounds %d and %d", i+1, n, b, cacheMaxEntries, cacheMaxBytes)
		}
	}
	if _, ok := s.m["list0"]; ok {
		t.Error("the oldest page survived the bound")
	}
	last := "list" + strconv.Itoa(3*cacheMaxBytes/per-1)
	if _, ok := s.m[last]; !ok {
		t.Error("the newest page was not kept")
	}
	// And by their number.
	for i := range 2 * cacheMaxEntries {
		keep("count"+strconv.Itoa(i), i)
	}
	if n, _ := held(); n > cacheMaxEntries {
		t.Fatalf("%d entries, bound %d", n, cacheMaxEntries)
	}
	if n, _ := Cached(s, "count"+strconv.Itoa(2*cacheMaxEntries-1), func() (any, error) { return -1, nil }); n != 2*cacheMaxEntries-1 {
		t.Errorf("the newest entry was not served: %v", n)
	}
}
