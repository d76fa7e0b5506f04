package execute

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// Local operations (approval.Kind.Local: the change of a standing top-up rule) execute
// inside Purser: the claim, the change itself and its success commit in one transaction,
// so there is no outcome to reconcile and a crash leaves the operation approved, to be
// run again by its job.

// LocalRunner applies an approved local operation in tx, the transaction that records
// its success. A *Refusal means it cannot apply (the operation fails, with its code);
// any other error rolls everything back and the job tries again.
type LocalRunner interface {
	ApplyTx(ctx context.Context, tx *store.DB, op *store.Operation) (response any, err error)
}

// Refusal is a local operation that cannot apply, and why (an error code and text for
// the operation's page, like an upstream's answer).
type Refusal struct{ Code, Message string }

func (r *Refusal) Error() string { return "execute: refused: " + r.Code + ": " + r.Message }

func (e *Executor) executeLocal(ctx context.Context, r *store.Operation) error {
	if r.State != string(approval.StateApproved) {
		return nil
	}
	if r.ApprovedHash == "" || r.ApprovedHash != r.SnapshotHash ||
		approval.SnapshotHash(r.Kind, r.MasterAccountID, r.TransID, r.Params) != r.ApprovedHash {
		return e.finish(ctx, r, approval.StateApproved, approval.StateFailed, nil,
			&approval.UpstreamError{Code: "snapshot_changed", Message: "the operation changed after approval; not executed"})
	}
	if e.opts.Local == nil {
		return e.finish(ctx, r, approval.StateApproved, approval.StateFailed, nil,
			&approval.UpstreamError{Code: "local_unavailable", Message: "this process cannot apply " + r.Kind})
	}
	var notes []notify.Note
	err := e.db.InTx(ctx, func(tx *store.DB) error {
		t := now()
		ok, err := tx.MarkExecuting(ctx, r.ID, r.Attempts+1, t)
		if err != nil || !ok {
			return err // someone else ran it
		}
		if err := e.record(ctx, tx, approval.ActionExecute, r.ID, audit.Success, map[string]any{"attempt": r.Attempts + 1, "local": true}); err != nil {
			return err
		}
		resp, err := e.opts.Local.ApplyTx(ctx, tx, r)
		if err != nil {
			return err
		}
		var st store.Settlement
		if resp != nil {
			b, _ := json.Marshal(resp)
			st.Response = string(b)
		}
		if ok, err := tx.MarkSucceeded(ctx, r.ID, st, t); err != nil || !ok {
			return errors.Join(err, approval.ErrWrongState)
		}
		if err := e.record(ctx, tx, approval.ActionSucceed, r.ID, audit.Success, map[string]any{"attempt": r.Attempts + 1, "local": true}); err != nil {
			return err
		}
		r.State = string(approval.StateSucceeded)
		notes = append(notes, notify.ForRequester(r, "notify.op.succeeded"))
		return e.opts.Notifier.Insert(ctx, tx, notes)
	})
	var ref *Refusal
	if errors.As(err, &ref) {
		return e.finish(ctx, r, approval.StateApproved, approval.StateFailed, nil,
			&approval.UpstreamError{Code: ref.Code, Message: ref.Message})
	}
	if err == nil {
		e.opts.Notifier.Dispatch(notes)
	}
	return err
}
