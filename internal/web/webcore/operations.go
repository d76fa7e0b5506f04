package webcore

import (
	"errors"
	"net/http"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/auth"
)

// The refusals of the maker-checker workflow (internal/approval) as people and API
// clients read them. Core.FailOperation answers them for any area (the operations pages,
// the admin's approval policy); the operations area also shows them on the object's own
// page, with the status they carry.
var (
	OpNotFound        = &Error{http.StatusNotFound, "not_found", "error.not_found"}
	OpWrongState      = &Error{http.StatusConflict, "wrong_state", "op.error.wrong_state"}
	OpSelfApproval    = &Error{http.StatusForbidden, "self_approval", "op.error.self_approval"}
	OpAlreadyDecided  = &Error{http.StatusConflict, "already_decided", "op.error.already_decided"}
	OpIdemConflict    = &Error{http.StatusConflict, "idempotency_conflict", "op.error.idempotency_conflict"}
	OpSnapshotChanged = &Error{http.StatusConflict, "snapshot_changed", "op.error.snapshot_changed"}
	OpStepUp          = &Error{http.StatusUnprocessableEntity, "step_up_failed", "op.error.step_up"}
	OpStepUpLocked    = &Error{http.StatusTooManyRequests, "step_up_locked", "op.error.step_up_locked"}
	OpCodeReused      = &Error{http.StatusUnprocessableEntity, "code_reused", "identity.code_reused"}
	OpValidation      = &Error{http.StatusUnprocessableEntity, "validation_failed", "op.error.validation"}
	OpForbidden       = &Error{http.StatusForbidden, "forbidden", "op.error.forbidden"}
	// The approval matrix's refusals (internal/approval matrix*.go, eligibility.go).
	OpNotEligible     = &Error{http.StatusForbidden, "not_eligible", "matrix.error.not_eligible"}
	OpLevelNotReached = &Error{http.StatusConflict, "level_not_reached", "matrix.error.level_not_reached"}
	OpStale           = &Error{http.StatusConflict, "stale", "matrix.error.stale"}
	OpOwnChange       = &Error{http.StatusForbidden, "own_change", "matrix.error.own_change"}
)

// OpDelegatorsRequest is a delegate deciding on their delegator's request: a
// self-approval to API clients, with its own message for people.
var OpDelegatorsRequest = &Error{http.StatusForbidden, "self_approval", "op.error.delegators_request"}

// OperationError maps an approval error to its status and message; nil for errors that
// are not the workflow's (they fail as they are). Out of scope is not here: the core
// answers it like "not found" and records it.
func OperationError(err error) *Error {
	var ve *approval.ValidationError
	var be *approval.BatchErrors
	switch {
	case errors.As(err, &ve), errors.As(err, &be):
		return OpValidation
	case errors.Is(err, approval.ErrNotFound):
		return OpNotFound
	case errors.Is(err, approval.ErrDelegatorsRequest):
		return OpDelegatorsRequest
	case errors.Is(err, approval.ErrSelfApproval):
		return OpSelfApproval
	case errors.Is(err, approval.ErrAlreadyDecided):
		return OpAlreadyDecided
	case errors.Is(err, approval.ErrIdempotencyConflict):
		return OpIdemConflict
	case errors.Is(err, approval.ErrSnapshotChanged):
		return OpSnapshotChanged
	case errors.Is(err, approval.ErrWrongState):
		return OpWrongState
	case errors.Is(err, auth.ErrLockedOut):
		return OpStepUpLocked
	case errors.Is(err, auth.ErrCodeReused):
		return OpCodeReused
	case errors.Is(err, approval.ErrStepUp):
		return OpStepUp
	case errors.Is(err, approval.ErrForbidden):
		return OpForbidden
	case errors.Is(err, approval.ErrNotEligible):
		return OpNotEligible
	case errors.Is(err, approval.ErrLevelNotReached):
		return OpLevelNotReached
	case errors.Is(err, approval.ErrStale):
		return OpStale
	case errors.Is(err, approval.ErrOwnChange):
		return OpOwnChange
	}
	return nil
}
