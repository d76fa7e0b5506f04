package notify

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// A user's list holds the notes written for them, newest first; marking read touches only
// their own, stamped by the notifier's clock.
func TestInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ana, ben := mailUser(t, db, "ana", "", false), mailUser(t, db, "ben", "", false)
		n := New(db, Config{}, nil)
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		n.SetClock(func() time.Time { return at })
		op := testOp()
		err := db.InTx(ctx, func(tx *store.DB) error {
			return n.Insert(ctx, tx, []Note{ForOperation(ana, op, "notify.op.pending"), ForOperation(ben, op, "notify.op.pending"),
				ForRequester(&store.Operation{ID: 8, Kind: "transfer_funds", RequestedBy: ana}, "notify.op.approved")})
		})
		if err != nil {
			t.Fatal(err)
		}
		list, err := n.List(ctx, ana, false, 10)
		if err != nil || len(list) != 2 || list[0].Kind != "notify.op.approved" || *list[0].OperationID != 8 ||
			list[1].Params["amount"] != "12.50" || list[1].Params["requested_by"] != "fay" {
			t.Fatalf("ana's list: %+v %v", list, err)
		}
		if c, err := n.CountUnread(ctx, ana); err != nil || c != 2 {
			t.Fatalf("ana's unread: %d %v", c, err)
		}
		benList, _ := n.List(ctx, ben, false, 10)
		if err := n.MarkRead(ctx, ana, []int64{list[1].ID, benList[0].ID}); err != nil {
			t.Fatal(err)
		}
		if c, _ := n.CountUnread(ctx, ben); c != 1 {
			t.Fatalf("ana marked ben's notice read: ben has %d unread", c)
		}
		unread, _ := n.List(ctx, ana, true, 10)
		read, _ := n.List(ctx, ana, false, 10)
		if len(unread) != 1 || unread[0].ID != list[0].ID || read[1].ReadAt == nil || !read[1].ReadAt.Equal(at) {
			t.Fatalf("after marking one read: unread %+v, all %+v", unread, read)
		}
		if err := n.MarkRead(ctx, ana, nil); err != nil {
			t.Fatal(err)
		}
		if c, _ := n.CountUnread(ctx, ana); c != 0 {
			t.Fatalf("all marked read: %d unread left", c)
		}
	})
}
