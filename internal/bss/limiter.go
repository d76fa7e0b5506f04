package bss

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per operation (the upstream's flow control is per API and
// caller: so many calls within any second). When the upstream says "too many requests" the
// bucket halves its rate; once a whole second has passed without a refusal, it wins back a
// tenth of the configured rate per second, so the client settles just under whatever the
// upstream currently allows.
//
// Both steps are taken at most once per second, the length of the upstream's window: the
// calls already on their way when the first refusal comes back were sent at the old rate,
// and their refusals say nothing new. Halving on each of them (16 in flight) took the rate
// to the floor, where waiting callers ran out of time before their turn and failed
// without a call; growing on each success undid a halving within a tenth of a second.
type limiter struct {
	mu      sync.Mutex
	base    float64
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	lim       *rate.Limiter
	ceiling   float64
	halvedAt  time.Time
	refusedAt time.Time // the last refusal, halved for or not
	grownAt   time.Time
}

// minRate is the floor of the backed-off rate: one call every two seconds.
const minRate = 0.5

// window is the upstream's flow-control window.
const window = time.Second

// operations with a lower documented limit (stored-value cards: 5/s) run at half speed.
var halfRate = map[string]bool{opListStoredValueCards: true}

func newLimiter(perSecond float64) *limiter {
	return &limiter{base: perSecond, buckets: map[string]*bucket{}, now: time.Now}
}

// bucket returns op's bucket; the caller holds l.mu.
func (l *limiter) bucket(op string) *bucket {
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
	l.mu.Lock()
	b := l.bucket(op)
	l.mu.Unlock()
	return b.lim.Wait(ctx)
}

func (l *limiter) throttled(op string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, now := l.bucket(op), l.now()
	b.refusedAt = now
	if now.Sub(b.halvedAt) < window {
		return
	}
	b.halvedAt = now
	b.lim.SetLimitAt(now, rate.Limit(max(float64(b.lim.Limit())/2, minRate)))
}

func (l *limiter) succeeded(op string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, now := l.bucket(op), l.now()
	cur := float64(b.lim.Limit())
	if cur >= b.ceiling || now.Sub(b.refusedAt) < window || now.Sub(b.grownAt) < window {
		return
	}
	b.grownAt = now
	b.lim.SetLimitAt(now, rate.Limit(min(cur+b.ceiling/10, b.ceiling)))
}

// current is the bucket's rate now, for tests and metrics.
func (l *limiter) current(op string) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return float64(l.bucket(op).lim.Limit())
}
