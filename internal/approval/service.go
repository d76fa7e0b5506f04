package approval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// Audit actions of operations (CONTRACTS.md "Audit actions").
const (
	ActionCreate    = "operation.create"
	ActionSubmit    = "operation.submit"
	ActionApprove   = "operation.approve"
	ActionReject    = "operation.reject"
	ActionCancel    = "operation.cancel"
	ActionExpire    = "operation.expire"
	ActionExecute   = "operation.execute"
	ActionSucceed   = "operation.succeed"
	ActionFail      = "operation.fail"
	ActionUnknown   = "operation.unknown"
	ActionReconcile = "operation.reconcile"
	ActionPolicy    = "policy.update"
)

// TargetOperation and TargetBatch are the audit target types.
const (
	TargetOperation = "operation"
	TargetBatch     = "operation_batch"
)

// now is the service clock, UTC, microseconds.
func (s *Service) now() time.Time { return s.opts.Clock().UTC().Truncate(time.Microsecond) }

// SnapshotHash is the hex SHA-256 of what executes: kind, master, trans_id and the params
// JSON exactly as stored. The executor recomputes it before calling upstream.
func SnapshotHash(kind, masterID, transID, paramsJSON string) string {
	h := sha256.New()
	for _, p := range []string{"purser.op.v1", kind, masterID, transID, paramsJSON} {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func requestHash(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func joinPath(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return "/" + strings.Join(p, "/") + "/"
}

func splitPath(s string) []string {
	s = strings.Trim(s, "/")
	if s == "" {
		return nil
	}
	return strings.Split(s, "/")
}

// OperationFromRow converts a stored row (for the executor and the web layer's tests).
func OperationFromRow(r store.Operation, approvals []store.ApprovalRow) Operation {
	o := Operation{
		ID: r.ID, Kind: Kind(r.Kind), State: State(r.State), SnapshotHash: r.SnapshotHash,
		Currency: r.Currency, SubAccountID: r.SubAccountID, OrgPath: splitPath(r.OrgPath),
		MasterAccountID: r.MasterAccountID, TransID: strings.TrimSpace(r.TransID), RequestedBy: r.RequestedBy,
		RequestedByName: r.RequestedByName, Reason: r.Reason, BatchID: r.BatchID,
		RequiredApprovals: r.RequiredApprovals, Attempts: r.Attempts, Resolution: r.Resolution,
		ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		ExecutedAt: r.ExecutedAt, FinishedAt: r.FinishedAt, Approvals: []Approval{},
	}
	_ = json.Unmarshal([]byte(r.Params), &o.Params)
	if r.Amount != nil {
		if a, err := money.FromUpstream(*r.Amount, r.Currency); err == nil {
			o.Amount = &a
		}
	}
	if r.ErrorCode != "" || r.ErrorMessage != "" {
		o.Error = &UpstreamError{Code: r.ErrorCode, Message: r.ErrorMessage, RequestID: r.ErrorRequestID, Kind: r.ErrorKind}
		if k := bssKind(r.ErrorKind); k != nil {
			e := &bss.Error{Kind: k, Code: r.ErrorCode}
			o.Error.MessageEN, o.Error.MessageZH = e.UserMessage("en"), e.UserMessage("zh")
		}
	}
	if r.Response != "" {
		o.Response = json.RawMessage(r.Response)
	}
	for _, a := range approvals {
		o.Approvals = append(o.Approvals, Approval{UserID: a.UserID, Username: a.Username, Decision: a.Decision,
			Comment: a.Comment, SecondFactor: a.SecondFactor, SnapshotHash: a.SnapshotHash, At: a.At.UTC()})
	}
	return o
}

// bssKinds lets a stored kind text find its bss error kind again (for translated texts).
var bssKinds = []error{bss.ErrInvalidRequest, bss.ErrAuthentication, bss.ErrAccessDenied, bss.ErrThrottled,
	bss.ErrInsufficientBalance, bss.ErrDuplicateTransID, bss.ErrMovementInProgress, bss.ErrCreditExpired,
	bss.ErrAccountNotFound, bss.ErrAccountFrozen, bss.ErrNoRelation, bss.ErrResourceUnavailable,
	bss.ErrNotMainResource, bss.ErrRefused, bss.ErrPartialFailure, bss.ErrUnknownOutcome,
	bss.ErrUnavailable, bss.ErrBadResponse, bss.ErrUpstream}

func bssKind(text string) error {
	for _, k := range bssKinds {
		if k.Error() == text {
			return k
		}
	}
	return nil
}

func (s *Service) load(ctx context.Context, db *store.DB, id int64) (*store.Operation, error) {
	r, err := db.OperationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return r, err
}

func (s *Service) withApprovals(ctx context.Context, rows []store.Operation) ([]Operation, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	aps, err := s.db.ApprovalsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Operation, len(rows))
	for i, r := range rows {
		out[i] = OperationFromRow(r, aps[r.ID])
	}
	return out, nil
}

func (s *Service) get(ctx context.Context, id int64) (*Operation, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	ops, err := s.withApprovals(ctx, []store.Operation{*r})
	if err != nil {
		return nil, err
	}
	return &ops[0], nil
}

// record appends an audit event on the operation.
func record(ctx context.Context, tx *store.DB, m audit.Meta, action string, id int64, outcome string, details map[string]any) error {
	return audit.Record(ctx, tx, m, audit.Entry{Action: action, TargetType: TargetOperation,
		TargetID: strconv.FormatInt(id, 10), Outcome: outcome, Details: details})
}

func (s *Service) policy(ctx context.Context, kind Kind) (Policy, error) {
	p, err := s.db.PolicyByKind(ctx, string(kind))
	if errors.Is(err, store.ErrNotFound) {
		two := money.New(thresholdDefault, money.DefaultCurrency)
		pol := Policy{Kind: kind, NeedsApproval: true, Expiry: 72 * time.Hour}
		if kind.MovesMoney() {
			pol.TwoApproversAbove = &two
		}
		return pol, nil
	}
	if err != nil {
		return Policy{}, err
	}
	return policyFromRow(*p), nil
}

func policyFromRow(p store.ApprovalPolicy) Policy {
	out := Policy{Kind: Kind(p.Kind), NeedsApproval: p.NeedsApproval, Expiry: time.Duration(p.ExpirySeconds) * time.Second, UpdatedAt: p.UpdatedAt.UTC()}
	if p.TwoApproversAbove != nil {
		if a, err := money.FromUpstream(*p.TwoApproversAbove, money.DefaultCurrency); err == nil {
			out.TwoApproversAbove = &a
		}
	}
	return out
}

// requiredApprovals applies a policy to an amount.
func requiredApprovals(p Policy, amount *money.Amount) int {
	switch {
	case !p.NeedsApproval:
		return 0
	case amount != nil && p.TwoApproversAbove != nil && amount.Cmp(*p.TwoApproversAbove) >= 0:
		return 2
	}
	return 1
}

// Create: see approval.go.
func (s *Service) Create(ctx context.Context, a Actor, in Input, idemKey string) (*Operation, error) {
	sub := a.Subject()
	if !authz.Allowed(sub, authz.CreateOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	v, err := s.validate(ctx, a, in)
	if err != nil {
		return nil, err
	}
	pol, err := s.policy(ctx, in.Kind)
	if err != nil {
		return nil, err
	}
	paramsJSON, _ := json.Marshal(v.params)
	now := s.now()
	transID := bss.NewTransID()
	row := &store.Operation{
		Kind: string(in.Kind), State: string(StatePending), Params: string(paramsJSON),
		Currency: v.currency, SubAccountID: v.params.SubAccountID, OrgPath: joinPath(v.orgPath),
		MasterAccountID: v.masterOr(s.opts.MasterAccountID), TransID: transID, RequestedBy: a.UserID,
		RequestedByName: a.Username, Reason: strings.TrimSpace(in.Reason),
		RequiredApprovals: requiredApprovals(pol, v.amount), ExpiresAt: now.Add(pol.Expiry),
		CreatedAt: now, UpdatedAt: now,
	}
	row.SnapshotHash = SnapshotHash(row.Kind, row.MasterAccountID, row.TransID, row.Params)
	if v.amount != nil {
		amt := v.amount.String()
		row.Amount = &amt
	}
	reqHash := requestHash(struct {
		Op string
		In Input
	}{"op", in})
	var existing int64
	var notes []Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		if idemKey != "" {
			id, err := claimKey(ctx, tx, a.UserID, idemKey, reqHash, now)
			if err != nil || id != 0 {
				existing = id
				return err
			}
		}
		if err := s.checkFunds(ctx, tx, in.Kind, row.MasterAccountID, v.params, v.amount); err != nil {
			return err
		}
		if err := tx.InsertOperation(ctx, row); err != nil {
			return err
		}
		if idemKey != "" {
			if err := tx.SetIdempotencyTarget(ctx, a.UserID, idemKey, &row.ID, nil); err != nil {
				return err
			}
		}
		m := a.meta()
		details := map[string]any{"kind": row.Kind, "trans_id": row.TransID, "sub_account_id": row.SubAccountID,
			"amount": ptrString(row.Amount), "params": json.RawMessage(row.Params), "snapshot_hash": row.SnapshotHash,
			"reason": row.Reason, "required_approvals": row.RequiredApprovals}
		if err := record(ctx, tx, m, ActionCreate, row.ID, audit.Success, details); err != nil {
			return err
		}
		if err := record(ctx, tx, m, ActionSubmit, row.ID, audit.Success, map[string]any{"state": StatePending}); err != nil {
			return err
		}
		if row.RequiredApprovals == 0 {
			ok, err := tx.TransitionOperation(ctx, row.ID, []string{string(StatePending)}, string(StateApproved), now,
				map[string]any{"approved_hash": row.SnapshotHash})
			if err != nil || !ok {
				return errors.Join(err, ErrWrongState)
			}
			if err := record(ctx, tx, audit.System("policy"), ActionApprove, row.ID, audit.Success,
				map[string]any{"policy": "no approval needed", "snapshot_hash": row.SnapshotHash}); err != nil {
				return err
			}
			if err := s.enqueue(ctx, tx, []int64{row.ID}); err != nil {
				return err
			}
			row.State = string(StateApproved)
			notes = append(notes, s.noteRequester(row, "notify.op.approved"))
			return s.note.Insert(ctx, tx, notes)
		}
		ns, err := s.noteApprovers(ctx, tx, row, "notify.op.pending")
		if err != nil {
			return err
		}
		notes = append(notes, ns...)
		return s.note.Insert(ctx, tx, notes)
	})
	if err != nil {
		return nil, err
	}
	if existing != 0 {
		return s.get(ctx, existing)
	}
	s.note.Dispatch(notes)
	return s.get(ctx, row.ID)
}

// claimKey claims an idempotency key; it returns the id of the operation (or batch) the
// key already names, 0 when this call claimed it, or ErrIdempotencyConflict.
func claimKey(ctx context.Context, tx *store.DB, userID int64, key, reqHash string, now time.Time) (int64, error) {
	ok, err := tx.ClaimIdempotencyKey(ctx, &store.IdempotencyKey{UserID: userID, IdemKey: key, RequestHash: reqHash, CreatedAt: now})
	if err != nil || ok {
		return 0, err
	}
	k, err := tx.IdempotencyKeyOf(ctx, userID, key)
	if err != nil {
		return 0, err
	}
	if k.RequestHash != reqHash {
		return 0, ErrIdempotencyConflict
	}
	switch {
	case k.OperationID != nil:
		return *k.OperationID, nil
	case k.BatchID != nil:
		return *k.BatchID, nil
	}
	return 0, ErrIdempotencyConflict
}

func ptrString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Service) enqueue(ctx context.Context, tx *store.DB, ids []int64) error {
	if s.opts.Enqueuer == nil {
		return errors.New("approval: no job enqueuer configured")
	}
	sqlTx, err := tx.SQLTx()
	if err != nil {
		return err
	}
	return s.opts.Enqueuer.EnqueueExecuteTx(ctx, sqlTx, ids)
}

