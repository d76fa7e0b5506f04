package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func newFlags(name string) *flag.FlagSet { return flag.NewFlagSet(name, flag.ContinueOnError) }

// target is what one kind of round sends: the whole mix, or one class alone.
type target struct {
	name  string
	class int // -1: the mix
	pick  picker
}

// maxErrorRate fails the run: more non-2xx answers than this share of a target's.
const maxErrorRate = 0.005

func run(ctx context.Context, args []string) error {
	fs := newFlags("run")
	base := fs.String("base", "http://127.0.0.1:18080", "portal base URL")
	bare := fs.String("bare", "http://127.0.0.1:18081/", "the bare html/template page (bench/read/bare)")
	sessFile := fs.String("sessions", "", "sessions file: user<TAB>scope<TAB>Cookie header value")
	tokFile := fs.String("tokens", "", "tokens file: user<TAB>scope<TAB>API token")
	connList := fs.String("conns", "8,64", "connection counts, each a full set of rounds")
	rounds := fs.Int("rounds", 3, "rounds of each target (each paired with a round of the bare page)")
	roundDur := fs.Duration("round", 10*time.Second, "length of one round")
	classList := fs.String("classes", "all", "classes run alone besides the mix (comma-separated, all, or none)")
	seed := fs.Uint64("seed", 1, "seed of the URLs drawn and the order they are sent in")
	pid := fs.Int("pid", 0, "the portal's process id, for its peak RSS and CPU time (0: not measured)")
	barePid := fs.Int("bare-pid", 0, "the bare page's process id, for its CPU time")
	pgDB := fs.String("pg-db", "", "the portal's Postgres database, whose backends' CPU time counts with the portal's")
	slowestOut := fs.String("slowest-out", "", "file to write the name of the class with the lowest share of bare to")
	profClass := fs.String("profile", "", "instead of the rounds: send this class alone at 8 connections while taking a CPU profile")
	pprofURL := fs.String("pprof", "", "with -profile: base URL of the portal's bench-only pprof listener")
	profOut := fs.String("profile-out", "", "with -profile: file for the CPU profile")
	profSecs := fs.Int("profile-seconds", 10, "with -profile: length of the profile")
	profStarted := fs.String("profile-started", "", "with -profile: file created when the profiled load starts (for samplers beside it)")
	label := fs.String("label", "", "heading of the report (e.g. the database)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}
	sessions, err := readCredentials(*sessFile, "Cookie")
	if err != nil {
		return err
	}
	tokens, err := readCredentials(*tokFile, "Authorization")
	if err != nil {
		return err
	}
	var conns []int
	for _, c := range strings.Split(*connList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return fmt.Errorf("-conns: bad count %q", c)
		}
		conns = append(conns, n)
	}
	rng := rand.New(rand.NewPCG(*seed, 16))
	f := newFetcher(*base)
	p, err := discover(ctx, f, sessions, tokens, rng, logf)
	if err != nil {
		return err
	}
	if err := p.check(ctx, f, rng); err != nil {
		return err
	}
	logf("discovery: %d distinct URLs", len(p.urls.paths))
	var meter *cpuMeter
	if *pid > 0 {
		meter = &cpuMeter{portal: *pid, bare: *barePid, db: *pgDB}
	}
	if *profClass != "" {
		ci := classIndex(*profClass)
		if ci < 0 || *pprofURL == "" || *profOut == "" {
			return fmt.Errorf("-profile: want a class name, -pprof and -profile-out")
		}
		logf("profiling class %s at 8 connections for %d s", *profClass, *profSecs)
		return profile(ctx, *pprofURL, *profOut, *profStarted, *profSecs, newLoader(f.base, *bare, p.urls.paths, 8, *seed), p.classPicker(ci), meter)
	}

	targets := []target{{name: "mix", class: -1, pick: p.mixPicker()}}
	for c := range nClasses {
		if wanted(*classList, classNames[c]) {
			targets = append(targets, target{name: classNames[c], class: c, pick: p.classPicker(c)})
		}
	}
	barePick := func(*rand.Rand) shot { return shot{class: bareClass} }

	var rss *rssWatch
	if *pid > 0 {
		if rss, err = watchRSS(*pid); err != nil {
			return err
		}
	}
	rep := &report{label: *label, db: *pgDB != "", rounds: *rounds, round: *roundDur, distinct: len(p.urls.paths), sessions: sessions, tokens: tokens}
	for _, n := range conns {
		lv := level{conns: n, load0: loadavg(), byTarget: map[string]*stats{}, bare: newStats()}
		for c := range nClasses {
			lv.inMix[c] = newStats()
		}
		l := newLoader(f.base, *bare, p.urls.paths, n, *seed*1000+uint64(n))
		logf("%d connections: warming up", n)
		l.run(ctx, 2*time.Second, barePick)
		l.run(ctx, 3*time.Second, targets[0].pick)
		for r := range *rounds {
			for _, t := range targets {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				st := lv.byTarget[t.name]
				if st == nil {
					st = newStats()
					lv.byTarget[t.name] = st
					lv.order = append(lv.order, t.name)
				}
				b := metered(meter, lv.bare, true, func() round { return l.run(ctx, *roundDur, barePick) })
				m := metered(meter, st, false, func() round { return l.run(ctx, *roundDur, t.pick) })
				lv.bare.add(b, -1)
				st.add(m, -1)
				st.bareN += len(b.recs)
				st.bareTime += b.elapsed
				st.shares = append(st.shares, (float64(len(m.recs))/m.elapsed.Seconds())/(float64(len(b.recs))/b.elapsed.Seconds()))
				if t.class < 0 {
					for c := range nClasses {
						lv.inMix[c].add(m, c)
					}
				}
				logf("%d conns, round %d/%d, %s: %.0f req/s (bare %.0f), %d errors", n, r+1, *rounds, t.name,
					float64(len(m.recs))/m.elapsed.Seconds(), float64(len(b.recs))/b.elapsed.Seconds(), st.errs)
			}
		}
		lv.load1 = loadavg()
		l.hc.CloseIdleConnections()
		rep.levels = append(rep.levels, lv)
	}
	if rss != nil {
		rep.rss = rss.stop()
	}
	if *slowestOut != "" {
		if err := os.WriteFile(*slowestOut, []byte(rep.slowest()+"\n"), 0o644); err != nil {
			return err
		}
	}
	rep.write(os.Stdout)
	return rep.verdict()
}

