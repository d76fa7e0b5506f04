// Command mix is the read side's realistic load (issue 16). bench/read/run.sh's single-URL
// figures repeat one URL, so the portal's 2-second read cache answers almost every request;
// users do not: they search, filter, sort, page and open detail pages, each different. mix
// signs nothing in itself (run.sh creates the users with the portal's CLI and passes their
// session cookies and API tokens), discovers real data through the portal (sub-account ids,
// organisation units, the pager's real cursors), then sends that traffic in URL classes,
// each alternated with the bare html/template page in short rounds so that the machine's
// noise meets both:
//
//	mix units -base URL -tokens FILE      print two organisation unit ids to scope users to
//	mix run   -base URL -bare URL -sessions FILE -tokens FILE [-conns 8,64] [-rounds 3] …
//	mix ready -bin PORTAL [-subs 25,10000] [-runs 3]
//	                                      time from launching `portal serve` on a fresh data
//	                                      dir to the first 200 of /healthz and /readyz
//
// The sessions and tokens files hold one "user<TAB>scope<TAB>value" line each (scope "-" for
// the whole enterprise). It uses the standard library only. See docs/PERFORMANCE.md.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mix units|run|ready [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "units":
		err = units(ctx, os.Args[2:])
	case "run":
		err = run(ctx, os.Args[2:])
	case "ready":
		err = ready(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mix:", err)
		stop()
		os.Exit(1)
	}
}

// credential is one signed-in session (a Cookie header) or API token (a bearer token) of
// a user, with the scope the user was created with ("-": the whole enterprise).
type credential struct {
	User, Scope string
	Header      string // "Cookie" or "Authorization"
	Value       string
}

func (c credential) scoped() bool { return c.Scope != "-" && c.Scope != "" }

// readCredentials reads a sessions or tokens file: "user<TAB>scope<TAB>value" lines.
func readCredentials(path, header string) ([]credential, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []credential
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 || parts[2] == "" {
			return nil, fmt.Errorf("%s:%d: want user<TAB>scope<TAB>value", path, n)
		}
		v := parts[2]
		if header == "Authorization" {
			v = "Bearer " + v
		}
		out = append(out, credential{User: parts[0], Scope: parts[1], Header: header, Value: v})
	}
	return out, sc.Err()
}
