package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/purser-finance/purser/migrations"
)

// MigrationStatus describes one embedded migration and whether it is applied.
type MigrationStatus struct {
	Version   int64
	Name      string // file name, e.g. 00001_foundation.sql
	Applied   bool
	AppliedAt time.Time // zero when not applied
}

// provider builds a goose provider over the embedded SQL of db's dialect. On
// Postgres it takes a session-level advisory lock while migrating, so two
// replicas starting at once apply each migration exactly once.
func (db *DB) provider() (*goose.Provider, error) {
	if db.inTx {
		return nil, errors.New("store: migrations cannot run inside a transaction")
	}
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var (
		dialect goose.Dialect
		fsys    fs.FS
		opts    []goose.ProviderOption
	)
	switch db.dialect {
	case DialectPostgres:
		dialect, fsys = goose.DialectPostgres, migrations.Postgres
		// Retry every second (goose's default is 5 s) for up to 5 minutes: a
		// second replica waits for the first one's migrations, then finds nothing to do.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		// SQLite: goose's own transactions begin IMMEDIATE (see Open), which
		// serialises concurrent migrators on the database's write lock.
		dialect, fsys = goose.DialectSQLite3, migrations.SQLite
	}
	// Each provider keeps its own registry: no goose globals. Areas of the product get
	// their own numbered files and are built in parallel, so a lower-numbered migration
	// may land after a higher one was applied somewhere: apply it rather than refuse to
	// start. Migrations never depend on a later-numbered one.
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	p, err := goose.NewProvider(dialect, sqlDB, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration. Already-applied migrations are
// skipped, so running it again (or from two processes at once on Postgres) is
// a no-op.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate up: %w", err)
	}
	for _, r := range results {
		db.log.InfoContext(ctx, "migration applied",
			slog.String("dialect", db.dialect),
			slog.Int64("version", r.Source.Version),
			slog.String("name", path.Base(r.Source.Path)),
			slog.Duration("duration", r.Duration))
	}
	return nil
}

// MigrationStatus lists every embedded migration in version order.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		ms := MigrationStatus{
			Version: s.Source.Version,
			Name:    path.Base(s.Source.Path),
			Applied: s.State == goose.StateApplied,
		}
		if ms.Applied {
			ms.AppliedAt = s.AppliedAt.UTC()
		}
		out = append(out, ms)
	}
	return out, nil
}