// Cancel: see approval.go.
func (s *Service) Cancel(ctx context.Context, a Actor, id int64) (*Operation, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, r) {
		// Out of scope, it does not exist for this user: 404 like Get, not a 403 that confirms it.
		return nil, ErrOutOfScope
	}
	if r.RequestedBy != a.UserID || !authz.Allowed(a.Subject(), authz.CancelOperation, authz.Target{OrgPath: splitPath(r.OrgPath)}) {
		return nil, ErrForbidden
	}
	if r.BatchID != nil {
		return nil, fmt.Errorf("%w: cancel the batch", ErrWrongState)
	}
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.TransitionOperation(ctx, id, []string{string(StateDraft), string(StatePending)}, string(StateCancelled), now,
			map[string]any{"finished_at": now})
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		return record(ctx, tx, a.meta(), ActionCancel, id, audit.Success, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, id)
}

// ExpireDue: see approval.go.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	moved := 0
	now := s.now()
	for {
		ids, err := s.db.DueOperationIDs(ctx, string(StatePending), now, 200)
		if err != nil {
			return moved, err
		}
		for _, id := range ids {
			var notes []Note
			err := s.db.InTx(ctx, func(tx *store.DB) error {
				ok, err := tx.TransitionOperation(ctx, id, []string{string(StatePending)}, string(StateExpired), now,
					map[string]any{"finished_at": now})
				if err != nil || !ok {
					return err
				}
				moved++
				if err := record(ctx, tx, audit.System("expiry"), ActionExpire, id, audit.Success, nil); err != nil {
					return err
				}
				r, err := tx.OperationByID(ctx, id)
				if err != nil {
					return err
				}
				notes = append(notes, s.noteRequester(r, "notify.op.expired"))
				return s.note.Insert(ctx, tx, notes)
			})
			if err != nil {
				return moved, err
			}
			s.note.Dispatch(notes)
		}
		if len(ids) < 200 {
			break
		}
	}
	n, err := s.expireBatches(ctx, now)
	return moved + n, err
}

