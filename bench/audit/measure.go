package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/store"
)

type row struct{ name, figure, target, status string }

type results struct{ rows []row }

func (r *results) add(name, figure, target string, ok *bool) {
	status := ""
	if ok != nil {
		status = "not met"
		if *ok {
			status = "met"
		}
	}
	r.rows = append(r.rows, row{name, figure, target, status})
	fmt.Printf("  %s: %s\n", name, figure)
}

func (r *results) print(w io.Writer, o options) {
	fmt.Fprintf(w, "\nAudit trail, %d events, %d actors over %d days (Go %s, %d CPU)\n\n", o.events, o.actors, o.days,
		runtime.Version(), runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tresult\ttarget\tstatus")
	for _, x := range r.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.name, x.figure, x.target, x.status)
	}
	tw.Flush()
}

func ptr(b bool) *bool { return &b }

// latencies runs q n times (after a few warm-up runs) and returns the sorted durations.
func latencies(n int, q func(k int) error) ([]time.Duration, error) {
	for k := range 5 {
		if err := q(k); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, n)
	for k := range n {
		t := time.Now()
		if err := q(k); err != nil {
			return nil, err
		}
		out[k] = time.Since(t)
	}
	slices.Sort(out)
	return out, nil
}

func pct(d []time.Duration, p float64) time.Duration {
	i := int(float64(len(d))*p+0.5) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func summary(d []time.Duration) string {
	return fmt.Sprintf("p50 %s / p95 %s / p99 %s / max %s ms (%d runs)", ms(pct(d, .50)), ms(pct(d, .95)), ms(pct(d, .99)), ms(d[len(d)-1]), len(d))
}

func measureSearch(ctx context.Context, db *store.DB, d *dataset, others bool, res *results) error {
	fmt.Println("search…")
	rng := rand.New(rand.NewPCG(d.seed, 2))
	week := 7 * 24 * time.Hour
	var empty int
	main, err := latencies(d.runs, func(int) error {
		name, _ := d.actor(rng.IntN(d.actors))
		span := d.end.Sub(d.start) - week
		until := d.start.Add(week + time.Duration(rng.Int64N(int64(span)))).Truncate(time.Microsecond)
		evs, err := db.ListAudit(ctx, store.AuditFilter{ActorName: name, Since: until.Add(-week), Until: until, Limit: 50})
		if len(evs) == 0 {
			empty++
		}
		return err
	})
	if err != nil {
		return err
	}
	if empty > 0 {
		return fmt.Errorf("search: %d runs found nothing: the data set does not match the queries", empty)
	}
	res.add("search: actor + 7-day window, first page (50)", summary(main), "p95 ≤ 50 ms", ptr(pct(main, .95) <= 50*time.Millisecond))

	if !others {
		return nil
	}
	filters := []struct {
		name string
		f    func() store.AuditFilter
	}{
		{"search: action only, first page", func() store.AuditFilter {
			return store.AuditFilter{Action: actions[rng.IntN(len(actions))].action}
		}},
		{"search: target type + id, first page", func() store.AuditFilter {
			e := d.event(1 + rng.Int64N(d.n))
			return store.AuditFilter{TargetType: e.TargetType, TargetID: e.TargetID}
		}},
		{"search: request id", func() store.AuditFilter {
			return store.AuditFilter{RequestID: d.requestID(1 + rng.Int64N(d.n))}
		}},
		{"search: text in details, 1-day window", func() store.AuditFilter {
			i := 1 + rng.Int64N(d.n)
			e := d.event(i)
			return store.AuditFilter{Text: e.TargetType + "-" + e.TargetID, Since: e.Time.Add(-12 * time.Hour), Until: e.Time.Add(12 * time.Hour)}
		}},
	}
	for _, o := range filters {
		l, err := latencies(50, func(int) error {
			evs, err := db.ListAudit(ctx, o.f())
			if err == nil && len(evs) == 0 {
				return fmt.Errorf("%s found nothing", o.name)
			}
			return err
		})
		if err != nil {
			return err
		}
		res.add(o.name, summary(l), "(information)", nil)
	}
	return nil
}

func measureVerify(ctx context.Context, db *store.DB, n int64, res *results) error {
	fmt.Println("verify…")
	t := time.Now()
	v, err := db.VerifyAuditRange(ctx, 0, 0, nil)
	if err != nil {
		return err
	}
	el := time.Since(t)
	if !v.OK || v.Checked != n {
		return fmt.Errorf("verify: the seeded chain is not valid: %+v", v)
	}
	rate := float64(v.Checked) / el.Seconds()
	res.add("verify: store.VerifyAuditRange, whole chain", fmt.Sprintf("%.0f events/s (%s)", rate, el.Round(time.Millisecond)),
		"≥ 300,000 events/s", ptr(rate >= 300_000))

	s, err := audit.NewSigner(make([]byte, 32))
	if err != nil {
		return err
	}
	if _, err := s.Checkpoint(ctx, db); err != nil {
		return err
	}
	t = time.Now()
	r, err := s.Verify(ctx, db, nil)
	if err != nil {
		return err
	}
	el = time.Since(t)
	if !r.OK || r.Checkpoints == 0 {
		return fmt.Errorf("signer verify: %+v", r)
	}
	rate = float64(r.Checked) / el.Seconds()
	res.add("verify: audit.Signer.Verify (chain + checkpoints)", fmt.Sprintf("%.0f events/s (%s)", rate, el.Round(time.Millisecond)),
		"≥ 300,000 events/s", ptr(rate >= 300_000))
	return nil
}

// heapSampler records the peak HeapAlloc while an export runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	h.wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > h.peak.Load() {
				h.peak.Store(m.HeapAlloc)
			}
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	})
	return h
}

