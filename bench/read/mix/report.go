package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// level is one connection count's rounds.
type level struct {
	conns        int
	load0, load1 string
	bare         *stats
	byTarget     map[string]*stats
	order        []string
	inMix        [nClasses]*stats
}

type report struct {
	label    string
	db       bool // Postgres: the CPU column adds the backends'
	rounds   int
	round    time.Duration
	distinct int
	sessions []credential
	tokens   []credential
	levels   []level
	rss      rssResult
}

func (r *report) write(w io.Writer) {
	users := func(cs []credential) string {
		var out []string
		for _, c := range cs {
			s := c.User
			if c.scoped() {
				s += " (scoped)"
			}
			out = append(out, s)
		}
		return strings.Join(out, ", ")
	}
	fmt.Fprintf(w, "### %s\n\n", r.label)
	cpuWhat := "the portal's"
	if r.db {
		cpuWhat = "the portal's + its Postgres backends'"
	}
	fmt.Fprintf(w, "%d sessions (%s); API tokens: %s. %d distinct URLs. Each target: %d × %s rounds, each right after a %s round of the bare page on the same connections; \"of bare\" is the target's req/s over those bare rounds' (min–max of the rounds in brackets). CPU ms/req: %s CPU time per request (the bare page's server's for bare), from /proc.\n\n",
		len(r.sessions), users(r.sessions), users(r.tokens), r.distinct, r.rounds, r.round, r.round, cpuWhat)
	for _, lv := range r.levels {
		fmt.Fprintf(w, "**%d connections** (load average before / after: %s / %s)\n\n", lv.conns, lv.load0, lv.load1)
		fmt.Fprintln(w, "| target | req/s | p50 ms | p99 ms | errors | of bare | CPU ms/req | distinct URLs | repeated within 2 s |")
		fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		b := lv.bare
		fmt.Fprintf(w, "| bare html/template, 25 rows | %.0f | %.2f | %.2f | %s | 100 %% | %s | 1 | — |\n", b.rps(), b.pct(.5), b.pct(.99), errCell(b), cpuCell(b, false))
		for _, name := range lv.order {
			s := lv.byTarget[name]
			lo, hi := minMax(s.shares)
			label := "**mix** (all classes)"
			if name != "mix" {
				label = name
			}
			fmt.Fprintf(w, "| %s | %.0f | %.2f | %.2f | %s | **%.1f %%** (%.1f–%.1f) | %s | %d | %.0f %% |\n", label, s.rps(), s.pct(.5), s.pct(.99), errCell(s),
				100*s.share(), 100*lo, 100*hi, cpuCell(s, r.db), len(s.distinct), 100*float64(s.repeats)/float64(max(s.n, 1)))
		}
		fmt.Fprintln(w)
		if _, ok := lv.byTarget["mix"]; ok {
			fmt.Fprintf(w, "Within the mix at %d connections:\n\n", lv.conns)
			fmt.Fprintln(w, "| class | weight | requests | p50 ms | p99 ms | errors |")
			fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: |")
			for c := range nClasses {
				s := lv.inMix[c]
				fmt.Fprintf(w, "| %s | %d %% | %d | %.2f | %.2f | %s |\n", classNames[c], mixWeights[c], s.n, s.pct(.5), s.pct(.99), errCell(s))
			}
			fmt.Fprintln(w)
		}
	}
	if r.rss.samples > 0 {
		fmt.Fprintf(w, "Portal RSS during the rounds: peak %.0f MB (VmHWM, reset before the first round), highest sample %.0f MB, last %.0f MB (%d samples); since its start, before the rounds: peak %.0f MB.\n\n",
			mb(r.rss.peak), mb(r.rss.maxSample), mb(r.rss.last), r.rss.samples, mb(r.rss.before))
	}
	fmt.Fprintln(w, "Classes:")
	fmt.Fprintln(w)
	for c := range nClasses {
		fmt.Fprintf(w, "- %s — %s\n", classNames[c], classWhat[c])
	}
	fmt.Fprintln(w)
	for _, lv := range r.levels {
		for _, name := range lv.order {
			if s := lv.byTarget[name]; s.errs > 0 {
				fmt.Fprintf(w, "Failures of %s at %d connections: %v; e.g. %s\n\n", name, lv.conns, s.codes, strings.Join(s.samples, "; "))
			}
		}
	}
}

func errCell(s *stats) string {
	if s.errs == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%.2f %%)", s.errs, 100*s.errRate())
}

func minMax(v []float64) (float64, float64) {
	if len(v) == 0 {
		return 0, 0
	}
	return slices.Min(v), slices.Max(v)
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

// slowest is the class run alone with the lowest share of bare, over every level.
func (r *report) slowest() string {
	best, low := "", 0.0
	for _, lv := range r.levels {
		for _, name := range lv.order {
			if name == "mix" {
				continue
			}
			if s := lv.byTarget[name].share(); best == "" || s < low {
				best, low = name, s
			}
		}
	}
	if best == "" {
		return classNames[clSearch]
	}
	return best
}

// verdict fails the run when any target, or class within the mix, answered more than
// maxErrorRate of its requests with something other than 2xx.
func (r *report) verdict() error {
	var bad []string
	for _, lv := range r.levels {
		for _, name := range lv.order {
			if s := lv.byTarget[name]; s.errRate() > maxErrorRate {
				bad = append(bad, fmt.Sprintf("%s at %d connections: %d of %d (%v)", name, lv.conns, s.errs, s.n, s.codes))
			}
		}
		for c := range nClasses {
			if s := lv.inMix[c]; s != nil && s.n > 0 && s.errRate() > maxErrorRate {
				bad = append(bad, fmt.Sprintf("%s within the mix at %d connections: %d of %d", classNames[c], lv.conns, s.errs, s.n))
			}
		}
	}
	if len(bad) > 0 {
		return errors.New("FAILED: more than 0.5 % non-2xx answers: " + strings.Join(bad, "; "))
	}
	return nil
}

// rssWatch samples a process's resident set while the rounds run.
type rssWatch struct {
	pid  int
	done chan struct{}
	wg   sync.WaitGroup
	res  rssResult
}

type rssResult struct {
	before, peak, maxSample, last int64 // kB
	samples                       int
}

// watchRSS notes the process's peak so far, resets it (clear_refs 5: the kernel's peak
// RSS counter starts again from the current RSS) so that the peak read at the end is the
// rounds' own, and samples VmRSS every 250 ms as a cross-check.
func watchRSS(pid int) (*rssWatch, error) {
	w := &rssWatch{pid: pid, done: make(chan struct{})}
	before, err := procStatus(pid, "VmHWM")
	if err != nil {
		return nil, err
	}
	w.res.before = before
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		fmt.Fprintf(os.Stderr, "mix: cannot reset the peak RSS (%v): the peak includes the start\n", err)
	}
	w.wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
				if v, err := procStatus(pid, "VmRSS"); err == nil {
					w.res.maxSample = max(w.res.maxSample, v)
					w.res.last = v
					w.res.samples++
				}
			}
		}
	})
	return w, nil
}

func (w *rssWatch) stop() rssResult {
	close(w.done)
	w.wg.Wait()
	if v, err := procStatus(w.pid, "VmHWM"); err == nil {
		w.res.peak = v
	}
	return w.res
}

// procStatus reads one "Name: N kB" line of /proc/PID/status.
func procStatus(pid int, name string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, name)
}
