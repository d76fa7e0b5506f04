// Package approval holds the use cases of Purser's write side: operations are requested
// (validated against the cache), approved by others with a fresh second factor, and handed
// to the execution job in the same transaction as their final approval. Every transition
// is one conditional UPDATE in SQL and commits with its audit event.
//
// The web layer codes against Service. Errors are domain errors (ErrSelfApproval,
// ErrWrongState, *ValidationError …); the web layer alone maps them to HTTP statuses and
// translated messages. ValidationError values are i18n message ids.
package approval

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// Kind is the kind of an operation (CONTRACTS.md "Operations (kinds)").
type Kind string

// The kinds.
const (
	KindTransferFunds        Kind = "transfer_funds"
	KindRetrieveFunds        Kind = "retrieve_funds"
	KindTransferCoupon       Kind = "transfer_coupon"
	KindRetrieveCoupon       Kind = "retrieve_coupon"
	KindRenewResources       Kind = "renew_resources"
	KindUnsubscribeResources Kind = "unsubscribe_resources"
	KindToOnDemand           Kind = "to_on_demand"
	KindAutoRenew            Kind = "auto_renew"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{KindTransferFunds, KindRetrieveFunds, KindTransferCoupon, KindRetrieveCoupon,
	KindRenewResources, KindUnsubscribeResources, KindToOnDemand, KindAutoRenew}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// MovesMoney reports whether the kind is a money movement: serialised per master account,
// de-duplicated upstream by trans_id, subject to the two-approver threshold.
func (k Kind) MovesMoney() bool {
	switch k {
	case KindTransferFunds, KindRetrieveFunds, KindTransferCoupon, KindRetrieveCoupon:
		return true
	}
	return false
}

// State is where an operation stands (ARCHITECTURE.md state machine).
type State string

// The states.
const (
	StateDraft     State = "draft"
	StatePending   State = "pending"
	StateApproved  State = "approved"
	StateExecuting State = "executing"
	StateSucceeded State = "succeeded"
	StateFailed    State = "failed"
	StateUnknown   State = "unknown"
	StateRejected  State = "rejected"
	StateCancelled State = "cancelled"
	StateExpired   State = "expired"
)

// States lists every state.
var States = []State{StateDraft, StatePending, StateApproved, StateExecuting, StateSucceeded,
	StateFailed, StateUnknown, StateRejected, StateCancelled, StateExpired}

// Terminal reports whether nothing more happens to an operation in this state.
func (s State) Terminal() bool {
	switch s {
	case StateSucceeded, StateFailed, StateRejected, StateCancelled, StateExpired:
		return true
	}
	return false
}

// Balance types of Input.BalanceType.
const (
	BalanceDebit  = "debit"
	BalanceCredit = "credit"
)

// Set/cancel values of Input.Operation for to_on_demand and auto_renew.
const (
	OpSet    = "set"
	OpCancel = "cancel"
)

// Input is what a form or the JSON API sends to request an operation; the fields used
// depend on the kind (CONTRACTS.md POST /api/v1/operations).
type Input struct {
	Kind         Kind   `json:"kind"`
	SubAccountID string `json:"sub_account_id,omitempty"` // money and coupon kinds
	Amount       string `json:"amount,omitempty"`         // "10.00"; transfer/retrieve funds, transfer coupon
	BalanceType  string `json:"balance_type,omitempty"`   // "debit" (default) | "credit"
	// ExpireTime (RFC 3339) selects the credit line; required exactly when it expires.
	ExpireTime  string   `json:"expire_time,omitempty"`
	CouponID    string   `json:"coupon_id,omitempty"`
	SubCouponID string   `json:"sub_coupon_id,omitempty"` // retrieve_coupon
	ResourceIDs []string `json:"resource_ids,omitempty"`  // resource kinds
	PeriodType  string   `json:"period_type,omitempty"`   // renew: "month" | "year"; auto_renew: "" | "month" | "year"
	PeriodNum   int      `json:"period_num,omitempty"`    // renew: month 1–11, year 1–3
	AutoPay     bool     `json:"auto_pay,omitempty"`      // renew
	// UnsubscribeType: 1 the resource and its renewed periods, 2 renewed periods only.
	UnsubscribeType int `json:"unsubscribe_type,omitempty"`
	// UnsubscribeReasonType 1–5 (upstream's list).
	UnsubscribeReasonType int    `json:"unsubscribe_reason_type,omitempty"`
	Operation             string `json:"operation,omitempty"`        // to_on_demand, auto_renew: "set" | "cancel"
	AutoRenewTimes        int    `json:"auto_renew_times,omitempty"` // auto_renew set: 0 until cancelled
	Reason                string `json:"reason"`                     // why; shown to approvers and audited
	// DraftedFrom is the operation this one was drafted again from (DraftAgain): it goes
	// into the creation's audit event, so the trail links a retry to what it retries.
	DraftedFrom int64 `json:"drafted_from,omitempty"`
}

// Params is the normalised snapshot of what will be sent upstream: what the approver sees
// and signs. It is stored as JSON with the operation and hashed into SnapshotHash; the
// executor sends exactly this.
type Params struct {
	SubAccountID   string   `json:"sub_account_id,omitempty"`
	SubAccountName string   `json:"sub_account_name,omitempty"`
	Amount         string   `json:"amount,omitempty"`
	BalanceType    string   `json:"balance_type,omitempty"` // debit | credit
	ExpireTime     string   `json:"expire_time,omitempty"`  // RFC 3339 UTC, credit lines that expire
	CouponID       string   `json:"coupon_id,omitempty"`
	SubCouponID    string   `json:"sub_coupon_id,omitempty"`
	ResourceIDs    []string `json:"resource_ids,omitempty"`
	// AccountID is the sub-account owning the resources of a resource operation (empty:
	// the master's own). It is part of the approved snapshot: the operation executes
	// through that sub-account's stored credentials, never the master's.
	AccountID      string `json:"account_id,omitempty"`
	PeriodType     string `json:"period_type,omitempty"`
	PeriodNum      int    `json:"period_num,omitempty"`
	AutoPay        bool   `json:"auto_pay,omitempty"`
	UnsubType      int    `json:"unsubscribe_type,omitempty"`
	UnsubReason    int    `json:"unsubscribe_reason_type,omitempty"`
	Operation      string `json:"operation,omitempty"`
	AutoRenewTimes int    `json:"auto_renew_times,omitempty"`
	// Quote is the upstream's price of a renewal, asked when it was drafted (quote.go).
	// It is signed with the rest and never sent upstream.
	Quote *Quote `json:"quote,omitempty"`
	// RuleID and RuleName mark a transfer pre-approved by a standing top-up rule (it was
	// approved with the rule, not on its own); never sent upstream.
	RuleID   int64  `json:"rule_id,omitempty"`
	RuleName string `json:"rule_name,omitempty"`
	// Rule is the rule as a change of KindTopUpRule leaves it: what its approvers sign
	// (the rules package's JSON).
	Rule json.RawMessage `json:"rule,omitempty"`
}

// UpstreamError is the upstream's answer to a failed (or uncertain) execution.
type UpstreamError struct {
	Code      string `json:"code"`       // CBC.xxxx, or a Purser code such as "unknown_outcome"
	Message   string `json:"message"`    // the upstream's own text (English)
	RequestID string `json:"request_id"` // X-Request-Id, for support
	// Kind is the bss error kind's text; MessageEN/MessageZH are safe translated texts.
	Kind      string `json:"kind,omitempty"`
	MessageEN string `json:"message_en,omitempty"`
	MessageZH string `json:"message_zh,omitempty"`
}

// Decisions of an Approval.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// Approval is one approver's decision on an operation (or on its batch).
type Approval struct {
	UserID       int64     `json:"user_id"`
	Username     string    `json:"username"`
	Decision     string    `json:"decision"` // DecisionApprove | DecisionReject
	Comment      string    `json:"comment"`
	SecondFactor string    `json:"second_factor"` // "totp"
	SnapshotHash string    `json:"snapshot_hash"` // what was signed
	At           time.Time `json:"at"`
	// OnBehalfOf is the delegator a delegate approved for (delegation.go); nil when
	// the approver acted for themself.
	OnBehalfOf     *int64 `json:"on_behalf_of,omitempty"`
	OnBehalfOfName string `json:"on_behalf_of_name,omitempty"`
}

// Operation is one requested change and where it stands.
type Operation struct {
	ID                int64           `json:"id"`
	Kind              Kind            `json:"kind"`
	State             State           `json:"state"`
	Params            Params          `json:"params"`
	SnapshotHash      string          `json:"snapshot_hash"`
	Amount            *money.Amount   `json:"amount,omitempty"` // money kinds
	Currency          string          `json:"currency,omitempty"`
	SubAccountID      string          `json:"sub_account_id,omitempty"`
	OrgPath           []string        `json:"-"`
	MasterAccountID   string          `json:"master_account_id"`
	TransID           string          `json:"trans_id"`
	RequestedBy       int64           `json:"requested_by"`
	RequestedByName   string          `json:"requested_by_name"`
	Reason            string          `json:"reason"`
	BatchID           *int64          `json:"batch_id,omitempty"`
	RequiredApprovals int             `json:"required_approvals"`
	Attempts          int             `json:"attempts"`
	Error             *UpstreamError  `json:"error,omitempty"`
	Response          json.RawMessage `json:"response,omitempty"` // upstream result (order ids, sub-coupon id …)
	Resolution        string          `json:"resolution,omitempty"`
	ExpiresAt         time.Time       `json:"expires_at"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	ExecutedAt        *time.Time      `json:"executed_at,omitempty"`
	FinishedAt        *time.Time      `json:"finished_at,omitempty"`
	Approvals         []Approval      `json:"approvals"`
	// LimitNotes are the drafting limits it went over (limits_check.go), which made it
	// need one approval more than its policy; empty when none.
	LimitNotes []LimitBreach `json:"limit_notes,omitempty"`
}

// Target is the authz target of the operation (its organisation path and requester).
func (o *Operation) Target() authz.Target {
	return authz.Target{OrgPath: o.OrgPath, OwnerID: o.RequestedBy}
}

// Policy is the approval rule of one kind.
type Policy struct {
	Kind          Kind
	NeedsApproval bool
	// TwoApproversAbove: amounts at or above it need two distinct approvers; nil: never.
	TwoApproversAbove *money.Amount
	Expiry            time.Duration // pending operations expire after this
	UpdatedAt         time.Time
}

// Actor is who acts: the signed-in user with roles and scopes read fresh for the request,
// and the request's audit metadata.
type Actor struct {
	UserID   int64
	Username string
	Roles    []authz.Role
	Scopes   []string
	Meta     audit.Meta
}

// Subject is the actor as authz sees it.
func (a Actor) Subject() authz.Subject {
	return authz.Subject{UserID: a.UserID, Roles: a.Roles, Scopes: a.Scopes}
}

// meta is the audit metadata with the actor filled in.
func (a Actor) meta() audit.Meta {
	if a.UserID == 0 {
		return a.Meta
	}
	return a.Meta.WithActor(a.UserID, a.Username)
}

// Filter selects operations for List. Results are newest first with a keyset cursor.
type Filter struct {
	States       []State
	Kind         Kind
	RequestedBy  int64
	SubAccountID string
	BatchID      int64
	// MasterAccountID: only the operations of this master account (domain id; "" = all).
	MasterAccountID string
	Cursor          string // from a previous page's NextCursor
	Limit           int    // default 50, at most 500
}

// Page is one page of operations.
type Page struct {
	Items      []Operation
	NextCursor string // "" on the last page
}

// TimelineEntry is one event in an operation's history: an audit event, newest last.
type TimelineEntry struct {
	At      time.Time      `json:"at"`
	Action  string         `json:"action"` // operation.create, operation.approve, …
	Actor   string         `json:"actor"`  // username or "system"
	ActorID *int64         `json:"actor_id,omitempty"`
	Outcome string         `json:"outcome"`
	Details map[string]any `json:"details,omitempty"`
}

// ValidationError lists what is wrong with an Input, per field ("amount", "sub_account_id",
// "resource_ids", "_" for the whole form). Values are i18n message ids such as
// "op.err.amount_exceeds_available"; Params holds each field's template data (for
// example {"available": "120.00"}). The web layer translates and keeps the input.
type ValidationError struct {
	Fields map[string]string
	Params map[string]map[string]any
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("approval: invalid input (%d fields)", len(e.Fields))
}

// add records the first problem of a field.
func (e *ValidationError) add(field, msgID string, params map[string]any) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
		e.Params = map[string]map[string]any{}
	}
	if _, dup := e.Fields[field]; dup {
		return
	}
	e.Fields[field] = msgID
	if params != nil {
		e.Params[field] = params
	}
}

func (e *ValidationError) orNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Sentinel errors.
var (
	ErrNotFound            = errors.New("approval: operation not found")
	ErrWrongState          = errors.New("approval: the operation's state does not allow this")
	ErrSelfApproval        = errors.New("approval: the requester cannot approve their own operation")
	ErrAlreadyDecided      = errors.New("approval: this user has already decided on the operation")
	ErrIdempotencyConflict = errors.New("approval: idempotency key reused with different input")
	ErrStepUp              = errors.New("approval: the second-factor code was refused")
	ErrOutOfScope          = errors.New("approval: target outside the actor's organisation scope")
	ErrForbidden           = errors.New("approval: the actor's roles do not allow this")
	ErrSnapshotChanged     = errors.New("approval: the operation changed since it was approved")
)

// Batch is a bulk request: many transfers or recoveries approved as one.
type Batch struct {
	ID                int64        `json:"id"`
	Kind              Kind         `json:"kind"` // transfer_funds | retrieve_funds
	State             State        `json:"state"`
	RequestedBy       int64        `json:"requested_by"`
	RequestedByName   string       `json:"requested_by_name"`
	Reason            string       `json:"reason"`
	Rows              int          `json:"rows"`
	Total             money.Amount `json:"total"`
	SnapshotHash      string       `json:"snapshot_hash"`
	RequiredApprovals int          `json:"required_approvals"`
	ExpiresAt         time.Time    `json:"expires_at"`
	CreatedAt         time.Time    `json:"created_at"`
	Approvals         []Approval   `json:"approvals"`
	// LimitNotes as Operation's.
	LimitNotes []LimitBreach `json:"limit_notes,omitempty"`
}

// BatchRow is one line of a bulk CSV, as given and as resolved.
type BatchRow struct {
	Line         int    `json:"line"`        // the file's line (the header's is 1), or the sheet's row
	SubAccount   string `json:"sub_account"` // id or name as given
	Amount       string `json:"amount"`
	BalanceType  string `json:"balance_type"` // as given: debit|credit|现金|信用
	ExpireTime   string `json:"expire_time,omitempty"`
	Reason       string `json:"reason"`
	SubAccountID string `json:"sub_account_id,omitempty"` // resolved by ValidateBatch
}

// RowError is one problem of one row: Message is an i18n message id with Params.
type RowError struct {
	Line    int            `json:"line"`
	Field   string         `json:"field"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"`
}

// BatchErrors is returned by ValidateBatch/CreateBatch when any row is invalid.
type BatchErrors struct{ Rows []RowError }

func (e *BatchErrors) Error() string {
	return fmt.Sprintf("approval: %d invalid batch rows", len(e.Rows))
}

// BatchProgress counts a batch's operations by state.
type BatchProgress struct {
	BatchID   int64            `json:"batch_id"`
	Total     int              `json:"total"`
	ByState   map[State]int    `json:"by_state"`
	Done      int              `json:"done"` // in a terminal state or unknown
	Finished  bool             `json:"finished"`
	Succeeded int              `json:"succeeded"`
	Failed    int              `json:"failed"`
	Unknown   int              `json:"unknown"`
	Amounts   map[State]string `json:"amounts,omitempty"`
}

// StepUpVerifier checks a fresh second-factor code; *auth.Service implements it.
type StepUpVerifier interface {
	VerifyStepUp(ctx context.Context, u *store.User, code string, m audit.Meta) error
}

// Enqueuer inserts execution jobs inside the caller's transaction (River InsertTx);
// jobs.Runner and jobs.Inserter implement it.
type Enqueuer interface {
	EnqueueExecuteTx(ctx context.Context, tx *sql.Tx, operationIDs []int64) error
}

// Options configure a Service.
type Options struct {
	StepUp   StepUpVerifier
	Enqueuer Enqueuer
	// Upstream, when set, lets Create re-check availability live (never required).
	Upstream bss.Upstream
	// MasterAccountID is the default master account (domain id): the one an operation
	// acts for when its sub-account or resources say none (rows cached before several
	// masters were supported). Otherwise an operation acts for its sub-account's master,
	// or the master owning its resources; executions are serialised per master. Default
	// "default".
	MasterAccountID string
	// MasterLive, when set, says whether a master (domain id) is still configured: an
	// operation on a disabled or deleted master's cached sub-accounts or resources is
	// refused as a draft (op.err.master_not_configured). Nil: every master is.
	MasterLive func(ctx context.Context, domainID string) (bool, error)
	// Notifier tells people about transitions; the executor and the web layer share it
	// (Service.Notifier). Nil: one without channels outside the portal, on Clock.
	Notifier *notify.Notifier
	// Renewals gives the client that prices a renewal and reads its orders: the master's
	// (by domain id), or for a sub-account's resources (account, a sub-account id) that
	// account's own; RenewalClients builds it. Nil: renewals are drafted "not quoted".
	Renewals func(ctx context.Context, master, account string) (bss.Renewals, error)
	// QuoteTimeout bounds asking for a renewal's price (default 10s); OrderTimeout reading
	// a renewal's order for its page (default 5s), so that a slow upstream costs a page
	// that long at most.
	QuoteTimeout, OrderTimeout time.Duration
	// Clock returns now; default time.Now. Tests pass a fake clock for expiry.
	Clock func() time.Time
	Log   *slog.Logger
}

// Notices is what the use cases need of notifications: the notes of a transition are
// written in its transaction and sent once it committed, so nobody hears of a change that
// rolled back. *notify.Notifier implements it.
type Notices interface {
	Insert(ctx context.Context, tx *store.DB, notes []notify.Note) error
	Dispatch(notes []notify.Note)
}

// Service is the approval workflow over the store.
type Service struct {
	db   *store.DB
	opts Options
	log  *slog.Logger
	note Notices
}

// New returns a Service.
func New(db *store.DB, o Options) *Service {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.MasterAccountID == "" {
		o.MasterAccountID = "default"
	}
	if o.QuoteTimeout <= 0 {
		o.QuoteTimeout = defaultQuoteTimeout
	}
	if o.OrderTimeout <= 0 {
		o.OrderTimeout = defaultOrderTimeout
	}
	if o.Notifier == nil {
		o.Notifier = notify.New(db, notify.Config{}, o.Log)
		o.Notifier.SetClock(o.Clock)
	}
	return &Service{db: db, opts: o, log: o.Log, note: o.Notifier}
}

// Notifier is the notifier the service sends through, for the executor (its outcomes) and
// the web layer (a user's notifications) to share.
func (s *Service) Notifier() *notify.Notifier { return s.opts.Notifier }

// MaxBatchRows bounds a bulk file.
const MaxBatchRows = 5000
