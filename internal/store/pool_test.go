package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestPoolKeepsItsConnections: requests as concurrent as a busy portal's (16 at once on
// Postgres, SQLite's whole pool of 8) give their connections back to be used again, not closed and
// opened anew. With 5 idle connections kept of 20, a read mix at 8 connections opened
// six Postgres backends a second (each a fork, an authentication, and every statement
// described again on the new connection).
func TestPoolKeepsItsConnections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sqlDB, err := db.Gorm().DB()
		if err != nil {
			t.Fatal(err)
		}
		n := min(16, sqlDB.Stats().MaxOpenConnections) // SQLite's pool is smaller
		for round := 0; round < 5; round++ {
			var held, release, wg sync.WaitGroup
			release.Add(1)
			for range n {
				wg.Add(1)
				held.Add(1)
				go func() {
					defer wg.Done()
					conn, err := sqlDB.Conn(context.Background())
					held.Done()
					if err != nil {
						t.Error(err)
						return
					}
					release.Wait() // all n held at once
					_ = conn.Close()
				}()
			}
			held.Wait()
			release.Done()
			wg.Wait()
		}
		if st := sqlDB.Stats(); st.MaxIdleClosed > 0 {
			t.Errorf("%d connections closed for want of idle room (5 rounds of %d concurrent uses)", st.MaxIdleClosed, n)
		}
	})
}
