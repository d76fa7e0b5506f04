package store

import (
	"context"
	"strings"
	"time"
)

// Operations (issue 5): rows of the approval workflow. State changes are the named
// transitions of operations_transitions.go, each a conditional update: zero rows affected
// means someone else got there first, so two approvers or two workers never move an
// operation twice.

// Operation is one row of operations. Amount is a two-decimal string ("" when none).
type Operation struct {
	ID                int64 `gorm:"primaryKey"`
	Kind              string
	State             string
	Params            string
	SnapshotHash      string
	ApprovedHash      string
	Amount            *string
	Currency          string
	SubAccountID      string
	OrgPath           string // "/root/unit/…/" or ""
	MasterAccountID   string
	TransID           string
	RequestedBy       int64
	RequestedByName   string
	Reason            string
	BatchID           *int64
	BatchLine         int
	RequiredApprovals int
	// LimitNote says, as JSON, which drafting limits the operation went over when it
	// was drafted, so needing one more approval than its policy; "" when none.
	LimitNote string
	// The approval route fixed at request time (migration 00069): the matrix rule that
	// applied (nil: the kind's policy) and its version, the levels as JSON ("" on rows
	// requested before the matrix: one level of RequiredApprovals from any approver), and
	// whether they go in order.
	ApprovalRuleID      *int64
	ApprovalRuleVersion int
	ApprovalLevels      string
	ApprovalSequential  bool
	Attempts            int
	ErrorCode           string
	ErrorMessage        string
	ErrorRequestID      string
	ErrorKind           string
	Response            string
	Resolution          string
	ObservedBefore      string
	ObservedAt          *time.Time
	ExpiresAt           time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
	ExecutedAt          *time.Time
	FinishedAt          *time.Time
}

// TableName is gorm's table.
func (Operation) TableName() string { return "operations" }

// InsertOperation inserts o and sets its ID.
func (db *DB) InsertOperation(ctx context.Context, o *Operation) error {
	o.ExpiresAt, o.CreatedAt, o.UpdatedAt = utc(o.ExpiresAt), utc(o.CreatedAt), utc(o.UpdatedAt)
	return translate("insert operation", db.gorm.WithContext(ctx).Create(o).Error)
}

// InsertOperations inserts many operations (a batch's rows) in chunks and sets their IDs.
func (db *DB) InsertOperations(ctx context.Context, ops []*Operation) error {
	for _, o := range ops {
		o.ExpiresAt, o.CreatedAt, o.UpdatedAt = utc(o.ExpiresAt), utc(o.CreatedAt), utc(o.UpdatedAt)
	}
	return translate("insert operations", db.gorm.WithContext(ctx).CreateInBatches(ops, 200).Error)
}

// OperationByID reads one operation.
func (db *DB) OperationByID(ctx context.Context, id int64) (*Operation, error) {
	var o Operation
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&o).Error; err != nil {
		return nil, translate("operation by id", err)
	}
	return &o, nil
}

// OperationsByIDs reads operations by id (any order).
func (db *DB) OperationsByIDs(ctx context.Context, ids []int64) ([]Operation, error) {
	var out []Operation
	if len(ids) == 0 {
		return out, nil
	}
	err := db.gorm.WithContext(ctx).Where("id IN ?", ids).Order("id").Find(&out).Error
	return out, translate("operations by ids", err)
}

// OperationFilter selects operations (newest first, keyset on id).
type OperationFilter struct {
	States       []string
	Kind         string
	RequestedBy  int64
	SubAccountID string
	BatchID      int64
	Scopes       []string // org unit ids; empty: no restriction
	BeforeID     int64
	// AfterID: only ids above it (the keyset of an ascending listing).
	AfterID int64
	// NoBatch leaves the rows of batches out.
	NoBatch bool
	Limit   int
	// PendingFor: only operations this user could still decide on (not requested by them,
	// no decision of theirs yet). Oldest first when set.
	PendingFor int64
	MasterID   string
	Ascending  bool
	// ExceptID and ExceptSubAccountID leave one operation, and one sub-account's
	// operations, out: what an operation's page lists beside it ("" and 0: none).
	ExceptID           int64
	ExceptSubAccountID string
	// ExceptRequesters leaves out the requests of these users (an approver's delegators,
	// whose requests they may not decide on).
	ExceptRequesters []int64
}

