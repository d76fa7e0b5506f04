// Command audit measures the audit trail at scale (issue 6): it creates its own
// Postgres database, seeds a valid hash chain of N events with COPY, then measures
// filtered search, chain verification and streamed export, and prints a table.
//
//	go run ./bench/audit -events 10000000 -db 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//
// The database named by -name is dropped and re-created (unless -reuse), and dropped
// at the end (unless -keep). See docs/PERFORMANCE.md for figures and targets.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/purser-finance/purser/internal/store"
)

type options struct {
	adminURL   string
	name       string
	events     int64
	actors     int
	days       int
	runs       int
	exportRows int64
	seed       int64
	reuse      bool
	keep       bool
	skip       map[string]bool
	cpuProfile string
}

func main() {
	var o options
	var skip string
	flag.StringVar(&o.adminURL, "db", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "Postgres URL of a database to connect to for DROP/CREATE DATABASE")
	flag.StringVar(&o.name, "name", "purser_bench_audit", "name of the bench database (dropped and re-created)")
	flag.Int64Var(&o.events, "events", 1_000_000, "number of audit events to seed")
	flag.IntVar(&o.actors, "actors", 200, "distinct actors (one of them is \"system\")")
	flag.IntVar(&o.days, "days", 180, "the events are spread over this many days, ending now")
	flag.IntVar(&o.runs, "runs", 200, "runs of the main search (actor + 7-day window)")
	flag.Int64Var(&o.exportRows, "export-rows", 0, "rows per export run (the newest ones; 0 = the whole trail)")
	flag.Int64Var(&o.seed, "seed", 1, "random seed of the data and of the queries")
	flag.BoolVar(&o.reuse, "reuse", false, "reuse an already seeded bench database (it is migrated, not re-seeded)")
	flag.BoolVar(&o.keep, "keep", false, "keep the bench database at the end (for -reuse)")
	flag.StringVar(&skip, "skip", "", "comma-separated parts to skip: search, other-searches, verify, export")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurements to this file")
	flag.Parse()
	o.skip = map[string]bool{}
	for _, s := range splitComma(skip) {
		o.skip[s] = true
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/audit:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.events < 2 || o.actors < 2 || o.days < 8 {
		return errors.New("need -events ≥ 2, -actors ≥ 2, -days ≥ 8")
	}
	benchURL, err := withDatabase(o.adminURL, o.name)
	if err != nil {
		return err
	}
	if !o.reuse {
		if err := recreate(ctx, o.adminURL, o.name); err != nil {
			return err
		}
	}
	if !o.keep {
		defer func() {
			if err := drop(context.Background(), o.adminURL, o.name); err != nil {
				fmt.Fprintln(os.Stderr, "bench/audit: drop database:", err)
			} else {
				fmt.Printf("dropped database %s\n", o.name)
			}
		}()
	}
	db, err := store.Open(ctx, benchURL, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Printf("migrated in %s\n", time.Since(start).Round(time.Millisecond))

	d := newDataset(o)
	if o.reuse {
		head, _, err := db.AuditHead(ctx)
		if err != nil {
			return err
		}
		if head != o.events {
			return fmt.Errorf("-reuse: the bench database holds %d events, not %d", head, o.events)
		}
	} else if err := seed(ctx, benchURL, d); err != nil {
		return err
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var res results
	if !o.skip["search"] {
		if err := measureSearch(ctx, db, d, !o.skip["other-searches"], &res); err != nil {
			return err
		}
	}
	if !o.skip["verify"] {
		if err := measureVerify(ctx, db, o.events, &res); err != nil {
			return err
		}
	}
	if !o.skip["export"] {
		if err := measureExport(ctx, db, o, &res); err != nil {
			return err
		}
	}
	res.print(os.Stdout, o)
	return nil
}

// withDatabase is adminURL with its database name replaced by name.
func withDatabase(adminURL, name string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", fmt.Errorf("-db: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", errors.New("-db must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

func recreate(ctx context.Context, adminURL, name string) error {
	if err := drop(ctx, adminURL, name); err != nil {
		return err
	}
	return admin(ctx, adminURL, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
}

func drop(ctx context.Context, adminURL, name string) error {
	return admin(ctx, adminURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func admin(ctx context.Context, adminURL, stmt string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", adminURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

func splitComma(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
