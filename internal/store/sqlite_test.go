package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestSQLiteTransactionsBeginImmediate proves that _txlock=immediate is in
// effect: a transaction that has only read still holds the write lock, so a
// concurrent writer waits for it instead of committing in between (which, with
// a deferred BEGIN, would make the first transaction's later write fail with
// SQLITE_BUSY, or let two audit appends read the same chain head).
func TestSQLiteTransactionsBeginImmediate(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	var (
		mu     sync.Mutex
		order  []string
		inside = make(chan struct{})
		wg     sync.WaitGroup
	)
	record := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }

	wg.Add(1)
	go func() {
		defer wg.Done()
		err := db.InTx(ctx, func(tx *store.DB) error {
			if _, err := tx.CountUsers(ctx); err != nil { // a read only
				return err
			}
			close(inside)
			time.Sleep(300 * time.Millisecond)
			record("first writes")
			return tx.CreateUser(ctx, &store.User{Username: "first"})
		})
		if err != nil {
			t.Errorf("first tx: %v", err)
		}
		record("first committed")
	}()

	<-inside
	err := db.InTx(ctx, func(tx *store.DB) error {
		record("second began")
		return tx.CreateUser(ctx, &store.User{Username: "second"})
	})
	if err != nil {
		t.Fatalf("second tx: %v", err)
	}
	wg.Wait()
	if len(order) != 3 || order[0] != "first writes" {
		t.Fatalf("second transaction began while the first held it open: %v", order)
	}
}
