package store

import (
	"fmt"
	"sync/atomic"

	"gorm.io/gorm"
)

// countWrites registers callbacks that count every write statement (create, update,
// delete, and Exec of raw SQL) run through g, in or out of a transaction.
func countWrites(g *gorm.DB) (*atomic.Uint64, error) {
	v := new(atomic.Uint64)
	bump := func(*gorm.DB) { v.Add(1) }
	cb := g.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().After("*").Register("purser:write_version", bump),
		"update": cb.Update().After("*").Register("purser:write_version", bump),
		"delete": cb.Delete().After("*").Register("purser:write_version", bump),
		"raw":    cb.Raw().After("*").Register("purser:write_version", bump),
	} {
		if err != nil {
			return nil, fmt.Errorf("store: register %s write counter: %w", name, err)
		}
	}
	return v, nil
}

// unversioned serves WriteVersion for a handle not made by Open: a new value every call,
// so that nothing is ever reused.
var unversioned atomic.Uint64

// WriteVersion is a number that changes after every write this process makes through
// the database handle: each write statement, and again when a transaction ends. Caches of
// data read from the database (the read pages' aggregates, internal/web) keep an entry
// only while the version it was read at is current, so this process never serves what it
// has itself overwritten. Writes by other processes (another replica) do not move it:
// such caches also expire by age. Read the version before reading the data it guards.
func (db *DB) WriteVersion() uint64 {
	if db.version == nil {
		return unversioned.Add(1) | 1<<63
	}
	return db.version.Load()
}

func (db *DB) bumpVersion() {
	if db.version != nil {
		db.version.Add(1)
	}
}
