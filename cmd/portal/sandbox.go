package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// runSandbox runs the upstream simulator alone: `portal sandbox [--addr] [--seed]
// [--sub-accounts N] [--ak] [--sk] [--domain-id] [--burn]`. It serves until ctx is
// cancelled.
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
	burn := fs.Bool("burn", true, "active sub-accounts consume their daily burn (set per account on /_sandbox/burn)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: portal sandbox [--addr 127.0.0.1:9400] [--seed 1] [--sub-accounts 25] [--ak sandbox-ak] [--sk sandbox-sk] [--domain-id ID] [--burn=true]")
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
	opts := sandbox.Options{Seed: *seed, SubAccounts: *subs, AK: *ak, SK: *sk, DomainID: *domainID, Burn: *burn,
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

// Generated balance history of a fresh demo database: how far back, and for how many
// sub-accounts at most (90 points each; the totals always cover every sub-account). The
// points are written before the portal is ready: with a sandbox of 10,000, 1,000
// sub-accounts' 90,000 points made a first start take 2.2 s on SQLite; 200 take 0.3 s of
// a start of 0.7 s (docs/PERFORMANCE-READ.md). The others' charts start with the sync.
const (
	sandboxHistoryDays = 90
	sandboxHistorySubs = 200
)

// seedSandboxHistory gives a fresh sandbox-mode database 90 days of balance history, so
// that the dashboard and sub-account charts draw a line on the first visit instead of
// the single point of the first sync, and the runways computed after it are the pace at
// which the sandbox goes on burning (sandbox.Options.Burn). It writes nothing when the master or any of its
// sub-accounts already has history (a restart, or real data). Sandbox mode only: the
// caller is the sandbox branch of startUpstream.
func seedSandboxHistory(ctx context.Context, db *store.DB, sb *sandbox.Server, master string, log *slog.Logger) error {
	points := sb.BalanceHistory(sandboxHistoryDays, time.Now(), sandboxHistorySubs)
	rows := make([]store.BalanceSnapshot, len(points))
	for i, p := range points {
		rows[i] = store.BalanceSnapshot{TakenAt: p.At, SubAccountID: p.SubAccountID,
			Debit: money.New(p.Debit, money.DefaultCurrency), Credit: money.New(p.Credit, money.DefaultCurrency)}
	}
	n, err := db.SeedBalanceHistory(ctx, master, rows)
	if err != nil {
		return fmt.Errorf("sandbox: balance history: %w", err)
	}
	if n > 0 {
		log.Info("demo mode: generated balance history for the charts", "days", sandboxHistoryDays, "points", n)
	}
	return nil
}
