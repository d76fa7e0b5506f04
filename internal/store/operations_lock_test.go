package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store/storetest"
)

// The session holding a master's movement lock asks the server to probe its client after
// 10 s of silence: a holder that died with its host (no socket closed) loses the lock after
// about 25 s, not after the system's two-hour keepalive, during which every movement of the
// master would wait.
func TestMovementLockSessionNoticesADeadHost(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	pool, err := db.SQL()
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1) // the query below runs on the lock's session, back in the pool
	const q = `SELECT current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count')`
	var idle, interval, count string
	if err := pool.QueryRowContext(ctx, q).Scan(&idle, &interval, &count); err != nil {
		t.Fatal(err)
	}
	if idle == "0" {
		t.Skip("a Unix-domain socket: keepalives do not apply")
	}
	unlock, err := db.LockMovements(ctx, "master-a", "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := pool.QueryRowContext(ctx, q).Scan(&idle, &interval, &count); err != nil {
		t.Fatal(err)
	}
	if idle != "10" || interval != "5" || count != "3" {
		t.Fatalf("lock session keepalives: idle %s, interval %s, count %s; want 10, 5, 3", idle, interval, count)
	}
}
