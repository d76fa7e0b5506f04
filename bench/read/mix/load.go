package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"
)

// shot is one request to send: its path (an index into the plan's URL table, or the bare
// page), the credential it carries and what the report files it under.
type shot struct {
	url   uint32
	cred  *credential
	class uint8
	key   uint64 // what the portal's read cache would consider the same request
}

// picker chooses the next request; each worker has its own rand.
type picker func(r *rand.Rand) shot

// rec is one completed request.
type rec struct {
	start  int64 // ns since the round began
	lat    int32 // µs
	status int16 // HTTP status; -1 a transport error
	class  uint8
	key    uint64
}

// bareClass marks the bare page's requests.
const bareClass = 255

// loader sends closed-loop load: conns workers, each with one keep-alive connection,
// issuing a request as soon as the previous one is answered (as wrk does).
type loader struct {
	base  string // the portal
	bare  string // the bare page's URL
	paths []string
	hc    *http.Client
	conns int
	seed  uint64
}

func newLoader(base, bare string, paths []string, conns int, seed uint64) *loader {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		IdleConnTimeout: 5 * time.Minute, DisableCompression: true}
	return &loader{base: base, bare: bare, paths: paths, conns: conns, seed: seed,
		hc: &http.Client{Transport: tr, Timeout: 60 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// round is what one round measured.
type round struct {
	recs    []rec
	elapsed time.Duration
	samples []string // the first failures, for the report
}

// run sends load for d, then lets the requests in flight finish (rather than cancel them:
// a cancelled request is no answer and would only make the portal log a cancellation).
func (l *loader) run(ctx context.Context, d time.Duration, pick picker) round {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		out     round
		lastEnd time.Duration
	)
	start := time.Now()
	deadline := start.Add(d)
	l.seed++
	for w := range l.conns {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(l.seed, uint64(w)))
			recs := make([]rec, 0, 4096)
			var samples []string
			for ctx.Err() == nil && time.Now().Before(deadline) {
				s := pick(r)
				target := l.bare
				if s.class != bareClass {
					target = l.base + l.paths[s.url]
				}
				req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, target, nil)
				if err != nil {
					panic(err)
				}
				if s.cred != nil {
					req.Header.Set(s.cred.Header, s.cred.Value)
				}
				t0 := time.Now()
				resp, err := l.hc.Do(req)
				status := -1
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				lat := time.Since(t0)
				if (err != nil || status < 200 || status > 299) && len(samples) < 3 {
					who := ""
					if s.cred != nil {
						who = " as " + s.cred.User
					}
					samples = append(samples, fmt.Sprintf("%s%s: status %d %v", target, who, status, err))
				}
				recs = append(recs, rec{start: int64(t0.Sub(start)), lat: int32(lat.Microseconds()), status: int16(status), class: s.class, key: s.key})
			}
			end := time.Since(start)
			mu.Lock()
			out.recs = append(out.recs, recs...)
			out.samples = append(out.samples, samples...)
			lastEnd = max(lastEnd, end)
			mu.Unlock()
		})
	}
	wg.Wait()
	out.elapsed = lastEnd
	return out
}

// stats sums rounds of one target (or one class within the mix).
type stats struct {
	n, errs  int
	elapsed  time.Duration
	lats     []int32
	rounds   []float64 // req/s of each round
	shares   []float64 // of the paired bare round, each round
	bareN    int
	bareTime time.Duration
	distinct map[uint64]bool
	repeats  int // requests whose key was requested within the cache's 2 s before
	samples  []string
	codes    map[int]int
	// CPU time the server side spent in the rounds (cpu.go), and their requests.
	cpuApp, cpuDB time.Duration
	cpuReqs       int
}

func newStats() *stats { return &stats{distinct: map[uint64]bool{}, codes: map[int]int{}} }

// add files a round's records of class c (any class when c < 0).
func (s *stats) add(r round, c int) {
	last := map[uint64]int64{}
	recs := r.recs
	sort.Slice(recs, func(i, j int) bool { return recs[i].start < recs[j].start })
	n := 0
	for _, x := range recs {
		if c >= 0 && int(x.class) != c {
			continue
		}
		n++
		s.lats = append(s.lats, x.lat)
		if x.status < 200 || x.status > 299 {
			s.errs++
			s.codes[int(x.status)]++
		}
		if x.class != bareClass {
			s.distinct[x.key] = true
			if t, ok := last[x.key]; ok && x.start-t < int64(2*time.Second) {
				s.repeats++
			}
			last[x.key] = x.start
		}
	}
	s.n += n
	s.elapsed += r.elapsed
	s.rounds = append(s.rounds, float64(n)/r.elapsed.Seconds())
	if len(s.samples) < 5 {
		s.samples = append(s.samples, r.samples...)
	}
}

func (s *stats) rps() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.n) / s.elapsed.Seconds()
}

// pct is the p-th percentile latency in ms.
func (s *stats) pct(p float64) float64 {
	if len(s.lats) == 0 {
		return 0
	}
	l := s.lats
	if !sort.SliceIsSorted(l, func(i, j int) bool { return l[i] < l[j] }) {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	i := int(float64(len(l))*p+0.999999) - 1
	return float64(l[min(max(i, 0), len(l)-1)]) / 1000
}

func (s *stats) errRate() float64 {
	if s.n == 0 {
		return 1
	}
	return float64(s.errs) / float64(s.n)
}

// share is the target's req/s over its paired bare rounds' req/s.
func (s *stats) share() float64 {
	if s.bareN == 0 || s.elapsed <= 0 {
		return 0
	}
	return s.rps() / (float64(s.bareN) / s.bareTime.Seconds())
}
