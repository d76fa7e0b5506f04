package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ready times `portal serve` from its launch on a fresh, empty data dir (the embedded
// SQLite default in demo mode, as `go run ./cmd/portal` starts: no PORTAL_* variable but
// the data dir and address) to the first 200 of /healthz and of /readyz.
func ready(ctx context.Context, args []string) error {
	fs := newFlags("ready")
	bin := fs.String("bin", "", "the portal binary")
	subsList := fs.String("subs", "25,10000", "PORTAL_SANDBOX_SUB_ACCOUNTS values (25, the default, sets no variable)")
	runs := fs.Int("runs", 3, "starts of each configuration")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up on a start after this long")
	timeline := fs.Bool("timeline", false, "print the first start's log with each line's time since launch")
	cpuprofile := fs.String("cpuprofile", "", "with a -tags benchpprof build: write each configuration's first start's CPU profile to FILE.SUBS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" {
		return fmt.Errorf("-bin is required")
	}
	fmt.Println("| configuration (fresh data dir, demo mode) | /healthz 200 after: min · median · max | /readyz 200 after: min · median · max | goal ≤ 1 s |")
	fmt.Println("| --- | --- | --- | --- |")
	var timelines []string
	for _, field := range strings.Split(*subsList, ",") {
		subs, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || subs < 1 {
			return fmt.Errorf("-subs: bad value %q", field)
		}
		var hz, rz []time.Duration
		for i := range *runs {
			prof := ""
			if *cpuprofile != "" && i == 0 {
				prof = fmt.Sprintf("%s.%d", *cpuprofile, subs)
			}
			h, r, log, err := startOnce(ctx, *bin, subs, *timeout, prof)
			if err != nil {
				return err
			}
			hz, rz = append(hz, h), append(rz, r)
			if i == 0 && *timeline {
				timelines = append(timelines, fmt.Sprintf("%d sub-accounts, /readyz after %s:\n%s", subs, ms(r), log))
			}
		}
		slices.Sort(hz)
		slices.Sort(rz)
		verdict := "met"
		if rz[len(rz)/2] > time.Second {
			verdict = "**not met**"
		}
		name := "`portal serve`, SQLite in the data dir, sandbox of 25 sub-accounts (the default)"
		if subs != 25 {
			name = fmt.Sprintf("the same with `PORTAL_SANDBOX_SUB_ACCOUNTS=%d`", subs)
		}
		fmt.Printf("| %s | %s · %s · %s | %s · %s · %s | %s |\n", name, ms(hz[0]), ms(hz[len(hz)/2]), ms(hz[len(hz)-1]),
			ms(rz[0]), ms(rz[len(rz)/2]), ms(rz[len(rz)-1]), verdict)
	}
	for _, t := range timelines {
		fmt.Printf("\n```\n%s```\n", t)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// startOnce launches the portal on a fresh data dir, polls both probes every 2 ms, and
// stops it; it returns when each first answered 200 and the log's timeline.
func startOnce(ctx context.Context, bin string, subs int, timeout time.Duration, prof string) (time.Duration, time.Duration, string, error) {
	dir, err := os.MkdirTemp("", "purser-ready-")
	if err != nil {
		return 0, 0, "", err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return 0, 0, "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir(),
		"PORTAL_DATA_DIR=" + filepath.Join(dir, "data"), "PORTAL_ADDR=" + addr}
	if subs != 25 {
		env = append(env, "PORTAL_SANDBOX_SUB_ACCOUNTS="+strconv.Itoa(subs))
	}
	if prof != "" {
		env = append(env, "PURSER_BENCH_CPUPROFILE="+prof)
	}
	logPath := filepath.Join(dir, "portal.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return 0, 0, "", err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
	hc := &http.Client{Timeout: time.Second}
	probe := func(path string) bool {
		resp, err := hc.Get("http://" + addr + path)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	exited := make(chan error, 1)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, "", err
	}
	go func() { exited <- cmd.Wait() }()
	var hz, rz time.Duration
	deadline := t0.Add(timeout)
	for hz == 0 || rz == 0 {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logPath)
			return 0, 0, "", fmt.Errorf("the portal exited before it was ready (%v):\n%s", err, b)
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return 0, 0, "", ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return 0, 0, "", fmt.Errorf("not ready after %s", timeout)
		}
		if hz == 0 && probe("/healthz") {
			hz = time.Since(t0)
		}
		if rz == 0 && probe("/readyz") {
			rz = time.Since(t0)
		}
		time.Sleep(2 * time.Millisecond)
	}
	// A bench build's CPU profile (prof) ends with this signal: it covers the start alone.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	return hz, rz, timelineOf(logPath, t0), nil
}

var logTime = regexp.MustCompile(`^time=(\S+) `)

// timelineOf prefixes each log line with its time since t0 (the log's own timestamps).
func timelineOf(path string, t0 time.Time) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		at := "      "
		if m := logTime.FindStringSubmatch(line); m != nil {
			if t, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
				at = fmt.Sprintf("%5.0fms", float64(t.Sub(t0).Microseconds())/1000)
				line = strings.TrimPrefix(line, m[0])
			}
		}
		if len(line) > 160 {
			line = line[:160] + "…"
		}
		fmt.Fprintf(&b, "%s %s\n", at, line)
	}
	return b.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
