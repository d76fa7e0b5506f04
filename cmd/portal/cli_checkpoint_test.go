package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLICheckpoints: `audit checkpoint` signs the head, `audit checkpoints` exports them
// with the public key, and `audit verify` then catches the deletion of the newest events,
// which the chain alone cannot show.
func TestCLICheckpoints(t *testing.T) {
	t.Parallel()
	eachCLIDB(t, func(t *testing.T, d cliDB) {
		r := runCLI(t, "", nil, d.args("audit checkpoint")...)
		if r.code != exitOK || !strings.Contains(r.stdout, "empty") {
			t.Fatalf("checkpoint of an empty trail\n%s", r)
		}
		for _, name := range []string{"ann", "bob", "cyd"} {
			if r := runCLI(t, "a long password\n", nil, d.args("user add", "--username", name, "--role", "viewer")...); r.code != exitOK {
				t.Fatalf("user add\n%s", r)
			}
		}
		r = runCLI(t, "", nil, d.args("audit checkpoint")...)
		if r.code != exitOK || !strings.Contains(r.stdout, "6 events") {
			t.Fatalf("checkpoint\n%s", r)
		}
		r = runCLI(t, "", nil, d.args("audit checkpoints")...)
		var cp struct {
			EventID   int64  `json:"event_id"`
			PublicKey string `json:"public_key"`
			Signature string `json:"signature"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &cp); err != nil || cp.EventID != 6 || len(cp.PublicKey) != 64 || cp.Signature == "" {
			t.Fatalf("checkpoints export %q: %v", r.stdout, err)
		}
		if r := runCLI(t, "", nil, d.args("audit verify")...); r.code != exitOK || !strings.Contains(r.stdout, "1 signed checkpoints match") {
			t.Fatalf("verify\n%s", r)
		}
		db := d.open(t)
		if d.dialect == "sqlite" {
			db.Gorm().Exec(`DROP TRIGGER audit_events_no_delete`)
		} else {
			db.Gorm().Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`)
		}
		if err := db.Gorm().Exec(`DELETE FROM audit_events WHERE id > 4`).Error; err != nil {
			t.Fatal(err)
		}
		r = runCLI(t, "", nil, d.args("audit verify")...)
		if r.code != exitFailure {
			t.Fatalf("verify after deleting the newest events: want exit 1\n%s", r)
		}
		wantOneErrorLine(t, r, "event 5:", "events 5 to 6 are missing")
	})
}

// TestCLIVerifyAgainstCheckpointFile is issue 11's scenario with the guards off, as an
// attacker who owns the database would: a checkpoint deleted from the middle is named
// by the chain alone; deleting the newest events and checkpoints is named against the
// copy in PORTAL_AUDIT_CHECKPOINT_FILE, whose lines are each signature-checked.
func TestCLIVerifyAgainstCheckpointFile(t *testing.T) {
	t.Parallel()
	eachCLIDB(t, func(t *testing.T, d cliDB) {
		file := filepath.Join(t.TempDir(), "checkpoints.jsonl")
		vars := map[string]string{"PORTAL_AUDIT_CHECKPOINT_FILE": file}
		for i, name := range []string{"ann", "bob", "cyd", "dan", "eve"} {
			if r := runCLI(t, "a long password\n", nil, d.args("user add", "--username", name, "--role", "viewer")...); r.code != exitOK {
				t.Fatalf("user add\n%s", r)
			}
			if i >= 2 {
				if r := runCLI(t, "", vars, d.args("audit checkpoint")...); r.code != exitOK {
					t.Fatalf("checkpoint\n%s", r)
				}
			}
		}
		b, err := os.ReadFile(file)
		if err != nil || strings.Count(string(b), "\n") != 3 || !strings.Contains(string(b), `"seq":3`) {
			t.Fatalf("checkpoint file %q: %v", b, err)
		}
		r := runCLI(t, "", nil, d.args("audit verify", "--checkpoints", file)...)
		if r.code != exitOK || !strings.Contains(r.stdout, "10 events verified, 3 signed checkpoints match, 3 in "+file) {
			t.Fatalf("verify against the file\n%s", r)
		}

		db := d.open(t)
		g := db.Gorm()
		var stmts []string
		if d.dialect == "sqlite" {
			stmts = []string{`DROP TRIGGER audit_events_no_delete`, `DROP TRIGGER audit_checkpoints_no_delete`}
		} else {
			stmts = []string{`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`,
				`ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update_delete`}
		}
		for _, s := range stmts {
			if err := g.Exec(s).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := g.Exec(`DELETE FROM audit_checkpoints WHERE seq = 2`).Error; err != nil {
			t.Fatal(err)
		}
		r = runCLI(t, "", nil, d.args("audit verify")...)
		if r.code != exitFailure {
			t.Fatalf("verify after deleting a middle checkpoint: want exit 1\n%s", r)
		}
		wantOneErrorLine(t, r, "checkpoint seq 2 is missing")

		if err := g.Exec(`DELETE FROM audit_checkpoints WHERE seq = 3`).Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Exec(`DELETE FROM audit_events WHERE id > 8`).Error; err != nil {
			t.Fatal(err)
		}
		r = runCLI(t, "", nil, d.args("audit verify", "--checkpoints", file)...)
		if r.code != exitFailure {
			t.Fatalf("verify against the file after deleting the tail: want exit 1\n%s", r)
		}
		wantOneErrorLine(t, r, "event 9:", "checkpoint seq 2 of the checkpoint file is missing from the database",
			"checkpoint seq 3 of the checkpoint file is missing from the database", "events 9 to 10 are missing")

		forged := strings.Replace(string(b), `"event_count":10`, `"event_count":8`, 1)
		if err := os.WriteFile(file, []byte(forged), 0o600); err != nil {
			t.Fatal(err)
		}
		r = runCLI(t, "", nil, d.args("audit verify", "--checkpoints", file)...)
		wantOneErrorLine(t, r, "line 3 of the checkpoint file is not signed by this portal's key")
		if r := runCLI(t, "", nil, d.args("audit verify", "--checkpoints", filepath.Join(t.TempDir(), "nope"))...); r.code == exitOK {
			t.Fatalf("verify against a missing file\n%s", r)
		}
	})
}
