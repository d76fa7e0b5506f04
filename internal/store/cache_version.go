package store

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"gorm.io/gorm"
)

// quietSetting marks a gorm statement as bookkeeping (see quiet): the write counter
// leaves it out.
const quietSetting = "purser:quiet"

// countWrites registers callbacks that count the write statements (create, update,
// delete, and Exec of raw SQL) run through g, in or out of a transaction, that changed
// at least one row and are not bookkeeping (quiet). A statement that matched nothing — an
// upsert whose rows were all unchanged, an UPDATE whose WHERE leaves out rows already
// so — changed nothing a cached read could have seen, so it leaves the version alone.
func countWrites(g *gorm.DB) (*atomic.Uint64, error) {
	v := new(atomic.Uint64)
	bump := func(db *gorm.DB) {
		if db.Error != nil || db.RowsAffected <= 0 {
			return
		}
		if _, ok := db.Get(quietSetting); ok {
			return
		}
		v.Add(1)
	}
	// Exec also runs statements that write nothing: a lock taken with SELECT
	// pg_advisory_xact_lock(…) reports a row.
	bumpRaw := func(db *gorm.DB) {
		if q := strings.TrimSpace(db.Statement.SQL.String()); len(q) >= 6 && strings.EqualFold(q[:6], "SELECT") {
			return
		}
		bump(db)
	}
	cb := g.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().After("*").Register("purser:write_version", bump),
		"update": cb.Update().After("*").Register("purser:write_version", bump),
		"delete": cb.Delete().After("*").Register("purser:write_version", bump),
		"raw":    cb.Raw().After("*").Register("purser:write_version", bumpRaw),
	} {
		if err != nil {
			return nil, fmt.Errorf("store: register %s write counter: %w", name, err)
		}
	}
	return v, nil
}

// quiet is db's gorm handle for bookkeeping writes: what only the sync itself reads back
// (a run's heartbeat and progress counters, when each sub-account was last listed and
// read). Such a write does not move WriteVersion, so that a balance pass that found
// nothing new, committing a batch a second for most of an hour, leaves the read cache
// alone. What it changes shows on pages after at most the cache's age limit (2 s).
func (db *DB) quiet(ctx context.Context) *gorm.DB {
	// Session: a handle safe to run several statements on (each starts afresh, keeping
	// the setting), as WithContext's is.
	return db.gorm.WithContext(ctx).Set(quietSetting, true).Session(&gorm.Session{})
}

// unversioned serves WriteVersion for a handle not made by Open: a new value every call,
// so that nothing is ever reused.
var unversioned atomic.Uint64

// WriteVersion is a number that changes after every write this process makes through
// the database handle that changed what a read could see: each write statement that
// changed a row (bookkeeping aside, see quiet), and again when a transaction with such a
// statement ends. Caches of data read from the database (the read pages' aggregates,
// internal/readmodel) keep an entry only while the version it was read at is current,
// so this process never serves what it has itself overwritten. Writes by other
// processes (another replica) do not move it: such caches also expire by age. Read the
// version before reading the data it guards.
func (db *DB) WriteVersion() uint64 {
	if db.version == nil {
		return unversioned.Add(1) | 1<<63
	}
	return db.version.Load()
}
