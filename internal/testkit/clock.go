package testkit

import (
	"sync"
	"time"
)

// Start is where a standing clock starts: a fixed instant, so that tests of dates and
// code steps are reproducible.
var Start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// Clock is the fake clock of a test. A standing clock (NewClock) reads the same instant
// until the test advances it; a running clock (NewRunningClock) follows the wall clock
// shifted by what the test advanced, for tests that also wait on real timers (job
// runners, lock leases). Safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	base    time.Time // standing: the instant; running: unused
	off     time.Duration
	running bool
}

// NewClock is a standing clock at t (zero: Start).
func NewClock(t time.Time) *Clock {
	if t.IsZero() {
		t = Start
	}
	return &Clock{base: t}
}

// NewRunningClock is a clock that runs with the wall clock.
func NewRunningClock() *Clock { return &Clock{running: true} }

// Now reads the clock; pass the method value where a func() time.Time is wanted.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return time.Now().Add(c.off)
	}
	return c.base.Add(c.off)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}