func (h *heapSampler) done() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak.Load()
}

func mib(b uint64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func measureExport(ctx context.Context, db *store.DB, o options, res *results) error {
	fmt.Println("export…")
	f := store.AuditFilter{Ascending: true} // what the export handler streams
	want := o.events
	if o.exportRows > 0 && o.exportRows < o.events {
		f.AfterID, want = o.events-o.exportRows, o.exportRows
	}
	formats := []struct {
		name string
		run  func(w io.Writer, rows *int64, halfPeak *uint64) error
	}{
		{"csv", func(w io.Writer, rows *int64, halfPeak *uint64) error {
			cw, err := export.New(export.CSV, w, "audit")
			if err != nil {
				return err
			}
			if err := cw.Header("id", "time_utc", "actor", "actor_id", "ip", "user_agent", "request_id", "action",
				"target_type", "target_id", "outcome", "details", "prev_hash", "hash"); err != nil {
				return err
			}
			err = db.StreamAudit(ctx, f, func(e store.AuditEvent) error {
				*rows++
				if *rows == want/2 {
					*halfPeak = heapSampleNow()
				}
				actorID := ""
				if e.ActorID != nil {
					actorID = strconv.FormatInt(*e.ActorID, 10)
				}
				t := e.Time.UTC()
				return cw.Row(export.Int(e.ID), export.Time(&t, time.UTC), export.Text(e.ActorName), export.Text(actorID),
					export.Text(e.IP), export.Text(e.UserAgent), export.Text(e.RequestID), export.Text(e.Action),
					export.Text(e.TargetType), export.Text(e.TargetID), export.Text(e.Outcome), export.Text(string(e.Details)),
					export.Text(e.PrevHash), export.Text(e.Hash))
			})
			if err != nil {
				return err
			}
			return cw.Close()
		}},
		{"jsonl", func(w io.Writer, rows *int64, halfPeak *uint64) error {
			enc := json.NewEncoder(w)
			return db.StreamAudit(ctx, f, func(e store.AuditEvent) error {
				*rows++
				if *rows == want/2 {
					*halfPeak = heapSampleNow()
				}
				// as internal/web apiEvent (apiEventJSON)
				return enc.Encode(apiEventJSON{
					ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano), Actor: e.ActorName, ActorID: e.ActorID,
					IP: e.IP, UserAgent: e.UserAgent, RequestID: e.RequestID, Action: e.Action,
					TargetType: e.TargetType, TargetID: e.TargetID, Outcome: e.Outcome,
					Details: json.RawMessage(e.Details), Hash: e.Hash, PrevHash: e.PrevHash,
				})
			})
		}},
	}
	for _, fm := range formats {
		before := heapNow()
		h := startHeapSampler()
		var rows int64
		var half uint64
		cw := &countingWriter{}
		t := time.Now()
		if err := fm.run(cw, &rows, &half); err != nil {
			return err
		}
		el := time.Since(t)
		peak := h.done()
		if rows != want {
			return fmt.Errorf("export %s: %d rows, want %d", fm.name, rows, want)
		}
		rate := float64(rows) / el.Seconds()
		res.add("export: StreamAudit → "+fm.name+", io.Discard",
			fmt.Sprintf("%.0f rows/s (%d rows, %s, %.0f MB/s)", rate, rows, el.Round(time.Millisecond), float64(cw.n)/el.Seconds()/1e6),
			"≥ 50,000 rows/s", ptr(rate >= 50_000))
		res.add("export: "+fm.name+" heap", fmt.Sprintf("before %s, at half-way %s, peak %s, after %s", mib(before), mib(half), mib(peak), mib(heapNow())),
			"flat", nil)
	}
	return nil
}

func heapSampleNow() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// apiEventJSON mirrors internal/web's apiEventJSON (unexported there), which the JSON
// Lines export encodes.
type apiEventJSON struct {
	Action     string          `json:"action"`
	Actor      string          `json:"actor"`
	ActorID    *int64          `json:"actor_id"`
	Details    json.RawMessage `json:"details"`
	Hash       string          `json:"hash"`
	ID         int64           `json:"id"`
	IP         string          `json:"ip"`
	Outcome    string          `json:"outcome"`
	PrevHash   string          `json:"prev_hash"`
	RequestID  string          `json:"request_id"`
	TargetID   string          `json:"target_id"`
	TargetType string          `json:"target_type"`
	Time       string          `json:"time"`
	UserAgent  string          `json:"user_agent"`
}
