// Package execute runs approved operations against the upstream exactly once: it claims an
// operation with a conditional approved → executing, serialises money movements per master
// account, calls the upstream with the operation's fixed trans_id, and records succeeded,
// failed or unknown with its audit event in one transaction. The reconciler settles
// unknown outcomes, resending the same trans_id and confirming by what the upstream shows.
package execute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// ErrRetryLater: the upstream (or the movement lock) asks to try again later; nothing was
// applied and the operation is back to approved. The job snoozes.
var ErrRetryLater = errors.New("execute: retry later")

// Options tune an Executor.
type Options struct {
	// Holder names this process in SQLite's movement lock row.
	Holder string
	// LockWait bounds the wait for the master's movement lock; then the job snoozes (not
	// an attempt). Default 10s: well inside the execute job's timeout (45s), which has to
	// cover the attempt that follows.
	LockWait time.Duration
	// LockLease bounds how long a crashed holder blocks others on SQLite (Postgres releases
	// the lock when the holder's connection closes). Default 1m: longer than one execution,
	// which the execute job's timeout (45s) bounds, and no longer than River's rescue of
	// the dead holder's job (1m), so a stale lease never delays the recovery.
	LockLease time.Duration
	// Notifier writes in-app notifications (and sends e-mail/webhooks); may be nil.
	Notifier *notify.Notifier
	Log      *slog.Logger
	// Settled, when set, is called after an outcome (succeeded or failed) has committed:
	// serve uses it to refresh the sub-account's cached balances, so that the pages show
	// the effect without waiting for the next full sync. Errors are the hook's to log.
	Settled func(ctx context.Context, op *store.Operation)
	// MasterRefresh, when set, queues a read of the master's transferable amounts in the
	// transaction that records a settled money movement (refresh.go).
	MasterRefresh MasterRefresher
	// Clients, when set, gives the upstream client of each master account (by domain
	// id): an operation executes through its own master's client, and the up given to
	// New is not used. Unset: every operation goes through up (one master).
	Clients func(ctx context.Context, master string) (bss.Upstream, error)
	// SubClients gives the client of a sub-account's stored credentials (by the
	// sub-account's id): a resource operation on a sub-account's resources (Params.AccountID)
	// executes through it, because the upstream accepts those only with that account's own
	// keys. Unset, or no credential: such an operation is never sent with the master's keys.
	SubClients func(ctx context.Context, accountID string) (bss.Upstream, error)
	// Local applies the operations that execute inside Purser (approval.Kind.Local: rule
	// changes); nil fails them.
	Local LocalRunner
	// CrashAt, for the crash tests only: the process SIGKILLs itself at that point
	// ("claimed", "sent", "applied"). Read from PURSER_TEST_CRASH_AT by the test binary.
	CrashAt string
}

// Executor runs operations.
type Executor struct {
	db   *store.DB
	up   bss.Upstream
	opts Options
	log  *slog.Logger
}

// New returns an Executor.
func New(db *store.DB, up bss.Upstream, o Options) *Executor {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.LockWait <= 0 {
		o.LockWait = 10 * time.Second
	}
	if o.LockLease <= 0 {
		o.LockLease = time.Minute
	}
	if o.Holder == "" {
		h, _ := os.Hostname()
		o.Holder = fmt.Sprintf("%s/%d", h, os.Getpid())
	}
	if o.Notifier == nil {
		o.Notifier = notify.New(db, notify.Config{}, o.Log)
	}
	return &Executor{db: db, up: up, opts: o, log: o.Log}
}

// forMaster returns the executor bound to the client of the operation's master.
func (e *Executor) forMaster(ctx context.Context, master string) (*Executor, error) {
	if e.opts.Clients == nil {
		return e, nil
	}
	up, err := e.opts.Clients(ctx, master)
	if err != nil {
		return nil, err
	}
	bound := *e
	bound.up = up
	return &bound, nil
}

// errNoSubClients: the executor has no source of sub-account clients.
var errNoSubClients = errors.New("execute: no sub-account credentials are configured")

// forOperation returns the executor bound to the client the operation is sent with: its
// master's, or for a resource operation on a sub-account's resources that sub-account's
// own. code names what is missing when it fails ("master_unavailable" or
// "credentials_unavailable").
func (e *Executor) forOperation(ctx context.Context, r *store.Operation) (ex *Executor, code string, err error) {
	ex, err = e.forMaster(ctx, r.MasterAccountID)
	if err != nil {
		return nil, "master_unavailable", err
	}
	op := approval.OperationFromRow(*r, nil)
	if op.Kind.MovesMoney() || op.Params.AccountID == "" || op.Params.AccountID == r.MasterAccountID {
		return ex, "", nil
	}
	if e.opts.SubClients == nil {
		return nil, "credentials_unavailable", errNoSubClients
	}
	up, err := e.opts.SubClients(ctx, op.Params.AccountID)
	if err != nil {
		return nil, "credentials_unavailable", err
	}
	bound := *ex
	bound.up = up
	return &bound, "", nil
}

