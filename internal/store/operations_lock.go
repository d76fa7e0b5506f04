package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
	"sync"
	"time"
)

// Money movements are serialised per master account (the upstream allows one at a time,
// CBC.99007461). On Postgres a session advisory lock on a dedicated connection does it:
// a crashed holder's connection closes and the lock goes with it. On SQLite, where several
// processes may share the file, a lease row taken by a conditional UPDATE does it (a
// crashed holder's lease runs out), with an in-process mutex in front so that goroutines
// of one process queue without polling. The lock session asks the server to notice a
// client gone with its host within seconds (keepAliveQuickly).

// movementLockSpace is the high half of the advisory lock keys ("purser" + 0x0003…).
const movementLockSpace int64 = 0x7075727365730000

var sqliteMovementMu sync.Map // master id → *sync.Mutex

// LockMovements blocks until this caller holds the movement lock of masterID (or ctx ends)
// and returns the function that releases it. lease bounds how long a crashed holder blocks
// others on SQLite (Postgres releases on disconnect); holder names the caller in the row.
func (db *DB) LockMovements(ctx context.Context, masterID, holder string, lease time.Duration) (func(), error) {
	if db.inTx {
		return nil, fmt.Errorf("store: LockMovements inside a transaction")
	}
	if db.dialect == DialectPostgres {
		return db.lockMovementsPostgres(ctx, masterID)
	}
	return db.lockMovementsSQLite(ctx, masterID, holder, lease)
}

func movementKey(masterID string) int64 {
	h := fnv.New32a()
	h.Write([]byte(masterID))
	return movementLockSpace | int64(h.Sum32())
}

func (db *DB) lockMovementsPostgres(ctx context.Context, masterID string) (func(), error) {
	pool, err := db.gorm.DB()
	if err != nil {
		return nil, fmt.Errorf("store: movement lock: %w", err)
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: movement lock: %w", err)
	}
	key := movementKey(masterID)
	if err := keepAliveQuickly(ctx, conn); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("store: movement lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		// A cancelled wait may leave the connection unusable: drop it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
		return nil, fmt.Errorf("store: movement lock: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _ = conn.ExecContext(uctx, `SELECT pg_advisory_unlock($1)`, key)
			_ = conn.Close()
		})
	}, nil
}

// keepAliveQuickly makes the server probe the lock session's client after 10 s of silence
// and drop it after 3 unanswered probes 5 s apart. A holder that dies with its host (power,
// network) closes no socket: with the usual server default (tcp_keepalives_idle 0, the
// system's 2 hours) its lock would stay held, and every movement of the master wait, for
// over two hours; with these it goes after about 25 s, well inside the rescue of the dead
// holder's job. A live holder's kernel answers the probes, even in a long upstream call.
// (On a Unix-domain socket the settings are ignored: the holder is on the server's host.)
func keepAliveQuickly(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT set_config('tcp_keepalives_idle', '10', false),
		set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false)`)
	return err
}

func (db *DB) lockMovementsSQLite(ctx context.Context, masterID, holder string, lease time.Duration) (func(), error) {
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	pool, err := db.gorm.DB()
	if err != nil {
		return nil, fmt.Errorf("store: movement lock: %w", err)
	}
	muAny, _ := sqliteMovementMu.LoadOrStore(fmt.Sprintf("%p:%s", pool, masterID), &sync.Mutex{})
	mu := muAny.(*sync.Mutex)
	locked := make(chan struct{})
	go func() { mu.Lock(); close(locked) }()
	select {
	case <-locked:
	case <-ctx.Done():
		go func() { <-locked; mu.Unlock() }()
		return nil, fmt.Errorf("store: movement lock: %w", ctx.Err())
	}
	g := db.gorm.WithContext(ctx)
	if err := g.Exec(`INSERT INTO movement_locks (master_account_id, holder) VALUES (?, '') ON CONFLICT DO NOTHING`, masterID).Error; err != nil {
		mu.Unlock()
		return nil, translate("movement lock", err)
	}
	for {
		now, err := db.Now(ctx)
		if err != nil {
			mu.Unlock()
			return nil, err
		}
		res := g.Exec(`UPDATE movement_locks SET holder = ?, lease_until = ? WHERE master_account_id = ? AND (holder = '' OR lease_until < ?)`,
			holder, utc(now.Add(lease)), masterID, utc(now))
		if res.Error != nil {
			mu.Unlock()
			return nil, translate("movement lock", res.Error)
		}
		if res.RowsAffected == 1 {
			break
		}
		select {
		case <-ctx.Done():
			mu.Unlock()
			return nil, fmt.Errorf("store: movement lock: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = db.gorm.WithContext(uctx).Exec(`UPDATE movement_locks SET holder = '', lease_until = NULL WHERE master_account_id = ? AND holder = ?`, masterID, holder).Error
			mu.Unlock()
		})
	}, nil
}
