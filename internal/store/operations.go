package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SnapshotHashColumn, as a value in a transition's set, copies each row's snapshot_hash
// (a batch's final approval binds every row to its own snapshot).
var SnapshotHashColumn = gorm.Expr("snapshot_hash")

// Operations (issue 5): rows of the approval workflow. State changes are conditional
// updates (TransitionOperation): zero rows affected means someone else got there first,
// so two approvers or two workers never move an operation twice.

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
	Attempts          int
	ErrorCode         string
	ErrorMessage      string
	ErrorRequestID    string
	ErrorKind         string
	Response          string
	Resolution        string
	ObservedBefore    string
	ObservedAt        *time.Time
	ExpiresAt         time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	ExecutedAt        *time.Time
	FinishedAt        *time.Time
}

// TableName is gorm's table.
func (Operation) TableName() string { return "operations" }

// OperationBatch is one row of operation_batches.
type OperationBatch struct {
	ID                int64 `gorm:"primaryKey"`
	Kind              string
	State             string
	RequestedBy       int64
	RequestedByName   string
	Reason            string
	RowsCount         int
	Total             string
	Currency          string
	SnapshotHash      string
	RequiredApprovals int
	ExpiresAt         time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// TableName is gorm's table.
func (OperationBatch) TableName() string { return "operation_batches" }

// ApprovalRow is one decision on an operation (OperationID) or a batch (BatchID).
type ApprovalRow struct {
	ID           int64 `gorm:"primaryKey"`
	OperationID  *int64
	BatchID      *int64
	UserID       int64
	Username     string
	Decision     string
	Comment      string
	SecondFactor string
	SnapshotHash string
	At           time.Time
}

// TableName is gorm's table.
func (ApprovalRow) TableName() string { return "approvals" }

// ApprovalPolicy is one kind's approval rule.
type ApprovalPolicy struct {
	Kind              string `gorm:"primaryKey"`
	NeedsApproval     bool
	TwoApproversAbove *string
	ExpirySeconds     int64
	UpdatedAt         time.Time
}

// TableName is gorm's table.
func (ApprovalPolicy) TableName() string { return "approval_policies" }

// IdempotencyKey remembers a form submission: the same key and request hash return the
// same operation or batch.
type IdempotencyKey struct {
	UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
	IdemKey     string `gorm:"primaryKey"`
	RequestHash string
	OperationID *int64
	BatchID     *int64
	CreatedAt   time.Time
}

// TableName is gorm's table.
func (IdempotencyKey) TableName() string { return "idempotency_keys" }

// NotificationRow is one in-app notification.
type NotificationRow struct {
	ID          int64 `gorm:"primaryKey"`
	UserID      int64
	OperationID *int64
	BatchID     *int64
	Kind        string
	Params      string
	ReadAt      *time.Time
	CreatedAt   time.Time
}

// TableName is gorm's table.
func (NotificationRow) TableName() string { return "notifications" }

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

// TransitionOperation moves operation id from one of the states from to state to, setting
// the extra columns set in the same statement: UPDATE … WHERE id = ? AND state IN (from).
// It reports whether this call made the change (false: the state was not in from).
func (db *DB) TransitionOperation(ctx context.Context, id int64, from []string, to string, at time.Time, set map[string]any) (bool, error) {
	cols := map[string]any{"state": to, "updated_at": utc(at)}
	for k, v := range set {
		cols[k] = v
	}
	res := db.gorm.WithContext(ctx).Model(&Operation{}).Where("id = ? AND state IN ?", id, from).Updates(cols)
	if res.Error != nil {
		return false, translate("transition operation", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// TransitionBatchOperations moves every operation of a batch that is in one of from to
// to, returning their ids.
func (db *DB) TransitionBatchOperations(ctx context.Context, batchID int64, from []string, to string, at time.Time, set map[string]any) ([]int64, error) {
	var ids []int64
	if err := db.gorm.WithContext(ctx).Model(&Operation{}).Where("batch_id = ? AND state IN ?", batchID, from).
		Order("batch_line").Pluck("id", &ids).Error; err != nil {
		return nil, translate("batch operations", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cols := map[string]any{"state": to, "updated_at": utc(at)}
	for k, v := range set {
		cols[k] = v
	}
	res := db.gorm.WithContext(ctx).Model(&Operation{}).Where("batch_id = ? AND state IN ?", batchID, from).Updates(cols)
	if res.Error != nil {
		return nil, translate("transition batch operations", res.Error)
	}
	if res.RowsAffected != int64(len(ids)) {
		return nil, fmt.Errorf("store: transition batch operations: %d rows moved, %d expected: %w", res.RowsAffected, len(ids), ErrConflict)
	}
	return ids, nil
}

// UpdateOperationColumns sets columns of an operation only while it is in state (no state
// change): for example the observation taken before the first upstream call.
func (db *DB) UpdateOperationColumns(ctx context.Context, id int64, state string, set map[string]any) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&Operation{}).Where("id = ? AND state = ?", id, state).Updates(set)
	if res.Error != nil {
		return false, translate("update operation", res.Error)
	}
	return res.RowsAffected == 1, nil
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
	Limit        int
	// PendingFor: only operations this user could still decide on (not requested by them,
	// no decision of theirs yet). Oldest first when set.
	PendingFor int64
	MasterID   string
	Ascending  bool
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

// DueOperationIDs lists operations in state whose expires_at is before at (no batch).
func (db *DB) DueOperationIDs(ctx context.Context, state string, at time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Where("state = ? AND expires_at < ? AND batch_id IS NULL", state, utc(at)).
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

// InsertApproval records a decision; a second decision of the same user on the same
// operation or batch is ErrConflict (unique constraint).
func (db *DB) InsertApproval(ctx context.Context, a *ApprovalRow) error {
	a.At = utc(a.At)
	return translate("insert approval", db.gorm.WithContext(ctx).Create(a).Error)
}

// InsertApprovals records many decisions (a batch approval copied to its operations).
func (db *DB) InsertApprovals(ctx context.Context, rows []*ApprovalRow) error {
	for _, a := range rows {
		a.At = utc(a.At)
	}
	return translate("insert approvals", db.gorm.WithContext(ctx).CreateInBatches(rows, 200).Error)
}

// ApprovalsOf lists the decisions on operations (by operation id), oldest first.
func (db *DB) ApprovalsOf(ctx context.Context, opIDs []int64) (map[int64][]ApprovalRow, error) {
	out := map[int64][]ApprovalRow{}
	if len(opIDs) == 0 {
		return out, nil
	}
	var rows []ApprovalRow
	if err := db.gorm.WithContext(ctx).Where("operation_id IN ?", opIDs).Order("id").Find(&rows).Error; err != nil {
		return nil, translate("approvals of", err)
	}
	for _, r := range rows {
		out[*r.OperationID] = append(out[*r.OperationID], r)
	}
	return out, nil
}

// BatchApprovals lists the decisions on a batch, oldest first.
func (db *DB) BatchApprovals(ctx context.Context, batchID int64) ([]ApprovalRow, error) {
	var rows []ApprovalRow
	err := db.gorm.WithContext(ctx).Where("batch_id = ?", batchID).Order("id").Find(&rows).Error
	return rows, translate("batch approvals", err)
}

// CountApprovers counts distinct approving users of an operation (or batch when batch)
// whose approval signed snapshotHash.
func (db *DB) CountApprovers(ctx context.Context, id int64, batch bool, snapshotHash string) (int, error) {
	col := "operation_id"
	if batch {
		col = "batch_id"
	}
	var n int64
	err := db.gorm.WithContext(ctx).Model(&ApprovalRow{}).
		Where(col+" = ? AND decision = 'approve' AND snapshot_hash = ?", id, snapshotHash).
		Distinct("user_id").Count(&n).Error
	return int(n), translate("count approvers", err)
}

// Policies lists the approval policies by kind.
func (db *DB) Policies(ctx context.Context) ([]ApprovalPolicy, error) {
	var out []ApprovalPolicy
	err := db.gorm.WithContext(ctx).Order("kind").Find(&out).Error
	return out, translate("policies", err)
}

// PolicyByKind reads one kind's policy.
func (db *DB) PolicyByKind(ctx context.Context, kind string) (*ApprovalPolicy, error) {
	var p ApprovalPolicy
	if err := db.gorm.WithContext(ctx).Where("kind = ?", kind).Take(&p).Error; err != nil {
		return nil, translate("policy", err)
	}
	return &p, nil
}

// SavePolicy writes one kind's policy.
func (db *DB) SavePolicy(ctx context.Context, p *ApprovalPolicy) error {
	p.UpdatedAt = utc(p.UpdatedAt)
	err := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "kind"}},
		DoUpdates: clause.AssignmentColumns([]string{"needs_approval", "two_approvers_above", "expiry_seconds", "updated_at"}),
	}).Create(p).Error
	return translate("save policy", err)
}

// ClaimIdempotencyKey inserts k unless (user, key) exists; it reports whether it inserted.
// Concurrent claims of one key serialise on the primary key: exactly one inserts.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, k *IdempotencyKey) (bool, error) {
	k.CreatedAt = utc(k.CreatedAt)
	res := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(k)
	if res.Error != nil {
		return false, translate("claim idempotency key", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// IdempotencyKeyOf reads a key.
func (db *DB) IdempotencyKeyOf(ctx context.Context, userID int64, key string) (*IdempotencyKey, error) {
	var k IdempotencyKey
	if err := db.gorm.WithContext(ctx).Where("user_id = ? AND idem_key = ?", userID, key).Take(&k).Error; err != nil {
		return nil, translate("idempotency key", err)
	}
	return &k, nil
}

// SetIdempotencyTarget records what a claimed key created.
func (db *DB) SetIdempotencyTarget(ctx context.Context, userID int64, key string, opID, batchID *int64) error {
	err := db.gorm.WithContext(ctx).Model(&IdempotencyKey{}).Where("user_id = ? AND idem_key = ?", userID, key).
		Updates(map[string]any{"operation_id": opID, "batch_id": batchID}).Error
	return translate("set idempotency target", err)
}

// InsertBatch inserts a batch and sets its ID.
func (db *DB) InsertBatch(ctx context.Context, b *OperationBatch) error {
	b.ExpiresAt, b.CreatedAt, b.UpdatedAt = utc(b.ExpiresAt), utc(b.CreatedAt), utc(b.UpdatedAt)
	return translate("insert batch", db.gorm.WithContext(ctx).Create(b).Error)
}

// BatchByID reads a batch.
func (db *DB) BatchByID(ctx context.Context, id int64) (*OperationBatch, error) {
	var b OperationBatch
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&b).Error; err != nil {
		return nil, translate("batch by id", err)
	}
	return &b, nil
}

// TransitionBatch moves a batch from one of from to to (conditional update).
func (db *DB) TransitionBatch(ctx context.Context, id int64, from []string, to string, at time.Time) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&OperationBatch{}).Where("id = ? AND state IN ?", id, from).
		Updates(map[string]any{"state": to, "updated_at": utc(at)})
	if res.Error != nil {
		return false, translate("transition batch", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// DueBatchIDs lists pending batches whose expires_at is before at.
func (db *DB) DueBatchIDs(ctx context.Context, at time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := db.gorm.WithContext(ctx).Model(&OperationBatch{}).Where("state = 'pending' AND expires_at < ?", utc(at)).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, translate("due batches", err)
}

// LockBatch locks a batch's row until the end of the transaction (Postgres; SQLite
// transactions are serialised already), so that work deciding on the batch as a whole —
// "was this the last row to settle?" — sees every other row's committed state.
func (db *DB) LockBatch(ctx context.Context, batchID int64) error {
	if db.dialect != DialectPostgres {
		return nil
	}
	var id int64
	err := db.gorm.WithContext(ctx).Raw(`SELECT id FROM operation_batches WHERE id = ? FOR UPDATE`, batchID).Scan(&id).Error
	return translate("lock batch", err)
}

// BatchStateCounts counts a batch's operations by state.
func (db *DB) BatchStateCounts(ctx context.Context, batchID int64) (map[string]int, error) {
	var rows []struct {
		State string
		N     int
	}
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Select("state, COUNT(*) AS n").
		Where("batch_id = ?", batchID).Group("state").Scan(&rows).Error
	if err != nil {
		return nil, translate("batch counts", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

// BatchOperations lists a batch's operations in line order.
func (db *DB) BatchOperations(ctx context.Context, batchID int64) ([]Operation, error) {
	var out []Operation
	err := db.gorm.WithContext(ctx).Where("batch_id = ?", batchID).Order("batch_line").Find(&out).Error
	return out, translate("batch operations", err)
}

// InsertNotifications inserts in-app notifications.
func (db *DB) InsertNotifications(ctx context.Context, rows []*NotificationRow) error {
	if len(rows) == 0 {
		return nil
	}
	for _, r := range rows {
		r.CreatedAt = utc(r.CreatedAt)
	}
	return translate("insert notifications", db.gorm.WithContext(ctx).CreateInBatches(rows, 200).Error)
}

// ListNotifications lists a user's notifications, newest first.
func (db *DB) ListNotifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]NotificationRow, error) {
	q := db.gorm.WithContext(ctx).Where("user_id = ?", userID)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	var out []NotificationRow
	err := q.Order("id DESC").Limit(clampLimit(limit, defaultListLimit)).Find(&out).Error
	return out, translate("list notifications", err)
}

// CountUnreadNotifications counts a user's unread notifications.
func (db *DB) CountUnreadNotifications(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&NotificationRow{}).Where("user_id = ? AND read_at IS NULL", userID).Count(&n).Error
	return n, translate("count notifications", err)
}

// MarkNotificationsRead marks a user's notifications read (all when ids is empty).
func (db *DB) MarkNotificationsRead(ctx context.Context, userID int64, ids []int64, at time.Time) error {
	q := db.gorm.WithContext(ctx).Model(&NotificationRow{}).Where("user_id = ? AND read_at IS NULL", userID)
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	return translate("mark notifications read", q.Update("read_at", utc(at)).Error)
}

// CachedResourceRef is what the operation forms check about a resource.
type CachedResourceRef struct {
	ResourceID string
	AccountID  string
	IsMain     bool
	Status     int
}

// ResourcesByIDs reads cached resources by id (any account).
func (db *DB) ResourcesByIDs(ctx context.Context, ids []string) (map[string]CachedResourceRef, error) {
	out := map[string]CachedResourceRef{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []CachedResourceRef
	err := db.gorm.WithContext(ctx).Raw(`SELECT resource_id, account_id, is_main, status FROM resources WHERE resource_id IN ?`, ids).Scan(&rows).Error
	if err != nil {
		return nil, translate("resources by ids", err)
	}
	for _, r := range rows {
		out[r.ResourceID] = r
	}
	return out, nil
}

// CachedCouponBalance reads the cached balance of a master coupon (subAccountID and
// subCouponID "") or of a sub-coupon.
func (db *DB) CachedCouponBalance(ctx context.Context, subAccountID, couponID, subCouponID string) (string, error) {
	var bal []string
	err := db.gorm.WithContext(ctx).Raw(`SELECT balance FROM coupons WHERE sub_account_id = ? AND coupon_id = ? AND sub_coupon_id = ?`,
		subAccountID, couponID, subCouponID).Scan(&bal).Error
	if err != nil {
		return "", translate("coupon balance", err)
	}
	if len(bal) == 0 {
		return "", fmt.Errorf("store: coupon balance: %w", ErrNotFound)
	}
	return bal[0], nil
}