// Resolve: see approval.go.
func (s *Service) Resolve(ctx context.Context, a Actor, id int64, outcome State, reason string) (*Operation, error) {
	if !authz.Allowed(a.Subject(), authz.ResolveOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	ve := &ValidationError{}
	if outcome != StateSucceeded && outcome != StateFailed {
		ve.add("outcome", "op.err.resolve_outcome", nil)
	}
	if reason == "" {
		ve.add("reason", "op.err.reason_required", nil)
	}
	if err := ve.orNil(); err != nil {
		return nil, err
	}
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	var notes []Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.TransitionOperation(ctx, id, []string{string(StateUnknown)}, string(outcome), now,
			map[string]any{"resolution": reason, "finished_at": now})
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		if err := record(ctx, tx, a.meta(), ActionReconcile, id, audit.Success,
			map[string]any{"outcome": outcome, "reason": reason, "manual": true}); err != nil {
			return err
		}
		r.State = string(outcome)
		notes = append(notes, s.noteRequester(r, "notify.op."+string(outcome)))
		return s.note.Insert(ctx, tx, notes)
	})
	if err != nil {
		return nil, err
	}
	s.note.Dispatch(notes)
	return s.get(ctx, id)
}

// canSee reports whether a may read an operation.
func canSee(a Actor, r *store.Operation) bool {
	sub := a.Subject()
	if r.RequestedBy == a.UserID {
		return true
	}
	if !authz.Allowed(sub, authz.ViewOperations, authz.Target{}) {
		return false
	}
	return authz.InScope(sub, splitPath(r.OrgPath))
}

