package audit

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func testSigner(t *testing.T) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustCheckpoint(t *testing.T, s *Signer, db *store.DB) *store.AuditCheckpoint {
	t.Helper()
	cp, err := s.Checkpoint(context.Background(), db)
	if err != nil || cp == nil {
		t.Fatalf("checkpoint: %+v %v", cp, err)
	}
	return cp
}

// dropCheckpointGuards plays the attacker with owner rights on audit_checkpoints too.
func dropCheckpointGuards(t *testing.T, db *store.DB) {
	t.Helper()
	g := db.Gorm()
	var err error
	if db.Dialect() == store.DialectPostgres {
		err = g.Exec(`ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update_delete`).Error
	} else {
		err = g.Exec(`DROP TRIGGER audit_checkpoints_no_delete`).Error
	}
	if err != nil {
		t.Fatal(err)
	}
}

// audit_checkpoints is append-only like audit_events: a plain DELETE of the newest
// checkpoint, an UPDATE and (Postgres) TRUNCATE are refused by the database.
func TestCheckpointsAreAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := testSigner(t)
		appendN(t, db, 3)
		cp := mustCheckpoint(t, s, db)
		g := db.Gorm()
		if err := g.Exec(`DELETE FROM audit_checkpoints WHERE id = ?`, cp.ID).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("DELETE of the newest checkpoint: %v", err)
		}
		if err := g.Exec(`UPDATE audit_checkpoints SET head_hash = 'x' WHERE id = ?`, cp.ID).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("UPDATE of a checkpoint: %v", err)
		}
		if db.Dialect() == store.DialectPostgres {
			if err := g.Exec(`TRUNCATE audit_checkpoints`).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("TRUNCATE of the checkpoints: %v", err)
			}
		}
		if cps, _ := db.ListAuditCheckpoints(context.Background(), 10); len(cps) != 1 {
			t.Fatalf("checkpoints after refused changes: %+v", cps)
		}
	})
}

// Each checkpoint signs its sequence number and the previous checkpoint's signature, so
// a checkpoint deleted from the middle is named by verify.
func TestCheckpointChainNamesAMissingCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := testSigner(t)
		var cps []*store.AuditCheckpoint
		for range 3 {
			appendN(t, db, 2)
			cps = append(cps, mustCheckpoint(t, s, db))
		}
		for i, cp := range cps {
			if cp.Seq != int64(i+1) {
				t.Fatalf("checkpoint %d has seq %d", i, cp.Seq)
			}
			if i > 0 && cp.PrevSignature != cps[i-1].Signature {
				t.Fatalf("checkpoint seq %d does not link to seq %d", cp.Seq, cps[i-1].Seq)
			}
		}
		if cps[0].PrevSignature != "" {
			t.Fatalf("first checkpoint of a fresh trail links to %q", cps[0].PrevSignature)
		}
		if r, err := s.Verify(ctx, db, nil); err != nil || !r.OK || r.Checkpoints != 3 {
			t.Fatalf("intact chain: %+v %v", r, err)
		}
		dropCheckpointGuards(t, db)
		if err := db.Gorm().Exec(`DELETE FROM audit_checkpoints WHERE id = ?`, cps[1].ID).Error; err != nil {
			t.Fatal(err)
		}
		r, err := s.Verify(ctx, db, nil)
		if err != nil || r.OK || !strings.Contains(r.Reason, "checkpoint seq 2 is missing") {
			t.Fatalf("middle checkpoint deletion not named: %+v %v", r, err)
		}
	})
}

// Checkpoints written before the chain existed keep their v1 signature and still verify;
// the first chained checkpoint links to the newest of them, so deleting it is found too.
func TestLegacyCheckpointsStillVerifyAndStartTheChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := testSigner(t)
		appendN(t, db, 4)
		id, hash, err := db.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		legacy := &store.AuditCheckpoint{EventID: id, EventCount: id, HeadHash: hash, PublicKey: s.PublicKey()}
		legacy.Signature = sign(s, *legacy)
		if err := db.CreateAuditCheckpoint(ctx, legacy); err != nil {
			t.Fatal(err)
		}
		if !ValidSignature(*legacy) {
			t.Fatal("a v1 checkpoint no longer verifies")
		}
		appendN(t, db, 2)
		first := mustCheckpoint(t, s, db)
		if first.Seq != 1 || first.PrevSignature != legacy.Signature {
			t.Fatalf("first chained checkpoint %+v does not link to the legacy one %q", first, legacy.Signature)
		}
		if r, err := s.Verify(ctx, db, nil); err != nil || !r.OK || r.Checkpoints != 2 {
			t.Fatalf("legacy + chained: %+v %v", r, err)
		}
		dropCheckpointGuards(t, db)
		if err := db.Gorm().Exec(`DELETE FROM audit_checkpoints WHERE id = ?`, legacy.ID).Error; err != nil {
			t.Fatal(err)
		}
		r, err := s.Verify(ctx, db, nil)
		if err != nil || r.OK || !strings.Contains(r.Reason, "the checkpoint before seq 1 is missing") {
			t.Fatalf("deleted legacy checkpoint not named: %+v %v", r, err)
		}
	})
}

// Replicas (or the CLI beside serve) checkpointing at the same moment each get their own
// sequence number and the chain stays whole.
func TestConcurrentCheckpointsKeepOneChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := testSigner(t)
		appendN(t, db, 2)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				if _, err := s.Checkpoint(ctx, db); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if r, err := s.Verify(ctx, db, nil); err != nil || !r.OK || r.Checkpoints != 8 {
			t.Fatalf("concurrent checkpoints: %+v %v", r, err)
		}
	})
}

