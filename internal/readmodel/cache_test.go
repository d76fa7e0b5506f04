package readmodel

import (
	"context"
	"strconv"
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