func (db *DB) operationQuery(ctx context.Context, f OperationFilter) *conds {
	c := &conds{}
	if len(f.States) > 0 {
		c.add("state IN ?", f.States)
	}
	if f.Kind != "" {
		c.add("kind = ?", f.Kind)
	}
	if f.RequestedBy != 0 {
		c.add("requested_by = ?", f.RequestedBy)
	}
	if f.SubAccountID != "" {
		c.add("sub_account_id = ?", f.SubAccountID)
	}
	if f.BatchID != 0 {
		c.add("batch_id = ?", f.BatchID)
	}
	if f.MasterID != "" {
		c.add("master_account_id = ?", f.MasterID)
	}
	if f.ExceptID != 0 {
		c.add("id <> ?", f.ExceptID)
	}
	if f.ExceptSubAccountID != "" {
		c.add("sub_account_id <> ?", f.ExceptSubAccountID)
	}
	if len(f.ExceptRequesters) > 0 {
		c.add("requested_by NOT IN ?", f.ExceptRequesters)
	}
	if len(f.Scopes) > 0 {
		var parts []string
		var args []any
		for _, s := range f.Scopes {
			parts = append(parts, "org_path LIKE ?")
			args = append(args, "%/"+likeEscape(s)+"/%")
		}
		parts = append(parts, "org_path = ''")
		c.add("("+strings.Join(parts, " OR ")+")", args...)
	}
	if f.PendingFor != 0 {
		c.add("requested_by <> ?", f.PendingFor)
		c.add("NOT EXISTS (SELECT 1 FROM approvals a WHERE a.operation_id = operations.id AND a.user_id = ?)", f.PendingFor)
		c.add("(batch_id IS NULL OR NOT EXISTS (SELECT 1 FROM approvals b WHERE b.batch_id = operations.batch_id AND b.user_id = ?))", f.PendingFor)
	}
	if f.BeforeID > 0 {
		c.add("id < ?", f.BeforeID)
	}
	if f.AfterID > 0 {
		c.add("id > ?", f.AfterID)
	}
	if f.NoBatch {
		c.add("batch_id IS NULL")
	}
	return c
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListOperations returns one page of operations.
func (db *DB) ListOperations(ctx context.Context, f OperationFilter) ([]Operation, error) {
	c := db.operationQuery(ctx, f)
	order := "id DESC"
	if f.Ascending {
		order = "id"
	}
	var out []Operation
	err := db.gorm.WithContext(ctx).Where(c.sql(), c.args...).Order(order).Limit(clampLimit(f.Limit, defaultListLimit)).Find(&out).Error
	return out, translate("list operations", err)
}

// CountOperations counts operations matching f (Limit and BeforeID ignored).
func (db *DB) CountOperations(ctx context.Context, f OperationFilter) (int64, error) {
	f.BeforeID = 0
	c := db.operationQuery(ctx, f)
	var n int64
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Where(c.sql(), c.args...).Count(&n).Error
	return n, translate("count operations", err)
}

// CountOperationDecisions counts what a person decides on among the matching operations:
// each operation outside a batch once, and each batch once however many rows it has.
func (db *DB) CountOperationDecisions(ctx context.Context, f OperationFilter) (int64, error) {
	f.BeforeID = 0
	c := db.operationQuery(ctx, f)
	var n int64
	// Operation ids negated and batch ids are distinct keys: both are positive.
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Where(c.sql(), c.args...).
		Select("COUNT(DISTINCT CASE WHEN batch_id IS NULL THEN -id ELSE batch_id END)").Scan(&n).Error
	return n, translate("count operation decisions", err)
}

// DueOperationIDs lists pending operations outside a batch whose expires_at is before at:
// what MarkExpired ends (a batch's rows expire with their batch, DueBatchIDs).
func (db *DB) DueOperationIDs(ctx context.Context, at time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Where("state = ? AND expires_at < ? AND batch_id IS NULL", statePending, utc(at)).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, translate("due operations", err)
}

// OperationIDsInState lists operations in one of states whose updated_at is before
// olderThan (zero: any), oldest first.
func (db *DB) OperationIDsInState(ctx context.Context, states []string, olderThan time.Time, limit int) ([]int64, error) {
	q := db.gorm.WithContext(ctx).Model(&Operation{}).Where("state IN ?", states)
	if !olderThan.IsZero() {
		q = q.Where("updated_at < ?", utc(olderThan))
	}
	var ids []int64
	err := q.Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, translate("operations in state", err)
}

// MovementsAfter lists the operations of a sub-account and kinds observed (ObservedAt)
// after at, other than id: what else moved the same balance after an observation.
func (db *DB) MovementsAfter(ctx context.Context, id int64, subAccountID string, kinds []string, at time.Time) ([]Operation, error) {
	var out []Operation
	err := db.gorm.WithContext(ctx).Where("id <> ? AND sub_account_id = ? AND kind IN ? AND observed_at IS NOT NULL AND observed_at > ?",
		id, subAccountID, kinds, utc(at)).Order("id").Find(&out).Error
	return out, translate("movements after", err)
}

// MovementInFlight reports whether another money movement on the sub-account may have a
// call to the upstream in flight: it is executing and has already observed the balances
// it starts from (the last step before its call).
func (db *DB) MovementInFlight(ctx context.Context, id int64, subAccountID string, kinds []string) (bool, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Where("id <> ? AND sub_account_id = ? AND kind IN ? AND state = 'executing' AND observed_at IS NOT NULL",
		id, subAccountID, kinds).Count(&n).Error
	return n > 0, translate("movement in flight", err)
}
