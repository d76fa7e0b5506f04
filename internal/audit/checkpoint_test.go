package audit

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func appendN(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for i := range n {
		if err := Record(context.Background(), db, System("test"), Entry{Action: UserUpdate, TargetType: "user",
			TargetID: "1", Outcome: Success, Details: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
}

// dropGuards lets a test play the attacker who controls the database.
func dropGuards(t *testing.T, db *store.DB) {
	t.Helper()
	g := db.Gorm()
	var err error
	if db.Dialect() == store.DialectPostgres {
		err = g.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`).Error
	} else {
		err = g.Exec(`DROP TRIGGER audit_events_no_delete`).Error
		if err == nil {
			err = g.Exec(`DROP TRIGGER audit_events_no_update`).Error
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckpointsDetectTailDeletionAndRewrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		signer, err := NewSigner(bytes.Repeat([]byte{9}, 32))
		if err != nil {
			t.Fatal(err)
		}
		if cp, err := signer.Checkpoint(ctx, db); err != nil || cp != nil {
			t.Fatalf("empty trail: %v %v", cp, err)
		}
		appendN(t, db, 10)
		cp, err := signer.Checkpoint(ctx, db)
		if err != nil || cp.EventID != 10 || !ValidSignature(*cp) {
			t.Fatalf("checkpoint %+v %v", cp, err)
		}
		appendN(t, db, 2)
		r, err := signer.Verify(ctx, db, nil)
		if err != nil || !r.OK || r.Checked != 12 || r.Checkpoints != 1 {
			t.Fatalf("intact trail: %+v %v", r, err)
		}

		t.Run("deleting the newest events", func(t *testing.T) {
			dropGuards(t, db)
			if err := db.Gorm().Exec(`DELETE FROM audit_events WHERE id > 8`).Error; err != nil {
				t.Fatal(err)
			}
			// The chain alone still verifies: that is why checkpoints exist.
			if v, _ := db.VerifyAudit(ctx); !v.OK {
				t.Fatalf("chain-only check should pass after a tail deletion: %+v", v)
			}
			r, err := signer.Verify(ctx, db, nil)
			if err != nil || r.OK || r.BrokenID != 9 || !strings.Contains(r.Reason, "events 9 to 10 are missing") {
				t.Fatalf("tail deletion not found: %+v %v", r, err)
			}
		})

		t.Run("rewriting the chain consistently", func(t *testing.T) {
			// An attacker rewrites event 5 and recomputes every hash after it.
			var events []store.AuditEvent
			db.StreamAudit(ctx, store.AuditFilter{Ascending: true}, func(e store.AuditEvent) error {
				events = append(events, e)
				return nil
			})
			if err := db.Gorm().Exec(`DELETE FROM audit_events WHERE id >= 5`).Error; err != nil {
				t.Fatal(err)
			}
			prev := events[3].Hash
			for _, e := range events[4:] {
				if e.ID == 5 {
					e.Details = []byte(`{"i":"forged"}`)
				}
				e.PrevHash = prev
				e.Hash = store.AuditHash(e)
				prev = e.Hash
				if err := db.Gorm().Exec(`INSERT INTO audit_events (id, time, actor_id, actor_name, ip, user_agent, request_id, action, target_type, target_id, outcome, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
					e.ID, e.Time, e.ActorID, e.ActorName, e.IP, e.UserAgent, e.RequestID, e.Action, e.TargetType, e.TargetID, e.Outcome, string(e.Details), e.PrevHash, e.Hash).Error; err != nil {
					t.Fatal(err)
				}
			}
			appendN(t, db, 2) // back above the checkpoint's count
			if v, _ := db.VerifyAudit(ctx); !v.OK {
				t.Fatalf("a consistent rewrite passes the chain-only check: %+v", v)
			}
			r, err := signer.Verify(ctx, db, nil)
			if err != nil || r.OK || r.BrokenID != 10 || !strings.Contains(r.Reason, "differs from checkpoint") {
				t.Fatalf("rewrite not found: %+v %v", r, err)
			}
		})

		t.Run("a checkpoint from another key", func(t *testing.T) {
			other, _ := NewSigner(bytes.Repeat([]byte{8}, 32))
			if r, _ := other.Verify(ctx, db, nil); r.OK || !strings.Contains(r.Reason, "not signed by this portal's key") {
				t.Fatalf("foreign checkpoint accepted: %+v", r)
			}
		})
	})
}

func TestSignatureRejectsTampering(t *testing.T) {
	s, _ := NewSigner(bytes.Repeat([]byte{1}, 32))
	cp := store.AuditCheckpoint{EventID: 3, EventCount: 3, HeadHash: "abc", PublicKey: s.PublicKey()}
	cp.Signature = sign(s, cp)
	if !ValidSignature(cp) {
		t.Fatal("valid signature refused")
	}
	for _, mut := range []func(*store.AuditCheckpoint){
		func(c *store.AuditCheckpoint) { c.EventID = 4 },
		func(c *store.AuditCheckpoint) { c.EventCount = 2 },
		func(c *store.AuditCheckpoint) { c.HeadHash = "abd" },
		func(c *store.AuditCheckpoint) { c.Signature = "00" + c.Signature[2:] },
	} {
		c := cp
		mut(&c)
		if ValidSignature(c) {
			t.Errorf("tampered checkpoint accepted: %+v", c)
		}
	}
}
