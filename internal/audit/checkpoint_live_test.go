package audit

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestVerifyWhileEventsAndCheckpointsArrive: verification of a live portal, whose events
// and checkpoints keep coming while the chain is read, is not a false alarm: a checkpoint
// made after the chain was read covers events that are there, and the chain is read on
// to them. Seen in TestTwoReplicasOnePostgres: "events 614 to 614 are missing:
// checkpoint seq 19 … recorded 614 events; 613 events checked". Deleting those events
// is still found.
func TestVerifyWhileEventsAndCheckpointsArrive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		signer, err := NewSigner(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, db, 10)
		if _, err := signer.Checkpoint(ctx, db); err != nil {
			t.Fatal(err)
		}
		// The portal writes two events and checkpoints them once the chain has been read.
		writeMeanwhile := func(int64) {
			appendN(t, db, 2)
			if _, err := signer.Checkpoint(ctx, db); err != nil {
				t.Fatal(err)
			}
		}
		r, err := signer.Verify(ctx, db, onceAtEnd(writeMeanwhile))
		if err != nil || !r.OK || r.Checked != 12 || r.Checkpoints != 2 {
			t.Fatalf("verify while the portal writes: %+v %v", r, err)
		}

		// The same, but the newest events are then deleted: the checkpoint still names them.
		r, err = signer.Verify(ctx, db, onceAtEnd(func(int64) {
			writeMeanwhile(0)
			dropGuards(t, db)
			if err := db.Gorm().Exec(`DELETE FROM audit_events WHERE id > 13`).Error; err != nil {
				t.Fatal(err)
			}
		}))
		if err != nil || r.OK || r.BrokenID != 14 || !strings.Contains(r.Reason, "events 14 to 14 are missing") {
			t.Fatalf("tail deleted while verifying: %+v %v", r, err)
		}
	})
}

// onceAtEnd is a progress callback calling fn once, after the chain's last batch was read
// (the callback is called after each batch; these trails are one batch).
func onceAtEnd(fn func(int64)) func(int64) {
	done := false
	return func(n int64) {
		if !done {
			done = true
			fn(n)
		}
	}
}
