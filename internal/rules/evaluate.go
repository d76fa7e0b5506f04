package rules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
)

// Runways gives a sub-account's runway as of now. The evaluation asks it only for the
// accounts of runway rules and for the alerts; StoreRunways computes it from the cache.
type Runways interface {
	Runway(ctx context.Context, sa store.SubAccount, now time.Time) (forecast.Runway, error)
}

// StoreRunways estimates runways from the balance snapshots and Purser's settled
// movements: readmodel.Forecaster, the estimate the pages show.
type StoreRunways struct {
	DB   *store.DB
	Zone *time.Location
}

// Runway implements Runways.
func (r StoreRunways) Runway(ctx context.Context, sa store.SubAccount, now time.Time) (forecast.Runway, error) {
	return readmodel.NewForecaster(r.DB, func() time.Time { return now }).Runway(ctx, sa.ID)
}

// Evaluator evaluates the active rules of a master after a balance sync, and raises the
// alerts.
type Evaluator struct {
	db      *store.DB
	ops     *approval.Service
	runways Runways
	alerts  AlertOptions
	opts    Options
}

// NewEvaluator returns the Evaluator; runways nil uses StoreRunways.
func NewEvaluator(db *store.DB, ops *approval.Service, runways Runways, alerts AlertOptions, o Options) *Evaluator {
	o = o.withDefaults()
	if runways == nil {
		runways = StoreRunways{DB: db, Zone: o.Zone}
	}
	return &Evaluator{db: db, ops: ops, runways: runways, alerts: alerts.withDefaults(), opts: o}
}

// Result counts what one evaluation did.
type Result struct {
	TopUps  int // transfers created
	Already int // triggers already paid in their window
	Capped  int // triggers the caps left nothing for
	Alerts  int // alert and resolved notices sent
}

// Evaluate runs master's active rules over its cached sub-accounts, then the alerts.
// Every top-up is its own transaction; an error stops the evaluation (the job retries,
// and what was paid stays paid).
func (e *Evaluator) Evaluate(ctx context.Context, master string) (Result, error) {
	var res Result
	now := e.opts.Clock().UTC()
	memo := map[string]forecast.Runway{}
	runway := func(sa store.SubAccount) (forecast.Runway, error) {
		if r, ok := memo[sa.ID]; ok {
			return r, nil
		}
		r, err := e.runways.Runway(ctx, sa, now)
		if err == nil {
			memo[sa.ID] = r
		}
		return r, err
	}
	paused, _, _, err := e.db.TopUpRulesPaused(ctx)
	if err != nil {
		return res, err
	}
	if !paused {
		rows, err := e.db.ListTopUpRules(ctx, store.TopUpRuleFilter{MasterAccountID: master, State: StateActive})
		if err != nil {
			return res, err
		}
		for _, row := range rows {
			r, err := ruleOf(row)
			if err != nil {
				e.opts.Log.Error("rules: unreadable rule", "rule_id", row.ID, "error", err)
				continue
			}
			if !r.Active(now) {
				continue
			}
			if err := e.evaluateRule(ctx, r, now, runway, &res); err != nil {
				return res, fmt.Errorf("rules: rule %d: %w", r.ID, err)
			}
		}
	}
	n, err := e.raiseAlerts(ctx, master, now, runway)
	res.Alerts = n
	return res, err
}

