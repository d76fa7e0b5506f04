// Package store is Purser's persistence layer: gorm over Postgres (production)
// or pure-Go SQLite (the embedded default), SQL migrations embedded with goose,
// and one file per aggregate (users, sessions, tokens, throttle, audit).
//
// Every method takes ctx first and works the same on a *DB returned by Open and
// on the transaction-bound *DB handed to InTx's callback, so use cases compose
// repository calls and their audit event in one transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is returned (wrapped) when the requested row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned (wrapped) when a write violates a unique constraint.
var ErrConflict = errors.New("store: conflict")

// Dialect names returned by DB.Dialect.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// Pool sizes. Postgres: enough for 16+ concurrent request/job goroutines per
// replica while leaving room on a default max_connections=100 server for a few
// replicas. SQLite: WAL allows many readers; writers queue on the IMMEDIATE
// write lock (busy_timeout), so a small pool is plenty. Every connection opened is kept
// while in use within ConnMaxIdleTime: with 5 idle of 20, a read mix at 8 concurrent
// requests closed and opened six Postgres backends a second, each a fork, an
// authentication and every statement described again.
const (
	postgresMaxOpen = 20
	postgresMaxIdle = postgresMaxOpen
	sqliteMaxOpen   = 8
	sqliteMaxIdle   = sqliteMaxOpen
	// sqliteBusyTimeout bounds how long a writer waits for the write lock.
	sqliteBusyTimeout = 30 * time.Second
)

// DB is a handle on the portal database, or on one transaction of it (inside InTx).
type DB struct {
	gorm    *gorm.DB
	dialect string
	log     *slog.Logger
	inTx    bool
	// version counts writes through this pool (see WriteVersion), shared with the
	// handles InTx makes.
	version *atomic.Uint64
}

// Open connects to databaseURL and checks the connection; it does not migrate.
//
//	postgres://… or postgresql://…   Postgres (pgx)
//	sqlite://PATH                    SQLite file at PATH (relative or absolute; the parent directory is created)
//
// SQLite connections use WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE
// for every transaction, so that two writers never both hold a read snapshot and
// then fight to upgrade it (SQLITE_BUSY deadlock): the second waits at BEGIN.
func Open(ctx context.Context, databaseURL string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	scheme, rest, ok := strings.Cut(databaseURL, "://")
	if !ok {
		return nil, fmt.Errorf("store: database URL must start with postgres://, postgresql:// or sqlite:// (got %q)", redactURL(databaseURL))
	}
	cfg := &gorm.Config{
		TranslateError: true,
		// Multi-statement writes use InTx explicitly; single statements need no
		// implicit transaction (and on SQLite it would take the write lock twice).
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	var (
		g       *gorm.DB
		dialect string
		err     error
	)
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		dialect = DialectPostgres
		g, err = gorm.Open(postgres.Open(databaseURL), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres %s: %w", redactURL(databaseURL), err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, fmt.Errorf("store: postgres pool: %w", err)
		}
		sqlDB.SetMaxOpenConns(postgresMaxOpen)
		sqlDB.SetMaxIdleConns(postgresMaxIdle)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case "sqlite":
		dialect = DialectSQLite
		path := rest
		if path == "" {
			return nil, errors.New("store: sqlite:// URL needs a file path, e.g. sqlite://data/portal.db")
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create sqlite directory: %w", err)
			}
		}
		g, err = gorm.Open(sqlite.Open(sqliteDSN(path)), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, fmt.Errorf("store: sqlite pool: %w", err)
		}
		sqlDB.SetMaxOpenConns(sqliteMaxOpen)
		sqlDB.SetMaxIdleConns(sqliteMaxIdle)
	default:
		return nil, fmt.Errorf("store: unsupported database URL scheme %q (want postgres://, postgresql:// or sqlite://)", scheme)
	}
	version, err := countWrites(g)
	if err != nil {
		return nil, err
	}
	db := &DB{gorm: g, dialect: dialect, log: log, version: version}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// sqliteDSN builds the glebarez/go-sqlite DSN. Pragmas are applied by the
// driver on every new connection of the pool.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// redactURL hides a password in a database URL before it goes into an error.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// Dialect is "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect }

// Gorm exposes the underlying *gorm.DB (bound to the transaction inside InTx).
// It exists for repositories added later inside package store; code outside
// the store must use the repository methods, never raw gorm.
func (db *DB) Gorm() *gorm.DB { return db.gorm }

// SQL returns the underlying *sql.DB pool (for River, goose and the like).
// It fails on a transaction-bound DB.
func (db *DB) SQL() (*sql.DB, error) {
	if db.inTx {
		return nil, errors.New("store: SQL() called on a transaction")
	}
	return db.gorm.DB()
}

// Close closes the connection pool. Closing a transaction-bound DB is a no-op.
func (db *DB) Close() error {
	if db.inTx {
		return nil
	}
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.gorm.WithContext(ctx).Exec("SELECT 1").Error; err != nil {
		return fmt.Errorf("store: ping %s: %w", db.dialect, err)
	}
	return nil
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled back
// when it returns an error or panics. The *DB given to fn is bound to the
// transaction; calling InTx on it again simply reuses the transaction (no
// savepoints), so use cases can nest freely. On SQLite the transaction begins
// IMMEDIATE, i.e. it holds the database's write lock from the start.
func (db *DB) InTx(ctx context.Context, fn func(tx *DB) error) error {
	if db.inTx {
		return fn(db)
	}
	// The version moves again after the commit (or rollback) of a transaction that moved
	// it: a reader that cached what it read between a statement of this transaction and
	// its commit must not keep it. (A concurrent transaction's write counts too: one
	// needless move, never a missed one.)
	if db.version != nil {
		before := db.version.Load()
		defer func() {
			if db.version.Load() != before {
				db.version.Add(1)
			}
		}()
	}
	return db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		return fn(&DB{gorm: g, dialect: db.dialect, log: db.log, inTx: true, version: db.version})
	})
}

// InTransaction reports whether db is bound to a transaction.
func (db *DB) InTransaction() bool { return db.inTx }

// Now returns the database's clock in UTC, truncated to microseconds (the
// precision both dialects store). On Postgres it is clock_timestamp(), which
// advances inside a transaction; SQLite's clock has millisecond precision.
func (db *DB) Now(ctx context.Context) (time.Time, error) {
	switch db.dialect {
	case DialectPostgres:
		var t time.Time
		if err := db.gorm.WithContext(ctx).Raw("SELECT clock_timestamp()").Scan(&t).Error; err != nil {
			return time.Time{}, fmt.Errorf("store: database clock: %w", err)
		}
		return t.UTC().Truncate(time.Microsecond), nil
	default:
		var s string
		if err := db.gorm.WithContext(ctx).Raw("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')").Scan(&s).Error; err != nil {
			return time.Time{}, fmt.Errorf("store: database clock: %w", err)
		}
		t, err := time.ParseInLocation("2006-01-02 15:04:05.999", s, time.UTC)
		if err != nil {
			return time.Time{}, fmt.Errorf("store: parse sqlite clock %q: %w", s, err)
		}
		return t, nil
	}
}

// translate maps gorm's errors to the store's sentinels, keeping the cause.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("store: %s: %w: %w", op, ErrConflict, err)
	default:
		return fmt.Errorf("store: %s: %w", op, err)
	}
}

// utc normalises a time for storage: UTC, microseconds (what both dialects keep).
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// utcPtr is utc for nullable times.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}