func wanted(list, name string) bool {
	switch list {
	case "all":
		return true
	case "none", "":
		return false
	}
	for _, c := range strings.Split(list, ",") {
		if strings.TrimSpace(c) == name {
			return true
		}
	}
	return false
}

func classIndex(name string) int {
	for c := range nClasses {
		if classNames[c] == name {
			return c
		}
	}
	return -1
}

// pickFrom sends class c of a random session (a random token for the API), from the
// pool of the group that session belongs to.
func (p *plan) pickFrom(r *rand.Rand, c int) shot {
	if c == clAPI {
		t := r.IntN(len(p.tokens))
		g := p.groups[p.tokGroup[t]]
		pool := g.pools[clAPI]
		if len(pool) == 0 {
			pool = p.groups[0].pools[clAPI]
		}
		u := pool[r.IntN(len(pool))]
		return shot{url: u, cred: &p.tokens[t], class: clAPI, key: uint64(p.tokGroup[t])<<32 | uint64(u)}
	}
	el := p.eligible[c]
	s := el[r.IntN(len(el))]
	gi := p.groupOf[s]
	pool := p.groups[gi].pools[c]
	u := pool[r.IntN(len(pool))]
	key := uint64(gi)<<32 | uint64(u)
	if c == clDashboard { // the dashboard's counters are cached per user
		key = 1<<63 | uint64(s)<<32 | uint64(u)
	}
	return shot{url: u, cred: &p.sessions[s], class: uint8(c), key: key}
}

func (p *plan) classPicker(c int) picker { return func(r *rand.Rand) shot { return p.pickFrom(r, c) } }

func (p *plan) mixPicker() picker {
	total := 0
	for _, w := range mixWeights {
		total += w
	}
	return func(r *rand.Rand) shot {
		x := r.IntN(total)
		for c, w := range mixWeights {
			if x < w {
				return p.pickFrom(r, c)
			}
			x -= w
		}
		panic("unreachable")
	}
}

// check requests a few URLs of every class and group with each of the group's
// credentials: each must answer 200 before any load is sent.
func (p *plan) check(ctx context.Context, f *fetcher, rng *rand.Rand) error {
	if len(p.tokens) == 0 {
		return fmt.Errorf("no API token")
	}
	for c := range nClasses {
		p.eligible[c] = nil
		for s, gi := range p.groupOf {
			if len(p.groups[gi].pools[c]) > 0 {
				p.eligible[c] = append(p.eligible[c], s)
			}
		}
		if c != clAPI && len(p.eligible[c]) == 0 {
			return fmt.Errorf("class %s: no URL for any session", classNames[c])
		}
	}
	for _, g := range p.groups {
		for c := range nClasses {
			pool := g.pools[c]
			creds := g.sessions
			list := p.sessions
			if c == clAPI {
				creds, list = g.tokens, p.tokens
			}
			if len(creds) == 0 {
				continue
			}
			if len(pool) == 0 {
				continue // e.g. no second page: the group's sessions send other classes only
			}
			for _, ci := range creds {
				for range 3 {
					if _, err := f.get(ctx, p.urls.paths[pool[rng.IntN(len(pool))]], list[ci]); err != nil {
						return fmt.Errorf("%s, class %s: %w", g.name, classNames[c], err)
					}
				}
			}
		}
	}
	return nil
}

// profile sends class c alone while the portal's pprof listener takes a CPU profile.
func profile(ctx context.Context, pprofURL, out, started string, secs int, l *loader, pick picker, meter *cpuMeter) error {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get(strings.TrimRight(pprofURL, "/") + "/debug/pprof/profile?seconds=" + strconv.Itoa(secs))
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("pprof: %d %s", resp.StatusCode, b)
		}
		done <- result{b, err}
	}()
	if started != "" {
		if err := os.WriteFile(started, nil, 0o644); err != nil {
			return err
		}
	}
	s := newStats()
	r := metered(meter, s, false, func() round { return l.run(ctx, time.Duration(secs)*time.Second, pick) })
	res := <-done
	if res.err != nil {
		return res.err
	}
	s.add(r, -1)
	cpu := ""
	if meter != nil {
		cpu = fmt.Sprintf("; the portal used %.1f CPU-s", s.cpuApp.Seconds())
		if meter.db != "" {
			cpu += fmt.Sprintf(", its Postgres backends %.1f CPU-s", s.cpuDB.Seconds())
		}
		cpu += fmt.Sprintf(" (%s ms per request)", cpuCell(s, meter.db != ""))
	}
	fmt.Printf("%.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors of %d%s\n", s.rps(), s.pct(.5), s.pct(.99), s.errs, s.n, cpu)
	return os.WriteFile(out, res.b, 0o644)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