// scopesOf is the scope restriction for lists: none for admins, auditors and unscoped users.
func scopesOf(a Actor) []string {
	sub := a.Subject()
	if sub.Has(authz.Admin) || sub.Has(authz.Auditor) {
		return nil
	}
	return a.Scopes
}

// Get: see approval.go.
func (s *Service) Get(ctx context.Context, a Actor, id int64) (*Operation, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, r) {
		return nil, ErrNotFound
	}
	return s.get(ctx, id)
}

// List: see approval.go.
func (s *Service) List(ctx context.Context, a Actor, f Filter) (Page, error) {
	sub := a.Subject()
	sf := store.OperationFilter{Kind: string(f.Kind), RequestedBy: f.RequestedBy, SubAccountID: f.SubAccountID,
		BatchID: f.BatchID, Scopes: scopesOf(a), Limit: f.Limit, MasterID: f.MasterAccountID}
	if !authz.Allowed(sub, authz.ViewOperations, authz.Target{}) {
		sf.RequestedBy = a.UserID // everyone sees their own requests
	}
	for _, st := range f.States {
		sf.States = append(sf.States, string(st))
	}
	if f.Cursor != "" {
		n, err := strconv.ParseInt(f.Cursor, 36, 64)
		if err != nil || n <= 0 {
			return Page{}, &ValidationError{Fields: map[string]string{"cursor": "op.err.bad_cursor"}}
		}
		sf.BeforeID = n
	}
	if sf.Limit <= 0 {
		sf.Limit = 50
	}
	sf.Limit = min(sf.Limit, 500)
	want := sf.Limit
	sf.Limit = want + 1
	rows, err := s.db.ListOperations(ctx, sf)
	if err != nil {
		return Page{}, err
	}
	var next string
	if len(rows) > want {
		rows = rows[:want]
		next = strconv.FormatInt(rows[want-1].ID, 36)
	}
	items, err := s.withApprovals(ctx, rows)
	if err != nil {
		return Page{}, err
	}
	return Page{Items: items, NextCursor: next}, nil
}

