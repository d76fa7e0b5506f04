package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"
)

// Funds reservations: the amounts of money movements requested or approved but not yet
// reflected in the cached figure they draw on (the master's transferable amounts for a
// transfer, the sub-account's recoverable amounts for a recovery). The approval use case
// subtracts them from the cached figure to say what is really free.

// MovementQuery selects the movements that reserve part of one cached figure.
type MovementQuery struct {
	Kind string
	// MasterAccountID and SubAccountID narrow the movements ("" = any).
	MasterAccountID, SubAccountID string
	// States are the unsettled states: their movements always reserve.
	States []string
	// SettledState with SettledAfter: a movement settled in that state after the figure
	// was read (not in the figure yet) reserves too. SettledAfter nil: none do.
	SettledState string
	SettledAfter *time.Time
}

// ReservingMovements returns the movements q selects, oldest first.
func (db *DB) ReservingMovements(ctx context.Context, q MovementQuery) ([]Operation, error) {
	g := db.gorm.WithContext(ctx).Where("kind = ?", q.Kind)
	if q.MasterAccountID != "" {
		g = g.Where("master_account_id = ?", q.MasterAccountID)
	}
	if q.SubAccountID != "" {
		g = g.Where("sub_account_id = ?", q.SubAccountID)
	}
	if q.SettledAfter != nil && q.SettledState != "" {
		g = g.Where("(state IN ? OR (state = ? AND finished_at > ?))", q.States, q.SettledState, utc(*q.SettledAfter))
	} else {
		g = g.Where("state IN ?", q.States)
	}
	var out []Operation
	err := g.Order("id").Find(&out).Error
	return out, translate("reserving movements", err)
}

// fundsLockSpace is the high half of the funds lock keys ("purser" + 0x0004…).
const fundsLockSpace int64 = 0x7075727365740000

// LockFunds serialises, until the transaction ends, the requests that reserve part of
// one figure (key names it: a master, or a sub-account for recoveries), so that two
// drafts checked at the same moment cannot both take the same free amount. It must be
// called inside a transaction. Postgres takes a transaction advisory lock; SQLite needs
// nothing, since its transactions begin IMMEDIATE and writers are already one at a time.
func (db *DB) LockFunds(ctx context.Context, key string) error {
	if !db.inTx {
		return fmt.Errorf("store: LockFunds outside a transaction")
	}
	if db.dialect != DialectPostgres {
		return nil
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	err := db.gorm.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(?)", fundsLockSpace|int64(h.Sum32())).Error
	return translate("lock funds", err)
}

// MovementSettledSince reports whether an operation of master, of one of kinds, reached
// state at or after since and no later than until (a clock ahead of this one's is not
// waited for).
func (db *DB) MovementSettledSince(ctx context.Context, master string, kinds []string, state string, since, until time.Time) (bool, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&Operation{}).
		Where("master_account_id = ? AND kind IN ? AND state = ? AND finished_at >= ? AND finished_at <= ?", master, kinds, state, utc(since), utc(until)).
		Limit(1).Count(&n).Error
	return n > 0, translate("movement settled since", err)
}
