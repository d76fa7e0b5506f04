package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The write version moves with what a cached read could see change, and only then: a
// statement that changed a row, and the end of a transaction that had one. A statement
// that matched nothing, a lock, and the sync's bookkeeping (a run's heartbeat and
// progress) leave it, so that the read cache keeps serving.
func TestWriteVersionMovesOnChangesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		run, err := db.BeginSyncRun(ctx, testMaster, "balances", "", "test", "me", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		th := amt("12.00")
		steps := []struct {
			name  string
			moves uint64
			write func() error
		}{
			{"an UPDATE matching no row", 0, func() error { return db.Gorm().Exec(`UPDATE sub_accounts SET name = 'x' WHERE id = 'nobody'`).Error }},
			{"a transaction of such UPDATEs", 0, func() error {
				return db.InTx(ctx, func(tx *store.DB) error {
					return tx.Gorm().Exec(`UPDATE sub_accounts SET name = 'x' WHERE id = 'nobody'`).Error
				})
			}},
			{"a run's progress", 0, func() error { return db.SaveRunProgress(ctx, run.ID, store.RunProgress{Items: 3, Total: 40}) }},
			{"a run's heartbeat", 0, func() error { return db.HeartbeatSyncRun(ctx, run.ID) }},
			{"progress in a transaction", 0, func() error {
				return db.InTx(ctx, func(tx *store.DB) error {
					return tx.SaveRunProgress(ctx, run.ID, store.RunProgress{Items: 4, Total: 40})
				})
			}},
			{"a threshold set", 1, func() error { return db.SetLowBalanceThreshold(ctx, "id-s01", &th) }},
			{"a threshold set in a transaction", 2, func() error {
				return db.InTx(ctx, func(tx *store.DB) error { return tx.SetLowBalanceThreshold(ctx, "id-s02", &th) })
			}},
			{"a run finished", 2, func() error {
				_, err := db.FinishSyncRun(ctx, run.ID, store.RunSucceeded, store.RunProgress{Items: 40, Total: 40}, "")
				return err
			}},
		}
		for _, s := range steps {
			v := db.WriteVersion()
			if err := s.write(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := db.WriteVersion() - v; got != s.moves {
				t.Errorf("%s moved the write version %d times, want %d", s.name, got, s.moves)
			}
		}
	})
}
