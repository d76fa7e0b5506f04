// Package rules holds Purser's standing top-up rules and its balance alerts (issue 14).
//
// A rule names its accounts (one sub-account, or an organisation unit and everything
// below it), a trigger (balance below an amount, runway below a number of days), an
// action (a fixed amount, or up to a target amount or a target number of days) and its
// caps (per top-up, per account per calendar month, in total per month) within a validity
// period. A rule only ever changes through an approved operation of kind topup_rule
// (Service.Propose drafts it, the executor applies it with Applier), signed on the exact
// snapshot of the rule after the change.
//
// After each balance sync the rules_evaluate job runs Evaluator.Evaluate for the master:
// a triggered rule creates a transfer pre-approved by the rule, whose trans_id derives
// from (rule, sub-account, trigger window = the day in the display zone), under the
// rule's row lock and with a unique row per (rule, sub-account, window), in the
// transaction that checks the caps. Re-evaluations, retries and replicas therefore pay
// at most once per rule, sub-account and day. The same job raises the alerts (alerts.go).
package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
)

// Target kinds: whose accounts a rule tops up.
const (
	TargetSubAccount = "sub_account"
	TargetOrgUnit    = "org_unit"
)

// Trigger kinds.
const (
	TriggerBalanceBelow = "balance_below"
	TriggerRunwayBelow  = "runway_below"
)

// Action kinds.
const (
	ActionFixed    = "fixed"
	ActionToAmount = "to_amount"
	ActionToDays   = "to_days"
)

// States of a rule.
const (
	StateActive = "active"
	StatePaused = "paused"
)

// Changes a topup_rule operation makes.
const (
	ChangeCreate = "create"
	ChangeUpdate = "update"
	ChangePause  = "pause"
	ChangeResume = "resume"
)

// Definition is a rule as approved: what the approvers sign and what the evaluation
// reads. Amounts are two-decimal strings.
type Definition struct {
	Name   string `json:"name"`
	Master string `json:"master_account_id"`
	Target struct {
		Kind    string   `json:"kind"` // TargetSubAccount | TargetOrgUnit
		ID      string   `json:"id"`
		Name    string   `json:"name"`
		OrgPath []string `json:"org_path,omitempty"`
	} `json:"target"`
	Trigger struct {
		Kind   string `json:"kind"` // TriggerBalanceBelow | TriggerRunwayBelow
		Amount string `json:"amount,omitempty"`
		Days   int    `json:"days,omitempty"`
	} `json:"trigger"`
	Action struct {
		Kind   string `json:"kind"` // ActionFixed | ActionToAmount | ActionToDays
		Amount string `json:"amount,omitempty"`
		Days   int    `json:"days,omitempty"`
	} `json:"action"`
	Caps struct {
		PerTopUp        string `json:"per_topup"`
		PerAccountMonth string `json:"per_account_month"`
		Month           string `json:"month"`
	} `json:"caps"`
	Currency   string    `json:"currency"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"` // exclusive
	State      string    `json:"state"`
}

// Change is the snapshot of a topup_rule operation: the change and the rule after it.
type Change struct {
	Change      string     `json:"change"` // ChangeCreate …
	RuleID      int64      `json:"rule_id,omitempty"`
	BaseVersion int        `json:"base_version,omitempty"` // the version the change was drafted on
	Rule        Definition `json:"rule"`
}

