package sandbox

import (
	"maps"
	"sync"
	"time"
)

// FlowControl is the upstream's flow control, which the sandbox enforces by default: at
// most PerS calls of one API within any second (10, as Huawei documents), the APIs listed
// in APIs at their own rate; the call past it is answered 429 CBC.0250 and not served.
// Only answered calls count: a refused one does not hold the window. An API is a method
// and a path pattern as routed, e.g. "GET /v2/promotions/benefits/stored-value-cards" or
// "GET /v1.0/{domain_id}/customer/account-mgr/retrieve-amount". The upstream counts per
// API and caller; the sandbox has one caller (its AK).
type FlowControl struct {
	Off  bool `json:"off"`
	PerS int  `json:"per_s"` // 0: DefaultPerS
	// APIs overrides PerS per API; nil (absent) means DefaultAPIs, an empty map none.
	APIs map[string]int `json:"apis,omitempty"`
}

// DefaultPerS is Huawei's documented default: 10 calls per second per API and caller.
const DefaultPerS = 10

// DefaultAPIs are the APIs Huawei documents with a rate of their own.
func DefaultAPIs() map[string]int {
	return map[string]int{
		"GET /v2/promotions/benefits/stored-value-cards": 5,
		"GET /v2/accounts/customer-accounts/balances":    20,
	}
}

// effective fills in the defaults.
func (fc FlowControl) effective() FlowControl {
	if fc.PerS == 0 {
		fc.PerS = DefaultPerS
	}
	if fc.APIs == nil {
		fc.APIs = DefaultAPIs()
	} else {
		fc.APIs = maps.Clone(fc.APIs)
	}
	return fc
}

func (fc FlowControl) valid() bool {
	if fc.PerS < 0 || fc.PerS > 100_000 {
		return false
	}
	for api, n := range fc.APIs {
		if api == "" || n < 1 || n > 100_000 {
			return false
		}
	}
	return true
}

// flowControl keeps, per API, the times of the calls answered within the last second.
type flowControl struct {
	mu      sync.Mutex
	cfg     FlowControl
	windows map[string][]time.Time
}

func newFlowControl(cfg FlowControl) *flowControl {
	f := &flowControl{}
	f.set(cfg)
	return f
}

func (f *flowControl) set(cfg FlowControl) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg, f.windows = cfg.effective(), map[string][]time.Time{}
}

func (f *flowControl) get() FlowControl {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.cfg
	out.APIs = maps.Clone(out.APIs)
	return out
}

// allow reports whether a call of api at now is within its flow control, and if so
// counts it.
func (f *flowControl) allow(api string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cfg.Off {
		return true
	}
	limit, ok := f.cfg.APIs[api]
	if !ok {
		limit = f.cfg.PerS
	}
	w := f.windows[api]
	cut := 0
	for cut < len(w) && !w[cut].After(now.Add(-time.Second)) {
		cut++
	}
	w = w[cut:]
	if len(w) >= limit {
		f.windows[api] = w
		return false
	}
	f.windows[api] = append(w, now)
	return true
}
