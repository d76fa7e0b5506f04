package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// On a shared machine a process's throughput says as much about its neighbours as about
// itself; the CPU time it spends per request does not. cpuMeter reads, from /proc, the
// user + system time of the portal, of the bare page's server and of the portal's
// Postgres backends (found by their process title, "postgres: … USER DB HOST(PORT) …",
// each round, since the pool opens and closes them).
type cpuMeter struct {
	portal, bare int
	db           string // the portal's Postgres database; "" on SQLite (in the portal's own process)
}

// cpuSnap is the CPU time so far of each process measured, in clock ticks.
type cpuSnap map[int]int64

// clockTicks is USER_HZ, which /proc/PID/stat counts in: 100 on every Linux port Go runs on.
const clockTicks = 100

func (m *cpuMeter) snap(pids ...int) cpuSnap {
	s := cpuSnap{}
	for _, p := range pids {
		if p > 0 {
			if t, err := procTicks(p); err == nil {
				s[p] = t
			}
		}
	}
	return s
}

// backends are the processes serving m.db.
func (m *cpuMeter) backends() []int {
	if m.db == "" {
		return nil
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	want := []byte(" " + m.db + " ")
	var out []int
	for _, d := range dirs {
		b, err := os.ReadFile(d + "/cmdline")
		if err != nil || !bytes.HasPrefix(b, []byte("postgres: ")) || !bytes.Contains(b, want) {
			continue
		}
		if p, err := strconv.Atoi(filepath.Base(d)); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// since is the CPU time of the processes in now spent after was (all of it for a process
// started in between).
func since(was, now cpuSnap) time.Duration {
	var t int64
	for p, v := range now {
		t += v - was[p]
	}
	return time.Duration(t) * time.Second / clockTicks
}

// procTicks is utime + stime of /proc/PID/stat.
func procTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: count after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // field 14, utime
	s, err2 := strconv.ParseInt(f[12], 10, 64) // field 15, stime
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return u + s, nil
}

// metered runs one round and adds the CPU time the server side spent in it to st: the
// bare page's server for the bare page, the portal and its backends otherwise.
func metered(m *cpuMeter, st *stats, bare bool, run func() round) round {
	if m == nil {
		return run()
	}
	var p0, b0 cpuSnap
	if bare {
		p0 = m.snap(m.bare)
	} else {
		p0, b0 = m.snap(m.portal), m.snap(m.backends()...)
	}
	r := run()
	if bare {
		st.cpuApp += since(p0, m.snap(m.bare))
	} else {
		st.cpuApp += since(p0, m.snap(m.portal))
		st.cpuDB += since(b0, m.snap(m.backends()...))
	}
	st.cpuReqs += len(r.recs)
	return r
}

// cpuCell is the server side's CPU time per request, in ms: "app + database" on Postgres.
func cpuCell(s *stats, db bool) string {
	if s.cpuReqs == 0 {
		return "—"
	}
	app := float64(s.cpuApp.Microseconds()) / 1000 / float64(s.cpuReqs)
	if !db {
		return fmt.Sprintf("%.2f", app)
	}
	d := float64(s.cpuDB.Microseconds()) / 1000 / float64(s.cpuReqs)
	return fmt.Sprintf("%.2f + %.2f", app, d)
}
