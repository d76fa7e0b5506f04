package rules

import (
	"context"
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// Alerts: low balance (below the sub-account's threshold, or the default), low runway
// (runs out within RunwayDays) and an anomaly (a day's consumption above AnomalyFactor
// times the trailing median). A condition is told at most once per account and day while
// it lasts, and its end once ("resolved"); an anomaly once per account and day it
// happened. The guards are rows in the database (store.ClaimAlertNotice,
// store.CloseAlert), so several replicas evaluating one sync send each notice once.

// Alert kinds.
const (
	AlertLowBalance = "low_balance"
	AlertLowRunway  = "low_runway"
	AlertAnomaly    = "anomaly"
)

// AlertOptions configure the alerts; zero values take the defaults.
type AlertOptions struct {
	// RunwayDays: a runway shorter than this is low; default 7.
	RunwayDays int
	// AnomalyFactor: a day consuming more than this times the trailing median is an
	// anomaly; default 3.
	AnomalyFactor decimal.Decimal
	// LowBalance is the default low-balance threshold (the settings'); nil or a zero
	// answer uses DefaultLowBalance.
	LowBalance func(ctx context.Context) money.Amount
	// Off turns the alerts off (tests of the rules alone).
	Off bool
}

// DefaultLowBalance is the threshold of sub-accounts without their own when the settings
// set none (the sub-account page shows the same).
var DefaultLowBalance = money.New(decimal.NewFromInt(1000), money.DefaultCurrency)

func (o AlertOptions) withDefaults() AlertOptions {
	if o.RunwayDays <= 0 {
		o.RunwayDays = 7
	}
	if !o.AnomalyFactor.IsPositive() {
		o.AnomalyFactor = decimal.NewFromInt(3)
	}
	return o
}

func (e *Evaluator) lowBalanceDefault(ctx context.Context) money.Amount {
	if e.alerts.LowBalance != nil {
		if a := e.alerts.LowBalance(ctx); a.IsPositive() {
			return a
		}
	}
	return DefaultLowBalance
}

// raiseAlerts checks every synced, normal sub-account of master and returns how many
// notices it sent.
func (e *Evaluator) raiseAlerts(ctx context.Context, master string, now time.Time, rw func(store.SubAccount) (forecast.Runway, error)) (int, error) {
	if e.alerts.Off {
		return 0, nil
	}
	subs, err := e.db.MasterSubAccounts(ctx, master)
	if err != nil {
		return 0, err
	}
	def := e.lowBalanceDefault(ctx)
	day := e.Window(now)
	sent := 0
	for _, sa := range subs {
		if sa.Status != int(bss.SubAccountNormal) || sa.BalancesSyncedAt == nil {
			continue
		}
		th := def
		if sa.LowBalanceThreshold != nil {
			th = *sa.LowBalanceThreshold
		}
		base := map[string]string{"sub_account_id": sa.ID, "name": sa.Name, "available": sa.Total.String(), "currency": sa.Currency}
		low := sa.Total.Cmp(th) < 0
		n, err := e.condition(ctx, sa, AlertLowBalance, low, day, now, with(base, "threshold", th.String()))
		if err != nil {
			return sent, err
		}
		sent += n
		run, err := rw(sa)
		if err != nil {
			return sent, err
		}
		p := with(base, "days", run.Days.String())
		p["limit"] = decimal.NewFromInt(int64(e.alerts.RunwayDays)).String()
		n, err = e.condition(ctx, sa, AlertLowRunway, run.Below(e.alerts.RunwayDays), day, now, p)
		if err != nil {
			return sent, err
		}
		sent += n
		if d, ok := run.Anomaly(e.alerts.AnomalyFactor); ok {
			p := with(base, "day", d.Date.Format("2006-01-02"))
			p["consumption"], p["median"] = d.Consumption.StringFixed(2), run.DailyBurn.StringFixed(2)
			p["factor"] = e.alerts.AnomalyFactor.String()
			n, err := e.notice(ctx, sa, AlertAnomaly, d.Date.Format("2006-01-02"), "notify.alert.anomaly", now, p)
			if err != nil {
				return sent, err
			}
			sent += n
		}
	}
	return sent, nil
}

func with(base map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(base)+1)
	for bk, bv := range base {
		out[bk] = bv
	}
	out[k] = v
	return out
}

// condition records whether kind holds for sa now and sends its notice (once a day
// while it holds) or its end (once).
func (e *Evaluator) condition(ctx context.Context, sa store.SubAccount, kind string, holds bool, day string, now time.Time, p map[string]string) (int, error) {
	if holds {
		if err := e.db.OpenAlert(ctx, sa.ID, kind, now); err != nil {
			return 0, err
		}
		return e.notice(ctx, sa, kind, day, "notify.alert."+kind, now, p)
	}
	closed, err := e.db.CloseAlert(ctx, sa.ID, kind, now)
	if err != nil || !closed {
		return 0, err
	}
	return e.notice(ctx, sa, kind+"_resolved", day, "notify.alert."+kind+"_resolved", now, p)
}

// notice claims (sa, kind, day) and, when this call did, writes the notes to the
// recipients in the same transaction and sends them after it.
func (e *Evaluator) notice(ctx context.Context, sa store.SubAccount, kind, day, msg string, now time.Time, p map[string]string) (int, error) {
	var notes []notify.Note
	details, _ := json.Marshal(p)
	err := e.db.InTx(ctx, func(tx *store.DB) error {
		claimed, err := tx.ClaimAlertNotice(ctx, sa.ID, kind, day, string(details), now)
		if err != nil || !claimed {
			return err
		}
		ids, err := notify.AlertRecipientIDs(ctx, tx, sa.OrgPath)
		if err != nil {
			return err
		}
		for _, id := range ids {
			notes = append(notes, notify.ForAccount(id, msg, p))
		}
		if len(notes) == 0 {
			// Nobody to tell in the portal: the webhook still hears of it.
			notes = append(notes, notify.ForAccount(0, msg, p))
			return nil
		}
		return e.ops.Notifier().Insert(ctx, tx, notes)
	})
	if err != nil || len(notes) == 0 {
		return 0, err
	}
	e.ops.Notifier().Dispatch(notes)
	return 1, nil
}