func (s *Service) pendingFilter(a Actor) (store.OperationFilter, bool) {
	if !authz.Allowed(a.Subject(), authz.ApproveOperation, authz.Target{}) {
		return store.OperationFilter{}, false
	}
	return store.OperationFilter{States: []string{string(StatePending)}, PendingFor: a.UserID,
		Scopes: scopesOf(a), Ascending: true}, true
}

// PendingFor: see approval.go.
func (s *Service) PendingFor(ctx context.Context, a Actor, limit int) ([]Operation, error) {
	f, ok := s.pendingFilter(a)
	if !ok {
		return []Operation{}, nil
	}
	f.Limit = limit
	rows, err := s.db.ListOperations(ctx, f)
	if err != nil {
		return nil, err
	}
	return s.withApprovals(ctx, rows)
}

// CountPendingFor: see approval.go.
func (s *Service) CountPendingFor(ctx context.Context, a Actor) (int, error) {
	f, ok := s.pendingFilter(a)
	if !ok {
		return 0, nil
	}
	// A batch is one decision: it counts once, as the inbox shows it.
	n, err := s.db.CountOperationDecisions(ctx, f)
	return int(n), err
}

// Timeline: see approval.go.
func (s *Service) Timeline(ctx context.Context, a Actor, id int64) ([]TimelineEntry, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, r) {
		return nil, ErrNotFound
	}
	out := []TimelineEntry{}
	add := func(targetType string, tid int64) error {
		evs, err := s.db.ListAudit(ctx, store.AuditFilter{TargetType: targetType, TargetID: strconv.FormatInt(tid, 10), Ascending: true, Limit: 500})
		if err != nil {
			return err
		}
		for _, e := range evs {
			var d map[string]any
			_ = json.Unmarshal(e.Details, &d)
			out = append(out, TimelineEntry{At: e.Time, Action: e.Action, Actor: e.ActorName, ActorID: e.ActorID, Outcome: e.Outcome, Details: d})
		}
		return nil
	}
	if r.BatchID != nil {
		if err := add(TargetBatch, *r.BatchID); err != nil {
			return nil, err
		}
	}
	if err := add(TargetOperation, id); err != nil {
		return nil, err
	}
	sortTimeline(out)
	return out, nil
}

func sortTimeline(t []TimelineEntry) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].At.Before(t[j-1].At); j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

// Policies: see approval.go.
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	rows, err := s.db.Policies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Policy, 0, len(rows))
	for _, r := range rows {
		out = append(out, policyFromRow(r))
	}
	return out, nil
}

// SetPolicy: see approval.go.
func (s *Service) SetPolicy(ctx context.Context, a Actor, p Policy) error {
	if !authz.Allowed(a.Subject(), authz.ManagePolicy, authz.Target{}) {
		return ErrForbidden
	}
	ve := &ValidationError{}
	if !p.Kind.Valid() {
		ve.add("kind", "op.err.kind_invalid", nil)
	}
	if p.Expiry < time.Minute || p.Expiry > 365*24*time.Hour {
		ve.add("expiry", "op.err.expiry_range", nil)
	}
	if p.TwoApproversAbove != nil && !p.TwoApproversAbove.IsPositive() {
		ve.add("two_approvers_above", "op.err.amount_positive", nil)
	}
	if err := ve.orNil(); err != nil {
		return err
	}
	row := &store.ApprovalPolicy{Kind: string(p.Kind), NeedsApproval: p.NeedsApproval, ExpirySeconds: int64(p.Expiry / time.Second), UpdatedAt: s.now()}
	if p.TwoApproversAbove != nil {
		v := p.TwoApproversAbove.String()
		row.TwoApproversAbove = &v
	}
	before, err := s.policy(ctx, p.Kind)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SavePolicy(ctx, row); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: ActionPolicy, TargetType: "approval_policy", TargetID: row.Kind,
			Outcome: audit.Success, Details: map[string]any{
				"before": policyDetails(before),
				"after":  policyDetails(policyFromRow(*row)),
			}})
	})
}

// policyDetails is a policy as the audit trail records it (before/after of a change).
func policyDetails(p Policy) map[string]any {
	two := ""
	if p.TwoApproversAbove != nil {
		two = p.TwoApproversAbove.String()
	}
	return map[string]any{"needs_approval": p.NeedsApproval, "two_approvers_above": two,
		"expiry_seconds": int64(p.Expiry / time.Second)}
}

type timeT = time.Time
