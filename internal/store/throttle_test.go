package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestLoginThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const key = "user:alice"
		window, lockFor, max := 15*time.Minute, 10*time.Minute, 3

		got, err := db.LoginThrottle(ctx, key)
		if err != nil || got.Key != key || got.Failures != 0 || got.LockedUntil != nil {
			t.Fatalf("empty throttle = %+v, %v", got, err)
		}

		t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		for i := 1; i <= 2; i++ {
			got, err = db.RecordLoginFailure(ctx, key, t0.Add(time.Duration(i)*time.Minute), window, max, lockFor)
			if err != nil {
				t.Fatal(err)
			}
			if got.Failures != i || !got.WindowStart.Equal(t0.Add(time.Minute)) || got.LockedUntil != nil {
				t.Fatalf("failure %d: %+v", i, got)
			}
		}
		// Third failure within the window locks.
		third := t0.Add(3 * time.Minute)
		got, err = db.RecordLoginFailure(ctx, key, third, window, max, lockFor)
		if err != nil {
			t.Fatal(err)
		}
		if got.Failures != 3 || got.LockedUntil == nil || !got.LockedUntil.Equal(third.Add(lockFor)) {
			t.Fatalf("lockout: %+v", got)
		}
		if read, _ := db.LoginThrottle(ctx, key); read.Failures != 3 || read.LockedUntil == nil {
			t.Fatalf("read back: %+v", read)
		}

		// A failure outside the window restarts the count.
		late := t0.Add(time.Minute + window)
		got, err = db.RecordLoginFailure(ctx, key, late, window, max, lockFor)
		if err != nil {
			t.Fatal(err)
		}
		if got.Failures != 1 || !got.WindowStart.Equal(late) {
			t.Fatalf("window restart: %+v", got)
		}

		// Other keys are independent; clearing forgets.
		other, err := db.RecordLoginFailure(ctx, "ip:10.0.0.1", t0, window, max, lockFor)
		if err != nil || other.Failures != 1 {
			t.Fatalf("other key: %+v, %v", other, err)
		}
		if err := db.ClearLoginFailures(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := db.ClearLoginFailures(ctx, "never-seen"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.LoginThrottle(ctx, key); got.Failures != 0 {
			t.Fatalf("after clear: %+v", got)
		}
		if got, _ := db.LoginThrottle(ctx, "ip:10.0.0.1"); got.Failures != 1 {
			t.Fatalf("other key after clear: %+v", got)
		}

		// maxFailures 1 locks on the first failure.
		got, err = db.RecordLoginFailure(ctx, "strict", t0, window, 1, lockFor)
		if err != nil || got.LockedUntil == nil || !got.LockedUntil.Equal(t0.Add(lockFor)) {
			t.Fatalf("max 1: %+v, %v", got, err)
		}
	})
}

func TestLoginThrottleConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 20
		now := time.Now().UTC()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := db.RecordLoginFailure(ctx, "ip:1.2.3.4", now, time.Hour, n, time.Minute); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := db.LoginThrottle(ctx, "ip:1.2.3.4")
		if err != nil {
			t.Fatal(err)
		}
		if got.Failures != n || got.LockedUntil == nil {
			t.Fatalf("after %d concurrent failures: %+v", n, got)
		}
	})
}