// CheckpointIfMoved writes nothing while no event arrived since the last checkpoint.
func TestCheckpointIfMoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := testSigner(t)
		if cp, err := s.CheckpointIfMoved(ctx, db); err != nil || cp != nil {
			t.Fatalf("empty trail: %+v %v", cp, err)
		}
		appendN(t, db, 2)
		if cp, err := s.CheckpointIfMoved(ctx, db); err != nil || cp == nil || cp.EventID != 2 {
			t.Fatalf("moved trail: %+v %v", cp, err)
		}
		if cp, err := s.CheckpointIfMoved(ctx, db); err != nil || cp != nil {
			t.Fatalf("unchanged trail: %+v %v", cp, err)
		}
	})
}

// The original attack: the newest events and the newest checkpoint are deleted with the
// guards off. The database alone cannot tell; the external copy of the checkpoints can,
// and names what is missing. A line of the file that was altered is refused.
func TestCheckpointFileFindsADeletedTail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := testSigner(t)
		s.File = filepath.Join(t.TempDir(), "checkpoints.jsonl")
		appendN(t, db, 10)
		mustCheckpoint(t, s, db)
		appendN(t, db, 2)
		last := mustCheckpoint(t, s, db)
		b, err := os.ReadFile(s.File)
		if err != nil || bytes.Count(b, []byte("\n")) != 2 {
			t.Fatalf("checkpoint file %q: %v", b, err)
		}
		if r, err := s.VerifyFile(ctx, db, s.File, nil); err != nil || !r.OK || r.FileCheckpoints != 2 {
			t.Fatalf("intact trail against the file: %+v %v", r, err)
		}

		dropGuards(t, db)
		dropCheckpointGuards(t, db)
		if err := db.Gorm().Exec(`DELETE FROM audit_events WHERE id > 10`).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm().Exec(`DELETE FROM audit_checkpoints WHERE id = ?`, last.ID).Error; err != nil {
			t.Fatal(err)
		}
		// What OPERATIONS.md says: without the file, this deletion is not detectable.
		if r, err := s.Verify(ctx, db, nil); err != nil || !r.OK {
			t.Fatalf("database-only verification: %+v %v", r, err)
		}
		r, err := s.VerifyFile(ctx, db, s.File, nil)
		if err != nil || r.OK || r.BrokenID != 11 ||
			!strings.Contains(r.Reason, "checkpoint seq 2 of the checkpoint file is missing from the database") ||
			!strings.Contains(r.Reason, "events 11 to 12 are missing") {
			t.Fatalf("deleted tail not found against the file: %+v %v", r, err)
		}

		forged := bytes.Replace(b, []byte(`"event_count":12`), []byte(`"event_count":10`), 1)
		if bytes.Equal(forged, b) {
			t.Fatalf("test file has no event_count 12: %s", b)
		}
		if err := os.WriteFile(s.File, forged, 0o600); err != nil {
			t.Fatal(err)
		}
		if r, err := s.VerifyFile(ctx, db, s.File, nil); err != nil || r.OK || !strings.Contains(r.Reason, "line 2 of the checkpoint file is not signed by this portal's key") {
			t.Fatalf("altered file line accepted: %+v %v", r, err)
		}
	})
}

// After PORTAL_SECRET_KEY is rotated, the checkpoints of the old key can no longer be
// removed (append-only) and still verify: the first checkpoint of the new key signed the
// last one of the old, which vouches for the chain before it. A checkpoint of another
// key that no checkpoint of this key links to is still refused.
func TestCheckpointsOfARotatedKeyVerifyThroughTheChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		old := testSigner(t)
		cur, err := NewSigner(bytes.Repeat([]byte{5}, 32))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "checkpoints.jsonl")
		old.File, cur.File = file, file
		appendN(t, db, 2)
		id, hash, _ := db.AuditHead(ctx)
		legacy := &store.AuditCheckpoint{EventID: id, EventCount: id, HeadHash: hash, PublicKey: old.PublicKey()}
		legacy.Signature = sign(old, *legacy)
		if err := db.CreateAuditCheckpoint(ctx, legacy); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			appendN(t, db, 2)
			mustCheckpoint(t, old, db)
		}
		if r, _ := cur.Verify(ctx, db, nil); r.OK || !strings.Contains(r.Reason, "not signed by this portal's key") {
			t.Fatalf("old-key checkpoints with no checkpoint of this key after them: %+v", r)
		}
		appendN(t, db, 2)
		mustCheckpoint(t, cur, db)
		if r, err := cur.Verify(ctx, db, nil); err != nil || !r.OK || r.Checkpoints != 4 {
			t.Fatalf("after the rotation: %+v %v", r, err)
		}
		if r, err := cur.VerifyFile(ctx, db, file, nil); err != nil || !r.OK || r.FileCheckpoints != 3 {
			t.Fatalf("after the rotation, against the file: %+v %v", r, err)
		}
		appendN(t, db, 2)
		mustCheckpoint(t, old, db) // the old key, used after the rotation
		r, err := cur.Verify(ctx, db, nil)
		if err != nil || r.OK || !strings.Contains(r.Reason, "checkpoint seq 4 is not signed by this portal's key") {
			t.Fatalf("a trailing checkpoint of the old key: %+v %v", r, err)
		}
	})
}
