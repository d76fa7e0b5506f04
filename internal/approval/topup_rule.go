package approval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// Standing top-up rules (issue 14) meet the workflow in two places. A change of a rule
// (creating, changing, pausing or resuming it) is an operation of KindTopUpRule: drafted
// by CreateRuleChange, approved like any other (two approvers by default), and executed
// locally — no upstream call — by the rules package through the executor. A top-up a rule
// makes is a transfer_funds operation that needs no approval because the rule was
// approved in advance: CreateRuleTopUpTx records it approved, "by rule R", in the
// caller's transaction (where the rule's caps were checked) and queues its execution.

// KindTopUpRule is a change of a standing top-up rule. It is not among Kinds, the kinds
// drafted under /operations/new: a rule is drafted on its own page.
const KindTopUpRule Kind = "topup_rule"

// PolicyKinds are the kinds with an approval policy: the operations' kinds and the rule
// changes.
var PolicyKinds = append(append([]Kind(nil), Kinds...), KindTopUpRule)

// Local reports whether the kind executes inside Purser (no upstream call).
func (k Kind) Local() bool { return k == KindTopUpRule }

// HasThreshold reports whether the kind's policy has a two-approver threshold: the money
// movements by amount, and the rule changes by the most the rule may pay in a month.
func (k Kind) HasThreshold() bool { return k.MovesMoney() || k == KindTopUpRule }

// ruleTwoApprovers is the default threshold of rule changes: every rule, whatever its
// caps, needs two approvers until an admin says otherwise.
var ruleTwoApprovers = decimal.RequireFromString("0.01")

// DefaultPolicy is kind's rule when none is stored: approval needed, 72 hours, two
// approvers from CONTRACTS' threshold for money kinds and always for rule changes.
func DefaultPolicy(kind Kind) Policy {
	pol := Policy{Kind: kind, NeedsApproval: true, Expiry: 72 * time.Hour}
	switch {
	case kind.MovesMoney():
		two := money.New(thresholdDefault, money.DefaultCurrency)
		pol.TwoApproversAbove = &two
	case kind == KindTopUpRule:
		two := money.New(ruleTwoApprovers, money.DefaultCurrency)
		pol.TwoApproversAbove = &two
	}
	return pol
}

// RuleChange is a drafted change of a rule: Snapshot is the JSON the approvers sign (the
// rules package's definition of the rule after the change, with what the change is).
type RuleChange struct {
	Snapshot json.RawMessage
	Master   string   // the master whose sub-accounts the rule tops up
	OrgPath  []string // the unit of the rule's accounts: who may approve it
	// MonthlyCap is the most the rule may pay in a month: the policy's threshold applies
	// to it.
	MonthlyCap money.Amount
	Reason     string
}