func (e *Evaluator) accounts(ctx context.Context, r Rule) ([]store.SubAccount, error) {
	d := r.Definition
	if d.Target.Kind == TargetOrgUnit {
		return e.db.SubAccountsUnder(ctx, d.Master, d.Target.ID)
	}
	sa, err := e.db.SubAccountByID(ctx, d.Target.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil || sa.MasterAccountID != d.Master {
		return nil, err
	}
	return []store.SubAccount{*sa}, nil
}

// want is what the rule would pay sa before the caps, and why (zero: not triggered).
func (e *Evaluator) want(r Rule, sa store.SubAccount, rw func(store.SubAccount) (forecast.Runway, error)) (decimal.Decimal, string, error) {
	d := r.Definition
	avail := sa.Total.Decimal()
	switch d.Trigger.Kind {
	case TriggerBalanceBelow:
		below := capOf(d.Trigger.Amount)
		if !avail.LessThan(below) {
			return decimal.Zero, "", nil
		}
	case TriggerRunwayBelow:
		run, err := rw(sa)
		if err != nil {
			return decimal.Zero, "", err
		}
		if !run.Below(d.Trigger.Days) {
			return decimal.Zero, "", nil
		}
	default:
		return decimal.Zero, "", nil
	}
	why := fmt.Sprintf("rule %d (%s): %s", r.ID, d.Name, triggerText(d))
	switch d.Action.Kind {
	case ActionFixed:
		return capOf(d.Action.Amount), why, nil
	case ActionToAmount:
		return capOf(d.Action.Amount).Sub(avail), why, nil
	case ActionToDays:
		run, err := rw(sa)
		if err != nil {
			return decimal.Zero, "", err
		}
		return run.Needed(d.Action.Days), why, nil
	}
	return decimal.Zero, "", nil
}

func triggerText(d Definition) string {
	if d.Trigger.Kind == TriggerRunwayBelow {
		return fmt.Sprintf("runway below %d days", d.Trigger.Days)
	}
	return "balance below " + d.Trigger.Amount
}

// Window is the trigger window of t: its day in the zone.
func (e *Evaluator) Window(t time.Time) string { return t.In(e.opts.Zone).Format("2006-01-02") }

func (e *Evaluator) evaluateRule(ctx context.Context, r Rule, now time.Time, rw func(store.SubAccount) (forecast.Runway, error), res *Result) error {
	accts, err := e.accounts(ctx, r)
	if err != nil {
		return err
	}
	for _, sa := range accts {
		if sa.Status != int(bss.SubAccountNormal) || sa.BalancesSyncedAt == nil {
			continue // nothing can be moved to it, or its balance was never read
		}
		amt, why, err := e.want(r, sa, rw)
		if err != nil {
			return err
		}
		amt = amt.RoundCeil(2)
		if !amt.IsPositive() {
			continue
		}
		if err := e.topUp(ctx, r, sa, amt, why, now, res); err != nil {
			return err
		}
	}
	return nil
}

// errSkip ends a top-up's transaction without writing anything.
var errSkip = errors.New("rules: nothing to pay")

// topUp pays sa up to amt under rule r in one transaction: the rule's row lock, the
// window's guard, the caps, the operation, its payment row and its job.
func (e *Evaluator) topUp(ctx context.Context, r Rule, sa store.SubAccount, amt decimal.Decimal, why string, now time.Time, res *Result) error {
	window, month := e.Window(now), now.In(e.opts.Zone).Format("2006-01")
	var notes []notify.Note
	var outcome *int
	err := e.db.InTx(ctx, func(tx *store.DB) error {
		locked, err := tx.LockTopUpRule(ctx, r.ID)
		if err != nil {
			return err
		}
		if locked.State != StateActive || locked.Version != r.Version {
			return errSkip // paused or changed since it was read: the next evaluation sees it
		}
		if paused, _, _, err := tx.TopUpRulesPaused(ctx); err != nil || paused {
			return errors.Join(err, errSkip)
		}
		paid, err := tx.TopUpPaid(ctx, r.ID, sa.ID, window)
		if err != nil {
			return err
		}
		if paid {
			outcome = &res.Already
			return errSkip
		}
		total, acct, err := tx.RuleSpent(ctx, r.ID, month, sa.ID)
		if err != nil {
			return err
		}
		caps := r.Definition.Caps
		pay := decimal.Min(amt, capOf(caps.PerTopUp), capOf(caps.PerAccountMonth).Sub(acct), capOf(caps.Month).Sub(total))
		if !pay.IsPositive() {
			outcome = &res.Capped
			return errSkip
		}
		a := money.New(pay, r.Definition.currency())
		op, ns, err := e.ops.CreateRuleTopUpTx(ctx, tx, approval.RuleTopUp{RuleID: r.ID, RuleName: r.Definition.Name,
			RuleOwner: r.OwnerID, OwnerName: r.OwnerName, Approvers: r.ApproverIDs, Master: r.Definition.Master,
			SubAccount: sa, Amount: a, Window: window, Reason: why})
		if err != nil {
			return err
		}
		if err := tx.InsertTopUpPayment(ctx, &store.TopUpPayment{RuleID: r.ID, SubAccountID: sa.ID, TriggerWindow: window,
			Month: month, Amount: a.String(), OperationID: op.ID, CreatedAt: now}); err != nil {
			return err
		}
		notes, outcome = ns, &res.TopUps
		return nil
	})
	switch {
	case errors.Is(err, errSkip):
		err = nil
	case errors.Is(err, store.ErrConflict):
		// Paid in this window by a concurrent evaluation (its trans_id or payment row):
		// the guard held.
		outcome, err = &res.Already, nil
	}
	if err != nil {
		return err
	}
	if outcome != nil {
		*outcome++
	}
	e.ops.Dispatch(notes)
	return nil
}
