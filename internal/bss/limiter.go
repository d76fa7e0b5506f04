package bss

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per operation (the upstream's flow control is per API and
// caller). When the upstream says "too many requests" the bucket halves its rate; each
// success wins back a tenth of the configured rate, so the client settles just under
// whatever the upstream currently allows.
type limiter struct {
	mu      sync.Mutex
	base    float64
	buckets map[string]*bucket
}

type bucket struct {
	lim     *rate.Limiter
	ceiling float64
}

// minRate is the floor of the backed-off rate: one call every two seconds.
const minRate = 0.5

// operations with a lower documented limit (stored-value cards: 5/s) run at half speed.
var halfRate = map[string]bool{opListStoredValueCards: true}

func newLimiter(perSecond float64) *limiter {
	return &limiter{base: perSecond, buckets: map[string]*bucket{}}
}

func (l *limiter) bucket(op string) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[op]
	if !ok {
		ceiling := l.base
		if halfRate[op] {
			ceiling = l.base / 2
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(ceiling), 1), ceiling: ceiling}
		l.buckets[op] = b
	}
	return b
}

func (l *limiter) wait(ctx context.Context, op string) error {
	return l.bucket(op).lim.Wait(ctx)
}

func (l *limiter) throttled(op string) {
	b := l.bucket(op)
	b.lim.SetLimitAt(time.Now(), rate.Limit(max(float64(b.lim.Limit())/2, minRate)))
}

func (l *limiter) succeeded(op string) {
	b := l.bucket(op)
	if cur := float64(b.lim.Limit()); cur < b.ceiling {
		b.lim.SetLimitAt(time.Now(), rate.Limit(min(cur+b.ceiling/10, b.ceiling)))
	}
}

// current is the bucket's rate now, for tests and metrics.
func (l *limiter) current(op string) float64 { return float64(l.bucket(op).lim.Limit()) }