// CreateRuleChange requests a change of a rule as a pending operation of KindTopUpRule,
// with its audit events and the approvers' notifications, like Create. Only someone who
// may manage rules in the rule's unit may (ErrForbidden, ErrOutOfScope).
func (s *Service) CreateRuleChange(ctx context.Context, a Actor, ch RuleChange, idemKey string) (*Operation, error) {
	sub := a.Subject()
	if !authz.Allowed(sub, authz.ManageRules, authz.Target{}) {
		return nil, ErrForbidden
	}
	if !authz.InScope(sub, ch.OrgPath) {
		return nil, ErrOutOfScope
	}
	reason := strings.TrimSpace(ch.Reason)
	ve := &ValidationError{}
	switch {
	case reason == "":
		ve.add("reason", "op.err.reason_required", nil)
	case len([]rune(reason)) > maxReasonLen:
		ve.add("reason", "op.err.reason_too_long", map[string]any{"max": maxReasonLen})
	}
	if err := s.checkMasterLive(ctx, ch.Master, "_", ve, nil); err != nil {
		return nil, err
	}
	if err := ve.orNil(); err != nil {
		return nil, err
	}
	pol, err := s.policy(ctx, KindTopUpRule)
	if err != nil {
		return nil, err
	}
	paramsJSON, _ := json.Marshal(Params{Rule: ch.Snapshot})
	now := s.now()
	cap := ch.MonthlyCap
	row := &store.Operation{
		Kind: string(KindTopUpRule), State: string(StatePending), Params: string(paramsJSON), Currency: cap.Currency(),
		OrgPath: joinPath(ch.OrgPath), MasterAccountID: ch.Master, TransID: bss.NewTransID(), RequestedBy: a.UserID,
		RequestedByName: a.Username, Reason: reason, RequiredApprovals: requiredApprovals(pol, &cap),
		ExpiresAt: now.Add(pol.Expiry), CreatedAt: now, UpdatedAt: now,
	}
	row.SnapshotHash = SnapshotHash(row.Kind, row.MasterAccountID, row.TransID, row.Params)
	idem := newIdempotency(a.UserID, idemKey, struct {
		Op   string
		Rule json.RawMessage
		R    string
	}{"rule", ch.Snapshot, reason})
	var existing int64
	var notes []notify.Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		if id, err := idem.claim(ctx, tx, now); err != nil || id != 0 {
			existing = id
			return err
		}
		if err := tx.InsertOperation(ctx, row); err != nil {
			return err
		}
		if err := idem.bind(ctx, tx, &row.ID, nil); err != nil {
			return err
		}
		approved, err := s.submit(ctx, tx, a.meta(), row, map[string]any{"kind": row.Kind,
			"params": json.RawMessage(row.Params), "snapshot_hash": row.SnapshotHash, "reason": row.Reason,
			"required_approvals": row.RequiredApprovals}, now)
		if err != nil || approved {
			return err
		}
		ns, err := s.approverNotes(ctx, tx, opTarget(row, nil), func(uid int64) notify.Note { return notify.ForOperation(uid, row, "notify.op.pending") })
		if err != nil {
			return err
		}
		notes = ns
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

// RuleTopUp is an automatic top-up decided by a rule.
type RuleTopUp struct {
	RuleID     int64
	RuleName   string
	RuleOwner  int64  // the rule's owner: the operation's requester
	OwnerName  string // their username
	Approvers  []int64
	Master     string
	SubAccount store.SubAccount
	Amount     money.Amount
	// Window is the trigger window (the day, in the display zone): with the rule and the
	// sub-account it fixes the trans_id.
	Window string
	Reason string // what triggered it, in words for the trail
}

// RuleTransID is the trans_id of rule's top-up of a sub-account in window: the same
// (rule, sub-account, window) always gives the same id, so the upstream refuses a second
// payment (CBC.99007009) even if Purser's own guard were ever passed. 32 hex digits, as
// the upstream accepts.
func RuleTransID(master string, rule int64, subAccountID, window string) string {
	h := sha256.New()
	for _, p := range []string{"purser.rule-topup.v1", master, strconv.FormatInt(rule, 10), subAccountID, window} {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// RuleActor is the audit actor of what Purser does under rule id.
func RuleActor(id int64) audit.Meta {
	return audit.Meta{ActorName: "system: rule " + strconv.FormatInt(id, 10), UserAgent: "rules"}
}

// CreateRuleTopUpTx records t as an approved transfer in tx — "pre-approved by rule R",
// audited as the system acting under the rule — queues its execution and returns it with
// the notes for the rule's owner and approvers (to Dispatch after commit). The caller
// holds the rule's lock and has checked its caps in tx.
func (s *Service) CreateRuleTopUpTx(ctx context.Context, tx *store.DB, t RuleTopUp) (*store.Operation, []notify.Note, error) {
	sa := t.SubAccount
	params := Params{SubAccountID: sa.ID, SubAccountName: sa.Name, Amount: t.Amount.String(), BalanceType: BalanceDebit,
		RuleID: t.RuleID, RuleName: t.RuleName}
	paramsJSON, _ := json.Marshal(params)
	now := s.now()
	amt := t.Amount.String()
	row := &store.Operation{
		Kind: string(KindTransferFunds), State: string(StatePending), Params: string(paramsJSON), Amount: &amt,
		Currency: t.Amount.Currency(), SubAccountID: sa.ID, OrgPath: joinPath(sa.OrgPath), MasterAccountID: t.Master,
		TransID: RuleTransID(t.Master, t.RuleID, sa.ID, t.Window), RequestedBy: t.RuleOwner, RequestedByName: t.OwnerName,
		Reason: t.Reason, RequiredApprovals: 0, ExpiresAt: now.Add(72 * time.Hour), CreatedAt: now, UpdatedAt: now,
	}
	row.SnapshotHash = SnapshotHash(row.Kind, row.MasterAccountID, row.TransID, row.Params)
	if err := tx.InsertOperation(ctx, row); err != nil {
		return nil, nil, err
	}
	m := RuleActor(t.RuleID)
	if err := record(ctx, tx, m, ActionCreate, row.ID, audit.Success, map[string]any{"kind": row.Kind, "trans_id": row.TransID,
		"sub_account_id": row.SubAccountID, "amount": amt, "params": json.RawMessage(row.Params), "snapshot_hash": row.SnapshotHash,
		"reason": row.Reason, "rule_id": t.RuleID, "trigger_window": t.Window, "required_approvals": 0}); err != nil {
		return nil, nil, err
	}
	ok, err := tx.MarkApproved(ctx, row.ID, row.SnapshotHash, now)
	if err != nil || !ok {
		return nil, nil, errors.Join(err, ErrWrongState)
	}
	if err := record(ctx, tx, m, ActionApprove, row.ID, audit.Success, map[string]any{"pre_approved_by_rule": t.RuleID,
		"snapshot_hash": row.SnapshotHash}); err != nil {
		return nil, nil, err
	}
	if err := s.enqueue(ctx, tx, []int64{row.ID}); err != nil {
		return nil, nil, err
	}
	row.State = string(StateApproved)
	row.ApprovedHash = row.SnapshotHash
	notes := []notify.Note{notify.ForOperation(t.RuleOwner, row, "notify.rule.topup")}
	for _, id := range t.Approvers {
		if id != t.RuleOwner && !slices.Contains(t.Approvers[:slices.Index(t.Approvers, id)], id) {
			notes = append(notes, notify.ForOperation(id, row, "notify.rule.topup"))
		}
	}
	if err := s.note.Insert(ctx, tx, notes); err != nil {
		return nil, nil, err
	}
	return row, notes, nil
}

// Dispatch sends notes written in a committed transaction (CreateRuleTopUpTx's).
func (s *Service) Dispatch(notes []notify.Note) { s.note.Dispatch(notes) }
