package sandbox

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Faults is what POST /_sandbox/faults accepts (CONTRACTS.md "Sandbox extras"), plus
// movement_ms. Probabilities are between 0 and 1. Paths, when set, limit the faults to
// requests whose path starts with one of them.
type Faults struct {
	LatencyMS        int      `json:"latency_ms"`
	ErrorRate        float64  `json:"error_rate"`
	Status           int      `json:"status"` // status of injected errors; 500 by default
	RateLimitPerS    float64  `json:"rate_limit_per_s"`
	DropResponseRate float64  `json:"drop_response_rate"` // applied but never answered
	MovementMS       int      `json:"movement_ms"`        // how long a money movement holds the master's slot
	Paths            []string `json:"paths"`
	// FlowControl replaces the sandbox's flow control (Options.FlowControl, Huawei's by
	// default) while these faults are set; absent keeps it. It is no fault but the real
	// upstream's behaviour, so clearing the faults brings the configured one back.
	FlowControl *FlowControl `json:"flow_control,omitempty"`
}

func (f Faults) valid() bool {
	return f.LatencyMS >= 0 && f.LatencyMS <= 60_000 && f.MovementMS >= 0 && f.MovementMS <= 60_000 &&
		f.ErrorRate >= 0 && f.ErrorRate <= 1 && f.DropResponseRate >= 0 && f.DropResponseRate <= 1 &&
		f.RateLimitPerS >= 0 && (f.Status == 0 || (f.Status >= 400 && f.Status <= 599)) &&
		(f.FlowControl == nil || f.FlowControl.valid())
}

type faults struct {
	mu      sync.Mutex
	cfg     Faults
	rng     *rand.Rand
	limiter *rate.Limiter
}

func newFaults(seed int64) *faults {
	return &faults{rng: rand.New(rand.NewPCG(uint64(seed), 0xfa017))}
}

type decision struct {
	latency time.Duration
	status  int
	drop    bool
}

func (f *faults) set(cfg Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = cfg
	f.limiter = nil
	if cfg.RateLimitPerS > 0 {
		f.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimitPerS), max(1, int(cfg.RateLimitPerS)))
	}
}

func (f *faults) get() Faults {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

func (f *faults) movementDelay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Duration(f.cfg.MovementMS) * time.Millisecond
}

func (f *faults) decide(path string, now time.Time) decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.cfg
	if len(c.Paths) > 0 {
		hit := false
		for _, p := range c.Paths {
			hit = hit || strings.HasPrefix(path, p)
		}
		if !hit {
			return decision{}
		}
	}
	d := decision{latency: time.Duration(c.LatencyMS) * time.Millisecond}
	switch {
	case f.limiter != nil && !f.limiter.AllowN(now, 1):
		d.status = http.StatusTooManyRequests
	case c.ErrorRate > 0 && f.rng.Float64() < c.ErrorRate:
		d.status = c.Status
		if d.status == 0 {
			d.status = http.StatusInternalServerError
		}
	case c.DropResponseRate > 0 && f.rng.Float64() < c.DropResponseRate:
		d.drop = true
	}
	return d
}
