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
		ExecutedAt: r.ExecutedAt, FinishedAt: r.FinishedAt, Approvals: []Approval{}, LimitNotes: limitNotes(r.LimitNote),
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
			Comment: a.Comment, SecondFactor: a.SecondFactor, SnapshotHash: a.SnapshotHash, At: a.At.UTC(),
			OnBehalfOf: a.OnBehalfOf, OnBehalfOfName: a.OnBehalfOfName})
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

type timeT = time.Time
