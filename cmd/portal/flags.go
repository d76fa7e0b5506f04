package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/store"
)

// configFlags registers one string flag per PORTAL_* variable on fs; the returned getenv
// prefers a flag that was set over the environment.
func configFlags(fs *flag.FlagSet, getenv func(string) string) func(string) string {
	vals := map[string]*string{}
	for _, v := range config.Variables {
		vals[v.Name] = fs.String(config.FlagName(v.Name), "", v.Name+": "+stripTicks(v.Meaning))
	}
	return func(name string) string {
		if p, ok := vals[name]; ok && *p != "" {
			return *p
		}
		return getenv(name)
	}
}

func stripTicks(s string) string { return strings.ReplaceAll(s, "`", "") }

// parse parses flags anywhere among the arguments ("user token alice --name ci" as well
// as "user token --name ci alice"), mapping --help to errHelp and problems to usage
// errors. The positional arguments are left in fs.Args() order in positional.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return errHelp
			}
			return usagef("%s: %v", fs.Name(), err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			positional = append(positional, rest[1:]...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave the positional arguments where callers look for them.
	_ = fs.Parse(append([]string{"--"}, positional...))
	return nil
}

// loadConfig validates the configuration; a bad value is a usage error naming it.
func loadConfig(getenv func(string) string) (config.Config, error) {
	c, err := config.Load(getenv, nil)
	var ce *config.Error
	if errors.As(err, &ce) {
		return c, usagef("configuration: %s", strings.Join(ce.Problems, "; "))
	}
	return c, err
}

func newLogger(c config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens and migrates the database named by the configuration.
func openStore(ctx context.Context, c config.Config, log *slog.Logger) (*store.DB, error) {
	if p := c.SQLitePath(); p != "" {
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", c.DataDir, err)
		}
	}
	db, err := store.Open(ctx, c.DatabaseURL, log)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return db, nil
}