func (e *Executor) crash(point string) {
	if e.opts.CrashAt == point {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Hour)
	}
}

func (e *Executor) record(ctx context.Context, tx *store.DB, action string, id int64, outcome string, d map[string]any) error {
	return audit.Record(ctx, tx, audit.System("executor"), audit.Entry{Action: action, TargetType: approval.TargetOperation,
		TargetID: strconv.FormatInt(id, 10), Outcome: outcome, Details: d})
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Execute runs operation id once; the job calls it. It returns ErrRetryLater when the job
// should run again later, nil when the job is done (whatever the operation's outcome).
//
// A money movement first waits for its master's movement lock and for any other movement
// of its sub-account still in flight, and only then claims the operation (the claim is the
// attempt, with its operation.execute event): waiting is a snooze of the job, not an
// attempt, so an operation queued behind others, or behind a movement whose worker died
// during its call and waits to be rescued, leaves no trace in the audit trail.
func (e *Executor) Execute(ctx context.Context, id int64) error {
	r, err := e.db.OperationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if approval.Kind(r.Kind).Local() {
		return e.executeLocal(ctx, r)
	}
	unlock := func() {}
	if executable(r) && approval.Kind(r.Kind).MovesMoney() {
		if unlock, err = e.waitTurn(ctx, r); err != nil {
			return err
		}
		defer unlock()
		// Read again under the lock: the previous holder may have run this very operation.
		if r, err = e.db.OperationByID(ctx, id); err != nil {
			return err
		}
		if err := e.inFlightCheck(ctx, r); err != nil {
			return err
		}
	}
	resume := false
	switch approval.State(r.State) {
	case approval.StateApproved:
		// Final gate: the snapshot that executes is the one approved.
		if r.ApprovedHash == "" || r.ApprovedHash != r.SnapshotHash ||
			approval.SnapshotHash(r.Kind, r.MasterAccountID, r.TransID, r.Params) != r.ApprovedHash {
			return e.finish(ctx, r, approval.StateApproved, approval.StateFailed, nil,
				&approval.UpstreamError{Code: "snapshot_changed", Message: "the operation changed after approval; not executed"})
		}
		t := now()
		var ok bool
		err := e.db.InTx(ctx, func(tx *store.DB) error {
			var err error
			ok, err = tx.MarkExecuting(ctx, id, r.Attempts+1, t)
			if err != nil || !ok {
				return err
			}
			return e.record(ctx, tx, approval.ActionExecute, id, audit.Success, map[string]any{"attempt": r.Attempts + 1, "trans_id": r.TransID})
		})
		if err != nil || !ok {
			return err // someone else claimed it
		}
		r.State, r.Attempts = string(approval.StateExecuting), r.Attempts+1
		e.crash("claimed")
	case approval.StateExecuting:
		// A previous run died after claiming: resume with the same trans_id.
		if approval.SnapshotHash(r.Kind, r.MasterAccountID, r.TransID, r.Params) != r.ApprovedHash {
			return e.finish(ctx, r, approval.StateExecuting, approval.StateUnknown, nil,
				&approval.UpstreamError{Code: "snapshot_changed", Message: "the operation changed while executing"})
		}
		resume = true
		if _, err := e.db.CountResumedAttempt(ctx, id, r.Attempts+1); err != nil {
			return err
		}
		r.Attempts++
	default:
		return nil // not approved (pending, expired, cancelled, done …): never executes
	}
	ex, code, err := e.forOperation(ctx, r)
	if err != nil {
		// The operation's master (or, for a sub-account's resources, that sub-account's
		// credential) is gone or disabled. Nothing was sent in this run: a first attempt
		// fails definitely; a resumed one may have been sent before, so it is unknown (an
		// admin resolves it, or the reconciler once the account is back).
		to := approval.StateFailed
		if resume {
			to = approval.StateUnknown
		}
		return e.finish(ctx, r, approval.StateExecuting, to, nil,
			&approval.UpstreamError{Code: code, Message: err.Error()})
	}
	res := ex.attempt(ctx, r, resume)
	unlock() // the call is over: the next movement of this master may start
	if res.retry {
		// Nothing was applied: back to approved for the next run of the job.
		return e.requeue(ctx, r, res.err)
	}
	return e.finish(ctx, r, approval.StateExecuting, res.state, res.response, res.uerr)
}

// outcome of one attempt.
type outcome struct {
	state    approval.State
	response any
	uerr     *approval.UpstreamError
	retry    bool
	err      error
}

func upstreamError(err error) *approval.UpstreamError {
	var be *bss.Error
	if errors.As(err, &be) {
		return &approval.UpstreamError{Code: be.Code, Message: be.Message, RequestID: be.RequestID, Kind: be.Kind.Error(),
			MessageEN: be.UserMessage("en"), MessageZH: be.UserMessage("zh")}
	}
	return &approval.UpstreamError{Code: "unknown_outcome", Message: err.Error(), Kind: bss.ErrUnknownOutcome.Error()}
}

// classify maps an upstream error: retry later, unknown, or a definite refusal.
func classify(err error) (retry, unknown bool) {
	switch {
	case errors.Is(err, bss.ErrMovementInProgress), errors.Is(err, bss.ErrThrottled):
		return true, false
	case errors.Is(err, bss.ErrUnknownOutcome), errors.Is(err, bss.ErrUnavailable), errors.Is(err, bss.ErrBadResponse),
		errors.Is(err, bss.ErrUpstream), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return false, true
	}
	var be *bss.Error
	if !errors.As(err, &be) {
		return false, true // not an upstream answer: we cannot know
	}
	return false, false
}

// attempt makes one call (or, on a resumed resource operation that cannot be resent, a
// confirmation) and says what it means.
func (e *Executor) attempt(ctx context.Context, r *store.Operation, resume bool) outcome {
	op := approval.OperationFromRow(*r, nil)
	if op.Kind.MovesMoney() {
		// Execute holds the master's movement lock and has checked that no other movement of
		// the sub-account is in flight.
		if r.ObservedBefore == "" {
			obs, err := e.observe(ctx, &op)
			if err != nil {
				if resume {
					return outcome{state: approval.StateUnknown, uerr: upstreamError(err)}
				}
				return outcome{retry: true, err: err}
			}
			b, _ := json.Marshal(obs)
			t := now()
			if _, err := e.db.RecordObservation(ctx, r.ID, string(b), t); err != nil {
				return outcome{retry: !resume, state: approval.StateUnknown, err: err, uerr: upstreamError(err)}
			}
			r.ObservedBefore, r.ObservedAt = string(b), &t
		}
	} else if resume && (op.Kind == approval.KindRenewResources || op.Kind == approval.KindUnsubscribeResources) {
		// Not de-duplicated upstream: never resend; only an observation can settle it.
		return outcome{state: approval.StateUnknown, uerr: &approval.UpstreamError{Code: "unknown_outcome",
			Message: "the worker stopped during the call; not resent (no trans_id upstream)", Kind: bss.ErrUnknownOutcome.Error()}}
	}
	if e.opts.CrashAt == "sent" {
		go func() { time.Sleep(20 * time.Millisecond); e.crash("sent") }()
	}
	resp, err := e.call(ctx, &op)
	if err == nil {
		e.crash("applied")
		return outcome{state: approval.StateSucceeded, response: resp}
	}
	if errors.Is(err, bss.ErrDuplicateTransID) {
		confirmed, cerr := e.confirm(ctx, r, &op)
		if confirmed {
			return outcome{state: approval.StateSucceeded, response: map[string]any{"confirmed": "CBC.99007009 with matching balances"}}
		}
		u := upstreamError(err)
		if cerr != nil {
			u.Message += "; confirmation: " + cerr.Error()
		}
		return outcome{state: approval.StateUnknown, uerr: u}
	}
	retry, unknown := classify(err)
	switch {
	case retry:
		return outcome{retry: true, err: err}
	case unknown:
		return outcome{state: approval.StateUnknown, uerr: upstreamError(err)}
	}
	return outcome{state: approval.StateFailed, uerr: upstreamError(err), response: failuresOf(err)}
}

func failuresOf(err error) any {
	var be *bss.Error
	if errors.As(err, &be) && len(be.Failures) > 0 {
		return map[string]any{"failures": be.Failures}
	}
	return nil
}

// requeue puts an operation whose attempt applied nothing back to approved.
func (e *Executor) requeue(ctx context.Context, r *store.Operation, cause error) error {
	ok, err := e.db.MarkRequeued(ctx, r.ID, now())
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	e.log.Info("execute: retry later", "operation_id", r.ID, "error", cause)
	return fmt.Errorf("%w: %w", ErrRetryLater, cause)
}

// finish records the outcome with its audit event and notifications, in one transaction.
func (e *Executor) finish(ctx context.Context, r *store.Operation, from, to approval.State, response any, uerr *approval.UpstreamError) error {
	return e.settle(ctx, r, from, to, response, uerr, "")
}

func (e *Executor) settle(ctx context.Context, r *store.Operation, from, to approval.State, response any, uerr *approval.UpstreamError, via string) error {
	t := now()
	var st store.Settlement
	if response != nil {
		b, _ := json.Marshal(response)
		st.Response = string(b)
	}
	if uerr != nil {
		st.Error = &store.UpstreamFailure{Code: uerr.Code, Message: uerr.Message, RequestID: uerr.RequestID, Kind: uerr.Kind}
	}
	var notes []notify.Note
	ctx = context.WithoutCancel(ctx) // the outcome is known: record it even while stopping
	err := e.db.InTx(ctx, func(tx *store.DB) error {
		ok, err := markSettled(ctx, tx, r.ID, from, to, st, t)
		if err != nil || !ok {
			return err
		}
		if err := e.refreshMasterTx(ctx, tx, r, to); err != nil {
			return err
		}
		d := map[string]any{"trans_id": r.TransID, "attempt": r.Attempts}
		if uerr != nil {
			d["upstream_error"] = uerr.Code
			d["upstream_message"] = uerr.Message
			d["request_id"] = uerr.RequestID
		}
		outcome := audit.Success
		if to != approval.StateSucceeded {
			outcome = audit.Failure
		}
		if via != "" {
			d["outcome"] = string(to)
			if err := e.record(ctx, tx, approval.ActionReconcile, r.ID, outcome, d); err != nil {
				return err
			}
		}
		action := map[approval.State]string{approval.StateSucceeded: approval.ActionSucceed,
			approval.StateFailed: approval.ActionFail, approval.StateUnknown: approval.ActionUnknown}[to]
		if via == "" || to != approval.StateUnknown {
			if err := e.record(ctx, tx, action, r.ID, outcome, d); err != nil {
				return err
			}
		}
		r.State = string(to)
		// A batch's rows that settle as they run tell the requester once, when the last one
		// has (BatchFinishedNote); an unknown outcome, and a settlement by the reconciler
		// later, are told row by row: they need attention.
		if r.BatchID == nil || via != "" || to == approval.StateUnknown {
			notes = append(notes, notify.ForRequester(r, "notify.op."+string(to)))
		}
		if r.BatchID != nil && via == "" {
			n, last, err := approval.BatchFinishedNote(ctx, tx, *r.BatchID)
			if err != nil {
				return err
			}
			if last {
				notes = append(notes, n)
			}
		}
		if to == approval.StateUnknown {
			ns, err := notify.ForAdmins(ctx, tx, r, "notify.op.unknown_admin")
			if err != nil {
				return err
			}
			notes = append(notes, ns...)
		}
		return e.opts.Notifier.Insert(ctx, tx, notes)
	})
	if err == nil {
		e.opts.Notifier.Dispatch(notes)
		if e.opts.Settled != nil && to != approval.StateUnknown && r.State == string(to) {
			e.opts.Settled(ctx, r)
		}
	}
	return err
}

// markSettled stores an execution's end, from → to, through the store's transition for
// that move: each one's conditional UPDATE accepts only its own from-state, so a worker
// and the reconciler never both settle one operation.
func markSettled(ctx context.Context, tx *store.DB, id int64, from, to approval.State, st store.Settlement, at time.Time) (bool, error) {
	switch {
	case from == approval.StateApproved && to == approval.StateFailed:
		return tx.MarkFailedUnexecuted(ctx, id, st, at)
	case from == approval.StateExecuting && to == approval.StateSucceeded:
		return tx.MarkSucceeded(ctx, id, st, at)
	case from == approval.StateExecuting && to == approval.StateFailed:
		return tx.MarkFailed(ctx, id, st, at)
	case from == approval.StateExecuting && to == approval.StateUnknown:
		return tx.MarkUnknown(ctx, id, st, at)
	case from == approval.StateUnknown && (to == approval.StateSucceeded || to == approval.StateFailed):
		return tx.MarkReconciled(ctx, id, to == approval.StateSucceeded, st, at)
	}
	return false, fmt.Errorf("execute: no transition from %s to %s", from, to)
}
