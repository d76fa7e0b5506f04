package bss

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// Every attempt of every call, retries included, waits for its operation's bucket: 32
// callers at once, a quarter of whose attempts fail and are retried, get no more than the
// configured rate. Counted over the whole run: per second, timers firing late on a busy
// machine bunch releases that the limiter spaced 1/rate apart, but they cannot add any.
func TestCallsNeverExceedTheRate(t *testing.T) {
	const rate = 500
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", AK: "ak", SK: "sk", DomainID: "d", RatePerSecond: rate, MaxAttempts: 3, RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		attempts []time.Time
		calls    int
	)
	stop := time.Now().Add(1200 * time.Millisecond)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				mu.Lock()
				calls++
				mu.Unlock()
				_ = c.call(context.Background(), opListRetrieveAmount, kindRead, func(context.Context) error {
					mu.Lock()
					defer mu.Unlock()
					attempts = append(attempts, time.Now())
					if len(attempts)%4 == 0 {
						return &Error{HTTPStatus: http.StatusServiceUnavailable} // retried
					}
					return nil
				})
			}
		})
	}
	wg.Wait()
	slices.SortFunc(attempts, func(a, b time.Time) int { return a.Compare(b) })
	span := attempts[len(attempts)-1].Sub(attempts[0]).Seconds()
	pace := float64(len(attempts)-1) / span
	if pace > rate*1.01 {
		t.Fatalf("%d attempts in %.3fs: %.1f/s at %d/s", len(attempts), span, pace, rate)
	}
	if len(attempts) <= calls || pace < rate*0.9 {
		t.Fatalf("%d attempts for %d calls at %.1f/s: the test did not run at the rate with retries", len(attempts), calls, pace)
	}
}
