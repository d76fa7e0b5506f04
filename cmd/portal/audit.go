package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/config"
)

const auditUsage = "audit: want 'audit verify', 'audit checkpoint' or 'audit checkpoints'"

func runAudit(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef(auditUsage)
	}
	sub := args[0]
	if sub != "verify" && sub != "checkpoint" && sub != "checkpoints" {
		return usagef(auditUsage)
	}
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	getenv := configFlags(fs, e.getenv)
	if err := parse(fs, args[1:], e.stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("audit %s: unexpected argument %q", sub, fs.Arg(0))
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if _, err := config.EnsureSecretKey(&cfg); err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	signer, err := audit.NewSigner(cfg.SecretKey)
	if err != nil {
		return err
	}
	switch sub {
	case "checkpoint":
		cp, err := signer.Checkpoint(ctx, db)
		if err != nil {
			return err
		}
		if cp == nil {
			fmt.Fprintln(e.stdout, "audit trail is empty: no checkpoint written")
			return nil
		}
		fmt.Fprintf(e.stdout, "checkpoint %d: %d events, head %s\n", cp.ID, cp.EventCount, cp.HeadHash)
	case "checkpoints":
		// JSON Lines, oldest first, with the public key: what an operator archives next
		// to an export of the events.
		cps, err := db.ListAuditCheckpoints(ctx, 1_000_000)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(e.stdout)
		for i := len(cps) - 1; i >= 0; i-- {
			c := cps[i]
			if err := enc.Encode(map[string]any{"id": c.ID, "created_at": c.CreatedAt, "event_id": c.EventID,
				"event_count": c.EventCount, "head_hash": c.HeadHash, "public_key": c.PublicKey, "signature": c.Signature}); err != nil {
				return err
			}
		}
	case "verify":
		r, err := signer.Verify(ctx, db, nil)
		if err != nil {
			return err
		}
		if !r.OK {
			return exitError{fmt.Sprintf("audit trail broken at event %d: %s; %d events checked", r.BrokenID, r.Reason, r.Checked)}
		}
		fmt.Fprintf(e.stdout, "audit trail intact: %d events verified, %d signed checkpoints match\n", r.Checked, r.Checkpoints)
	}
	return nil
}
