package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCLICheckpoints: `audit checkpoint` signs the head, `audit checkpoints` exports them
// with the public key, and `audit verify` then catches the deletion of the newest events,
// which the chain alone cannot show.
func TestCLICheckpoints(t *testing.T) {
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
