package approval

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// Create requests an operation: in is validated against the cache (a *ValidationError
// per field), a renewal is priced by the upstream (its Quote, in the snapshot), the
// approval matrix (or, where no rule applies, the kind's policy) fixes the route of
// approvals it needs, and the operation is
// stored as pending with its snapshot hash, its audit events and the approvers'
// notifications in one transaction. An operation that needs no approval is approved and
// enqueued in that same transaction. idemKey ("" = none) makes a repeated submission
// return the first one's operation (ErrIdempotencyConflict with different input).
func (s *Service) Create(ctx context.Context, a Actor, in Input, idemKey string) (*Operation, error) {
	sub := a.Subject()
	if !authz.Allowed(sub, authz.CreateOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	v, err := s.validate(ctx, a, in)
	if err != nil {
		return nil, err
	}
	res, err := s.ResolveRule(ctx, in.Kind, v.orgPath, v.amount)
	if err != nil {
		return nil, err
	}
	if in.Kind == KindRenewResources {
		v.params.Quote = s.quote(ctx, v.masterOr(s.opts.MasterAccountID), v.params)
	}
	paramsJSON, _ := json.Marshal(v.params)
	now := s.now()
	transID := bss.NewTransID()
	row := &store.Operation{
		Kind: string(in.Kind), State: string(StatePending), Params: string(paramsJSON),
		Currency: v.currency, SubAccountID: v.params.SubAccountID, OrgPath: joinPath(v.orgPath),
		MasterAccountID: v.masterOr(s.opts.MasterAccountID), TransID: transID, RequestedBy: a.UserID,
		RequestedByName: a.Username, Reason: strings.TrimSpace(in.Reason), ExpiresAt: now.Add(res.Policy.Expiry),
		CreatedAt: now, UpdatedAt: now,
	}
	fixRoute(row, res.Route)
	row.SnapshotHash = SnapshotHash(row.Kind, row.MasterAccountID, row.TransID, row.Params)
	if v.amount != nil {
		amt := v.amount.String()
		row.Amount = &amt
	}
	idem := newIdempotency(a.UserID, idemKey, struct {
		Op string
		In Input
	}{"op", in})
	var existing int64
	var notes []notify.Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		if id, err := idem.claim(ctx, tx, now); err != nil || id != 0 {
			existing = id
			return err
		}
		if err := s.checkFunds(ctx, tx, in.Kind, row.MasterAccountID, v.params, v.amount); err != nil {
			return err
		}
		if err := s.applyLimits(ctx, tx, a.UserID, row, v.amount, now); err != nil {
			return err
		}
		if err := tx.InsertOperation(ctx, row); err != nil {
			return err
		}
		if err := idem.bind(ctx, tx, &row.ID, nil); err != nil {
			return err
		}
		m := a.meta()
		details := map[string]any{"kind": row.Kind, "trans_id": row.TransID, "sub_account_id": row.SubAccountID,
			"amount": ptrString(row.Amount), "params": json.RawMessage(row.Params), "snapshot_hash": row.SnapshotHash,
			"reason": row.Reason, "required_approvals": row.RequiredApprovals, "route": routeDetails(res.Route), "route_why": res.Why}
		if in.DraftedFrom > 0 {
			details["drafted_from"] = in.DraftedFrom
		}
		if row.LimitNote != "" {
			details["limits"] = json.RawMessage(row.LimitNote)
		}
		approved, err := s.submit(ctx, tx, m, row, details, now)
		if err != nil {
			return err
		}
		if approved {
			row.State = string(StateApproved)
			notes = append(notes, notify.ForRequester(row, "notify.op.approved"))
			return s.note.Insert(ctx, tx, notes)
		}
		ns, err := s.approverNotes(ctx, tx, opTarget(row, nil), func(id int64) notify.Note {
			return notify.ForOperation(id, row, "notify.op.pending")
		})
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

// submit records a new operation's creation (with details) and submission, inside the
// creating transaction, and approves it at once when its policy needs no approval: the
// approval is the system's, audited as such, and the execution is queued in the same
// transaction. approved reports that last case.
func (s *Service) submit(ctx context.Context, tx *store.DB, m audit.Meta, row *store.Operation, details map[string]any, now time.Time) (approved bool, err error) {
	if err := record(ctx, tx, m, ActionCreate, row.ID, audit.Success, details); err != nil {
		return false, err
	}
	if err := record(ctx, tx, m, ActionSubmit, row.ID, audit.Success, map[string]any{"state": StatePending}); err != nil {
		return false, err
	}
	if row.RequiredApprovals != 0 {
		return false, nil
	}
	ok, err := tx.MarkApproved(ctx, row.ID, row.SnapshotHash, now)
	if err != nil || !ok {
		return false, errors.Join(err, ErrWrongState)
	}
	if err := record(ctx, tx, audit.System("policy"), ActionApprove, row.ID, audit.Success,
		map[string]any{"policy": "no approval needed", "snapshot_hash": row.SnapshotHash}); err != nil {
		return false, err
	}
	return true, s.enqueue(ctx, tx, []int64{row.ID})
}
