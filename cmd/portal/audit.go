package main

import (
	"context"
	"flag"
	"fmt"
)

func runAudit(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("audit: want 'audit verify'")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	getenv := configFlags(fs, e.getenv)
	if err := parse(fs, args[1:], e.stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("audit verify: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !v.OK {
		return exitError{fmt.Sprintf("audit trail broken at event %d: %s; %d events checked", v.BrokenID, v.Reason, v.Checked)}
	}
	fmt.Fprintf(e.stdout, "audit trail intact: %d events verified\n", v.Checked)
	return nil
}
