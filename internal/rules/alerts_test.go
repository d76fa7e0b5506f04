package rules_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/store"
)

// fakeRunways gives the runways a test sets, per sub-account (none: not enough history).
type fakeRunways map[string]forecast.Runway

func (f fakeRunways) Runway(_ context.Context, sa store.SubAccount, _ time.Time) (forecast.Runway, error) {
	if r, ok := f[sa.ID]; ok {
		return r, nil
	}
	return forecast.Runway{State: forecast.NotEnoughHistory}, nil
}

// notices counts user's notifications of kind about sub-account sub.
func (w *world) notices(user, kind, sub string) int {
	w.t.Helper()
	ns, err := w.svc.Notifier().List(w.ctx, w.actors[user].UserID, false, 500)
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, x := range ns {
		if x.Kind == kind && x.Params["sub_account_id"] == sub {
			n++
		}
	}
	return n
}

// Low balance: told once a day while it lasts, to those who set alert levels, and once
// when it ends; low runway and an anomaly from the forecast, by the configured limits;
// a second evaluator (another replica) evaluating the same sync sends nothing more.
func TestAlertsOncePerDayAndResolved(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, 6, rules.AlertOptions{Off: true})
		low, burning := w.subs()[0], w.subs()[1]
		w.setDebit(low, "100.00")
		w.setDebit(burning, "50000.00")
		w.sync()
		days := func(vals ...int64) []forecast.Day {
			var out []forecast.Day
			for i, v := range vals {
				out = append(out, forecast.Day{Date: time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC), Consumption: decimal.NewFromInt(v)})
			}
			return out
		}
		run := forecast.Runway{State: forecast.Estimated, Available: decimal.NewFromInt(50000), DailyBurn: decimal.NewFromInt(10000),
			Days: decimal.RequireFromString("5.0"), BasedOn: 5, Measured: days(1000, 1000, 1000, 1000, 4000)}
		rw := fakeRunways{burning: run}
		opts := rules.AlertOptions{RunwayDays: 7, AnomalyFactor: decimal.NewFromInt(3)}
		a := rules.NewEvaluator(db, w.svc, rw, opts, rules.Options{Clock: w.clock.Now})
		b := rules.NewEvaluator(db, w.svc, rw, opts, rules.Options{Clock: w.clock.Now})
		for _, ev := range []*rules.Evaluator{a, b, a} {
			if _, err := ev.Evaluate(w.ctx, w.master); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			user, kind, sub string
			want            int
		}{
			{"finance", "notify.alert.low_balance", low, 1}, {"admin", "notify.alert.low_balance", low, 1},
			{"approver", "notify.alert.low_balance", low, 0}, {"finance", "notify.alert.low_balance", burning, 0},
			{"finance", "notify.alert.low_runway", burning, 1}, {"finance", "notify.alert.anomaly", burning, 1},
			{"finance", "notify.alert.low_runway", low, 0},
		} {
			if got := w.notices(c.user, c.kind, c.sub); got != c.want {
				t.Errorf("%s has %d %s about %s, want %d", c.user, got, c.kind, c.sub, c.want)
			}
		}
		// The next day, still low: told again, once.
		w.clock.Advance(24 * time.Hour)
		for _, ev := range []*rules.Evaluator{a, b} {
			if _, err := ev.Evaluate(w.ctx, w.master); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.notices("finance", "notify.alert.low_balance", low); got != 2 {
			t.Fatalf("a lasting low balance was told %d times over two days", got)
		}
		// It ends: one "resolved", however often it is evaluated.
		w.setDebit(low, "5000.00")
		w.sync()
		rw[burning] = forecast.Runway{State: forecast.NoConsumption}
		for _, ev := range []*rules.Evaluator{a, b, a} {
			if _, err := ev.Evaluate(w.ctx, w.master); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.notices("finance", "notify.alert.low_balance_resolved", low); got != 1 {
			t.Fatalf("resolved told %d times", got)
		}
		if got := w.notices("finance", "notify.alert.low_runway_resolved", burning); got != 1 {
			t.Fatalf("runway resolved told %d times", got)
		}
	})
}
