package store

import (
	"context"
	"time"

	"github.com/purser-finance/purser/internal/authz"
)

// The reads of a scheduled report (internal/reports) that no page makes: a period's
// operations and audit events. Operations are limited to the subscriber's scope in SQL,
// as the operations list limits them (OperationFilter.Scopes).

// ReportOperationsLimit bounds a report's list of operations: a sheet of more rows than
// this is no longer read by anyone; the sheet says when it was cut.
const ReportOperationsLimit = 10000

// operationsIn is the operations query limited to scope: nothing for the zero scope.
func (db *DB) operationsIn(ctx context.Context, scope authz.QueryScope) (*conds, bool) {
	if !scope.All && len(scope.OrgIDs) == 0 {
		return nil, false
	}
	f := OperationFilter{}
	if !scope.All {
		f.Scopes = scope.OrgIDs
	}
	return db.operationQuery(ctx, f), true
}

// OperationsCreatedBetween lists the operations within scope drafted in [from, to),
// oldest first, at most ReportOperationsLimit+1 (one more tells the caller there are more).
func (db *DB) OperationsCreatedBetween(ctx context.Context, scope authz.QueryScope, from, to time.Time) ([]Operation, error) {
	c, ok := db.operationsIn(ctx, scope)
	if !ok {
		return nil, nil
	}
	c.add("created_at >= ? AND created_at < ?", utc(from), utc(to))
	var out []Operation
	err := db.gorm.WithContext(ctx).Where(c.sql(), c.args...).Order("id").Limit(ReportOperationsLimit + 1).Find(&out).Error
	return out, translate("operations created between", err)
}

// OperationProblemsBetween lists the operations within scope that failed in [from, to)
// and those whose outcome is unknown and were sent before to (still waiting for the
// reconciler or an admin when the report is made, whenever they went unknown), oldest
// first, at most ReportOperationsLimit+1.
func (db *DB) OperationProblemsBetween(ctx context.Context, scope authz.QueryScope, from, to time.Time) ([]Operation, error) {
	c, ok := db.operationsIn(ctx, scope)
	if !ok {
		return nil, nil
	}
	c.add("((state = ? AND finished_at >= ? AND finished_at < ?) OR (state = ? AND COALESCE(executed_at, updated_at) < ?))",
		stateFailed, utc(from), utc(to), stateUnknown, utc(to))
	var out []Operation
	err := db.gorm.WithContext(ctx).Where(c.sql(), c.args...).Order("id").Limit(ReportOperationsLimit + 1).Find(&out).Error
	return out, translate("operation problems between", err)
}

// AuditCount is how many events of one action had one outcome.
type AuditCount struct {
	Action  string
	Outcome string
	N       int64
}

// AuditCountsBetween counts the audit events of [from, to) by action and outcome, in
// action order.
func (db *DB) AuditCountsBetween(ctx context.Context, from, to time.Time) ([]AuditCount, error) {
	var out []AuditCount
	err := db.gorm.WithContext(ctx).Raw(`SELECT action, outcome, COUNT(*) AS n FROM audit_events WHERE "time" >= ? AND "time" < ? GROUP BY action, outcome ORDER BY action, outcome`,
		utc(from), utc(to)).Scan(&out).Error
	return out, translate("audit counts between", err)
}
