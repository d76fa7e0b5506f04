package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/purser-finance/purser/internal/bss/sandbox"
)

// runSandbox runs the upstream simulator alone: `portal sandbox [--addr] [--seed]
// [--sub-accounts N] [--ak] [--sk] [--domain-id]`. It serves until ctx is cancelled.
func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	def := sandbox.DefaultOptions()
	fs := flag.NewFlagSet("portal sandbox", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // one line on bad usage, written below
	addr := fs.String("addr", "127.0.0.1:9400", "listen address")
	seed := fs.Int64("seed", def.Seed, "seed of the generated data")
	subs := fs.Int("sub-accounts", def.SubAccounts, "number of sub-accounts to generate (0–100000)")
	ak := fs.String("ak", def.AK, "access key the sandbox accepts")
	sk := fs.String("sk", def.SK, "secret key the sandbox accepts")
	domainID := fs.String("domain-id", def.DomainID, "master account id")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: portal sandbox [--addr 127.0.0.1:9400] [--seed 1] [--sub-accounts 25] [--ak sandbox-ak] [--sk sandbox-sk] [--domain-id ID]")
			return 0
		}
		fmt.Fprintf(stderr, "portal sandbox: %s\n", firstLine(err.Error()))
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "portal sandbox: unexpected argument %q\n", fs.Arg(0))
		return 2
	case *subs < 0 || *subs > sandbox.MaxSubAccounts:
		fmt.Fprintf(stderr, "portal sandbox: --sub-accounts must be between 0 and %d\n", sandbox.MaxSubAccounts)
		return 2
	case *ak == "" || *sk == "" || *domainID == "":
		fmt.Fprintln(stderr, "portal sandbox: --ak, --sk and --domain-id must not be empty")
		return 2
	}
	opts := sandbox.Options{Seed: *seed, SubAccounts: *subs, AK: *ak, SK: *sk, DomainID: *domainID,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	running, err := sandbox.Start(ctx, *addr, opts)
	if err != nil {
		fmt.Fprintf(stderr, "portal sandbox: %s\n", firstLine(err.Error()))
		return 1
	}
	fmt.Fprintf(stdout, "portal sandbox: listening on %s (domain id %s, %d sub-accounts, seed %d)\n", running.URL(), *domainID, *subs, *seed)
	select {
	case <-ctx.Done():
		if err := running.Close(); err != nil {
			fmt.Fprintf(stderr, "portal sandbox: shutdown: %s\n", firstLine(err.Error()))
			return 1
		}
		return 0
	case err := <-running.Done():
		if err != nil {
			fmt.Fprintf(stderr, "portal sandbox: %s\n", firstLine(err.Error()))
			return 1
		}
		return 0
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