// Rule is a stored rule.
type Rule struct {
	ID              int64
	Definition      Definition
	Version         int
	OwnerID         int64
	OwnerName       string
	ApproverIDs     []int64
	LastOperationID int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Active reports whether the rule pays at t: active and inside its validity.
func (r Rule) Active(t time.Time) bool {
	d := r.Definition
	return d.State == StateActive && !t.Before(d.ValidFrom) && t.Before(d.ValidUntil)
}

func (d Definition) amount(s string) money.Amount {
	a, err := money.FromUpstream(s, d.currency())
	if err != nil {
		return money.Zero(d.currency())
	}
	return a
}

func (d Definition) currency() string {
	if d.Currency == "" {
		return money.DefaultCurrency
	}
	return d.Currency
}

// Input is the rule form as typed: every field a string, kept to show the form again.
type Input struct {
	Name            string
	TargetKind      string
	TargetID        string
	TriggerKind     string
	TriggerAmount   string
	TriggerDays     string
	ActionKind      string
	ActionAmount    string
	ActionDays      string
	CapPerTopUp     string
	CapAccountMonth string
	CapMonth        string
	ValidFrom       string // YYYY-MM-DD, display zone
	ValidUntil      string // YYYY-MM-DD, the last day it applies
	Reason          string
}

// ValidationError lists what is wrong per field; values are i18n message ids.
type ValidationError struct {
	Fields map[string]string
	Params map[string]map[string]any
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("rules: invalid input (%d fields)", len(e.Fields))
}

func (e *ValidationError) add(field, id string, params map[string]any) {
	if e.Fields == nil {
		e.Fields, e.Params = map[string]string{}, map[string]map[string]any{}
	}
	if _, dup := e.Fields[field]; !dup {
		e.Fields[field] = id
		if params != nil {
			e.Params[field] = params
		}
	}
}

func (e *ValidationError) orNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Errors of the use cases.
var (
	ErrNotFound  = errors.New("rules: rule not found")
	ErrForbidden = errors.New("rules: the actor's roles do not allow this")
	// ErrNoChange: a pause of a paused rule, a resume of an active one.
	ErrNoChange = errors.New("rules: the rule is already in that state")
)

// maxDays bounds the day counts of triggers and actions.
const maxDays = 365

func parseMoney(ve *ValidationError, field, s, currency string) (money.Amount, bool) {
	a, err := money.Parse(strings.TrimSpace(s), currency)
	if err != nil {
		if errors.Is(err, money.ErrEmpty) {
			ve.add(field, "rules.err.amount_required", nil)
		} else {
			ve.add(field, "rules.err.amount_invalid", nil)
		}
		return a, false
	}
	return a, true
}

func parseDays(ve *ValidationError, field, s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > maxDays {
		ve.add(field, "rules.err.days_range", map[string]any{"max": maxDays})
		return 0, false
	}
	return n, true
}

// definitionOf checks everything in the form but its target (which needs the cache) and
// fills d; now and zone give the default start (today) and read the dates.
func definitionOf(in Input, d *Definition, now time.Time, zone *time.Location, ve *ValidationError) {
	d.Name = strings.TrimSpace(in.Name)
	switch n := len([]rune(d.Name)); {
	case n == 0:
		ve.add("name", "rules.err.name_required", nil)
	case n > 100:
		ve.add("name", "rules.err.name_too_long", map[string]any{"max": 100})
	}
	cur := d.currency()
	d.Currency = cur
	d.Trigger.Kind = in.TriggerKind
	var trigAmt money.Amount
	var trigOK bool
	switch in.TriggerKind {
	case TriggerBalanceBelow:
		if trigAmt, trigOK = parseMoney(ve, "trigger_amount", in.TriggerAmount, cur); trigOK {
			d.Trigger.Amount = trigAmt.String()
		}
	case TriggerRunwayBelow:
		d.Trigger.Days, trigOK = parseDays(ve, "trigger_days", in.TriggerDays)
	default:
		ve.add("trigger_kind", "rules.err.trigger_kind", nil)
	}
	d.Action.Kind = in.ActionKind
	switch in.ActionKind {
	case ActionFixed, ActionToAmount:
		a, ok := parseMoney(ve, "action_amount", in.ActionAmount, cur)
		if ok {
			d.Action.Amount = a.String()
			if in.ActionKind == ActionToAmount && in.TriggerKind == TriggerBalanceBelow && trigOK && a.Cmp(trigAmt) <= 0 {
				ve.add("action_amount", "rules.err.target_above_trigger", nil)
			}
		}
	case ActionToDays:
		days, ok := parseDays(ve, "action_days", in.ActionDays)
		d.Action.Days = days
		if ok && in.TriggerKind == TriggerRunwayBelow && trigOK && days <= d.Trigger.Days {
			ve.add("action_days", "rules.err.target_above_trigger", nil)
		}
	default:
		ve.add("action_kind", "rules.err.action_kind", nil)
	}
	per, ok1 := parseMoney(ve, "cap_per_topup", in.CapPerTopUp, cur)
	acct, ok2 := parseMoney(ve, "cap_account_month", in.CapAccountMonth, cur)
	month, ok3 := parseMoney(ve, "cap_month", in.CapMonth, cur)
	if ok1 && ok2 && per.Cmp(acct) > 0 {
		ve.add("cap_per_topup", "rules.err.cap_order", nil)
	}
	if ok2 && ok3 && acct.Cmp(month) > 0 {
		ve.add("cap_account_month", "rules.err.cap_order", nil)
	}
	d.Caps.PerTopUp, d.Caps.PerAccountMonth, d.Caps.Month = per.String(), acct.String(), month.String()
	day := func(field, s string, def time.Time) (time.Time, bool) {
		s = strings.TrimSpace(s)
		if s == "" && !def.IsZero() {
			return def, true
		}
		t, err := time.ParseInLocation("2006-01-02", s, zone)
		if err != nil {
			ve.add(field, "rules.err.date", nil)
			return time.Time{}, false
		}
		return t, true
	}
	local := now.In(zone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, zone)
	from, okf := day("valid_from", in.ValidFrom, today)
	until, oku := day("valid_until", in.ValidUntil, time.Time{})
	if okf && oku {
		until = until.AddDate(0, 0, 1) // the last day applies in full
		if !until.After(from) {
			ve.add("valid_until", "rules.err.validity_order", nil)
		}
		if !until.After(now) {
			ve.add("valid_until", "rules.err.validity_past", nil)
		}
	}
	d.ValidFrom, d.ValidUntil = from.UTC(), until.UTC()
}

// InputOf is the form of an existing definition, for "change this rule".
func InputOf(d Definition, zone *time.Location) Input {
	in := Input{Name: d.Name, TargetKind: d.Target.Kind, TargetID: d.Target.ID, TriggerKind: d.Trigger.Kind,
		TriggerAmount: d.Trigger.Amount, ActionKind: d.Action.Kind, ActionAmount: d.Action.Amount,
		CapPerTopUp: d.Caps.PerTopUp, CapAccountMonth: d.Caps.PerAccountMonth, CapMonth: d.Caps.Month,
		ValidFrom: d.ValidFrom.In(zone).Format("2006-01-02"), ValidUntil: d.ValidUntil.In(zone).AddDate(0, 0, -1).Format("2006-01-02")}
	if d.Trigger.Days > 0 {
		in.TriggerDays = strconv.Itoa(d.Trigger.Days)
	}
	if d.Action.Days > 0 {
		in.ActionDays = strconv.Itoa(d.Action.Days)
	}
	return in
}

// capOf reads a cap; a malformed stored value (never written by Purser) caps at zero.
func capOf(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}
