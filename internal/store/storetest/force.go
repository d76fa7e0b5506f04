package storetest

import (
	"context"
	"testing"

	"github.com/purser-finance/purser/internal/store"
)

// ForceOperation sets columns of operation id while it is in state from, failing the test
// when it is not: fixtures for states and owners the workflow cannot produce on demand (a
// worker that died mid-call, an unknown outcome, a request by someone else). Production
// code moves operations only through the store's named transitions.
func ForceOperation(t testing.TB, db *store.DB, id int64, from string, set map[string]any) {
	t.Helper()
	res := db.Gorm().WithContext(context.Background()).Model(&store.Operation{}).
		Where("id = ? AND state = ?", id, from).Updates(set)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("force operation %d (in %s): %d rows, %v", id, from, res.RowsAffected, res.Error)
	}
}

// BreakAudit makes every later audit write on db fail (the events table is renamed away),
// for tests that a use case fails when its audit event cannot be written instead of going
// on unaudited.
func BreakAudit(t testing.TB, db *store.DB) {
	t.Helper()
	if err := db.Gorm().WithContext(context.Background()).Exec(`ALTER TABLE audit_events RENAME TO audit_events_broken`).Error; err != nil {
		t.Fatalf("break the audit log: %v", err)
	}
}
