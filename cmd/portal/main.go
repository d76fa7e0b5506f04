// Command portal is Purser: the web portal, its migrations, its upstream simulator and the
// operator's command line, in one binary. See README.md and CONTRACTS.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Exit codes (CONTRACTS.md).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// env is the process's outside world, replaceable in tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// codeNow, when set, is the clock serve matches TOTP codes against (wiring.Options).
	// main never sets it: only the in-process tests do, to step to the next 30-second
	// code instead of waiting for it. A code is still accepted once per step.
	codeNow func() time.Time
}

// usageError marks bad usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

const usage = `Usage: portal [command] [flags]

Commands:
  serve                 migrate if needed, then serve the portal (default)
  migrate [up|status]   apply or list database migrations
  sandbox               run the upstream simulator alone
  user add|list|reset-totp|disable|enable|token
                        manage users without the web interface
  audit verify|checkpoint|checkpoints
                        re-check the audit trail (verify --checkpoints FILE: also
                        against a copy of the checkpoints); sign or list checkpoints
  secrets rotate|new-key
                        re-encrypt stored secrets under a new PORTAL_SECRET_KEY
  version               print version, commit and Go version

Every PORTAL_* variable can also be given as a flag: PORTAL_DATABASE_URL → --database-url.
Run 'portal COMMAND --help' for a command's flags.
`

// run dispatches a command and turns its error into one line on stderr and an exit code.
func run(ctx context.Context, args []string, e env) int {
	cmd, rest := "serve", args
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		cmd = "help"
	} else if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, rest, e)
	case "migrate":
		err = runMigrate(ctx, rest, e)
	case "user":
		err = runUser(ctx, rest, e)
	case "audit":
		err = runAudit(ctx, rest, e)
	case "secrets":
		err = runSecrets(ctx, rest, e)
	case "version":
		err = runVersion(rest, e)
	case "sandbox":
		return runSandbox(ctx, rest, e.stdout, e.stderr)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	default:
		err = usagef("unknown command %q (see 'portal help')", cmd)
	}
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(e.stderr, "portal: "+ue.msg)
		return exitUsage
	case errors.As(err, &ee):
		fmt.Fprintln(e.stderr, "portal: "+ee.msg)
		return exitFailure
	default:
		fmt.Fprintln(e.stderr, "portal: "+oneLine(err.Error()))
		return exitFailure
	}
}

// exitError is a runtime failure whose message is already written for the operator.
type exitError struct{ msg string }

func (e exitError) Error() string { return e.msg }

var errHelp = errors.New("help shown")

func oneLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
