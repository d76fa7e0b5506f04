package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/config"
)

const auditUsage = "audit: want 'audit verify [--checkpoints FILE]', 'audit checkpoint' or 'audit checkpoints'"

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
	var file *string
	if sub == "verify" {
		file = fs.String("checkpoints", "", "a copy of the checkpoints (PORTAL_AUDIT_CHECKPOINT_FILE, or an archived 'audit checkpoints') to check the database against")
	}
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
	signer, err := auditSigner(cfg)
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
		fmt.Fprintf(e.stdout, "checkpoint %d (seq %d): %d events, head %s\n", cp.ID, cp.Seq, cp.EventCount, cp.HeadHash)
	case "checkpoints":
		// JSON Lines, oldest first, with the public key: what an operator archives next
		// to an export of the events, in the format of PORTAL_AUDIT_CHECKPOINT_FILE.
		cps, err := db.ListAuditCheckpoints(ctx, 1_000_000)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(e.stdout)
		for i := len(cps) - 1; i >= 0; i-- {
			if err := enc.Encode(audit.Line(cps[i])); err != nil {
				return err
			}
		}
	case "verify":
		var r audit.Result
		if *file != "" {
			r, err = signer.VerifyFile(ctx, db, *file, nil)
		} else {
			r, err = signer.Verify(ctx, db, nil)
		}
		if err != nil {
			return err
		}
		if !r.OK {
			return exitError{fmt.Sprintf("audit trail broken at event %d: %s; %d events checked", r.BrokenID, r.Reason, r.Checked)}
		}
		fmt.Fprintf(e.stdout, "audit trail intact: %d events verified, %d signed checkpoints match", r.Checked, r.Checkpoints)
		if *file != "" {
			fmt.Fprintf(e.stdout, ", %d in %s", r.FileCheckpoints, *file)
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}

// auditSigner is the checkpoint signer of this configuration: the key derived from
// PORTAL_SECRET_KEY, copying each checkpoint to PORTAL_AUDIT_CHECKPOINT_FILE when set.
func auditSigner(cfg config.Config) (*audit.Signer, error) {
	s, err := audit.NewSigner(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	s.File = cfg.AuditCheckpointFile
	return s, nil
}

// checkCheckpointFile makes sure at start that the checkpoint file can be appended to,
// rather than finding out at the first checkpoint.
func checkCheckpointFile(cfg config.Config) error {
	if cfg.AuditCheckpointFile == "" {
		return nil
	}
	f, err := os.OpenFile(cfg.AuditCheckpointFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("PORTAL_AUDIT_CHECKPOINT_FILE: %w", err)
	}
	return f.Close()
}
