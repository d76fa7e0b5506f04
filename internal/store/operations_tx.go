package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// SQLTx returns the *sql.Tx of a transaction-bound DB (inside InTx), for River's
// transactional enqueue (InsertTx) in the same transaction as the business change.
func (db *DB) SQLTx() (*sql.Tx, error) {
	if !db.inTx {
		return nil, errors.New("store: SQLTx called outside a transaction")
	}
	tx, ok := db.gorm.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("store: transaction pool is %T, not *sql.Tx", db.gorm.Statement.ConnPool)
	}
	return tx, nil
}
