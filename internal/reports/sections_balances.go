package reports

import (
	"context"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// account is a sub-account in the subscriber's scope with its runway.
type account struct {
	store.SubAccount
	runway forecast.Runway
}

// load reads, once per report, the unit names and the sub-accounts in scope (in SQL:
// readmodel.EachSubAccount) with their runways, ordered by unit then name.
func (s *Service) load(ctx context.Context, in *Input) error {
	if in.loaded {
		return nil
	}
	_, orgs, err := s.reader.Organizations(ctx, authz.Everything, "")
	if err != nil {
		return err
	}
	in.units = make(map[string]store.Organization, len(orgs))
	for _, o := range orgs {
		in.units[o.ID] = o
	}
	if authz.Allowed(in.Subject, authz.ViewSubAccounts, authz.Target{}) {
		var subs []store.SubAccount
		err := s.reader.EachSubAccount(ctx, in.Scope, store.SubAccountFilter{HiddenMasters: s.hidden(ctx)}, func(sa store.SubAccount) error {
			subs = append(subs, sa)
			return nil
		})
		if err != nil {
			return err
		}
		ids := make([]string, len(subs))
		for i, sa := range subs {
			ids[i] = sa.ID
		}
		runways, err := s.runways.Runways(ctx, ids)
		if err != nil {
			return err
		}
		in.accounts = make([]account, len(subs))
		for i, sa := range subs {
			in.accounts[i] = account{SubAccount: sa, runway: runways[sa.ID]}
		}
		sort.SliceStable(in.accounts, func(i, j int) bool {
			a, b := in.unitPath(in.accounts[i].OrgPath, in.accounts[i].OrgName), in.unitPath(in.accounts[j].OrgPath, in.accounts[j].OrgName)
			return a < b
		})
	}
	in.loaded = true
	return nil
}

// writeCover is the first sheet: what the report is, for whom, over which period and
// scope.
func (s *Service) writeCover(ctx context.Context, in *Input, sh export.Rows) error {
	if err := s.load(ctx, in); err != nil {
		return err
	}
	tr := in.T
	if err := header(sh, tr, "item", "value"); err != nil {
		return err
	}
	who := in.User.Username
	if in.User.DisplayName != "" {
		who = in.User.DisplayName + " (" + in.User.Username + ")"
	}
	scope := tr.T("reports.cover.scope_all")
	if in.Scope.Limited() {
		names := make([]string, 0, len(in.Scope.OrgIDs))
		for _, id := range in.Scope.OrgIDs {
			names = append(names, in.unitPath(in.units[id].Path, id))
		}
		scope = strings.Join(names, "; ")
	}
	first, last := in.Period.Start, in.Period.LastDay()
	rows := [][]export.Cell{
		{export.Text(tr.T("reports.cover.report")), export.Text(tr.T("reports.frequency." + string(in.Period.Frequency)))},
		{export.Text(tr.T("reports.cover.period")), export.Text(in.Period.Label())},
		{export.Text(tr.T("reports.cover.from")), export.Text(first.In(Zone).Format("2006-01-02"))},
		{export.Text(tr.T("reports.cover.to")), export.Text(last.Format("2006-01-02"))},
		{export.Text(tr.T("reports.cover.generated")), timeCell(in.Now)},
		{export.Text(tr.T("reports.cover.for")), export.Text(who)},
		{export.Text(tr.T("reports.cover.scope")), export.Text(scope)},
		{export.Text(tr.T("reports.cover.zone")), export.Text(tr.T("reports.cover.zone_value"))},
	}
	for _, r := range rows {
		if err := sh.Row(r...); err != nil {
			return err
		}
	}
	return nil
}

// unitTotal is one unit's figures in one currency.
type unitTotal struct {
	id, path, currency  string
	count               int64
	debit, credit, burn decimal.Decimal
	shortest            *decimal.Decimal // the shortest estimated runway of its accounts
}

// writeUnits is balances and runway by organisation unit: per unit and currency, the
// sub-accounts' cash, credit and balance, their measured daily consumption, the runway
// that gives the unit as a whole (balance ÷ daily consumption) and the shortest runway
// of any of its accounts, the first to run out.
func (s *Service) writeUnits(ctx context.Context, in *Input, sh export.Rows) error {
	if err := s.load(ctx, in); err != nil {
		return err
	}
	if err := header(sh, in.T, "unit", "unit_id", "currency", "sub_accounts", "cash", "credit", "balance", "daily_burn",
		"runway_days", "shortest_runway_days"); err != nil {
		return err
	}
	var order []string
	totals := map[string]*unitTotal{}
	for _, a := range in.accounts {
		key := a.OrgID + "\x00" + a.Currency
		t, ok := totals[key]
		if !ok {
			t = &unitTotal{id: a.OrgID, path: in.unitPath(a.OrgPath, a.OrgName), currency: a.Currency}
			totals[key] = t
			order = append(order, key)
		}
		t.count++
		t.debit, t.credit = t.debit.Add(a.Debit.Decimal()), t.credit.Add(a.Credit.Decimal())
		if a.runway.State == forecast.Estimated {
			t.burn = t.burn.Add(a.runway.DailyBurn)
			if d := a.runway.Days; t.shortest == nil || d.LessThan(*t.shortest) {
				t.shortest = &d
			}
		}
	}
	for _, key := range order {
		t := totals[key]
		balance := t.debit.Add(t.credit)
		runway, shortest := export.Text(""), export.Text("")
		if t.burn.IsPositive() {
			runway = export.Number(balance.Div(t.burn).RoundFloor(1))
		}
		if t.shortest != nil {
			shortest = export.Number(*t.shortest)
		}
		if err := sh.Row(export.Text(t.path), export.Text(t.id), export.Text(t.currency), export.Int(t.count),
			amount(t.debit, t.currency), amount(t.credit, t.currency), amount(balance, t.currency), amount(t.burn, t.currency),
			runway, shortest); err != nil {
			return err
		}
	}
	return nil
}

// writeSubAccounts lists every sub-account in scope, grouped by unit, with its balances
// and runway.
func (s *Service) writeSubAccounts(ctx context.Context, in *Input, sh export.Rows) error {
	if err := s.load(ctx, in); err != nil {
		return err
	}
	tr := in.T
	if err := header(sh, tr, "unit", "sub_account", "sub_account_id", "currency", "cash", "credit", "balance", "daily_burn",
		"runway_days", "runway", "runs_out", "balances_as_of"); err != nil {
		return err
	}
	for _, a := range in.accounts {
		name := a.DisplayName
		if name == "" {
			name = a.Name
		}
		r := a.runway
		burn, days, runsOut := export.Text(""), export.Text(""), export.Text("")
		if r.State == forecast.Estimated {
			burn, days = amount(r.DailyBurn, a.Currency), export.Number(r.Days)
			if !r.RunsOut.IsZero() {
				runsOut = export.Text(r.RunsOut.In(Zone).Format("2006-01-02"))
			}
		}
		state := r.State
		if state == "" {
			state = forecast.NotEnoughHistory
		}
		if err := sh.Row(export.Text(in.unitPath(a.OrgPath, a.OrgName)), export.Text(name), export.Text(a.ID), export.Text(a.Currency),
			export.Amount(a.Debit), export.Amount(a.Credit), export.Amount(a.Total), burn, days,
			export.Text(tr.T("reports.runway."+string(state))), runsOut, timePtrCell(a.BalancesSyncedAt)); err != nil {
			return err
		}
	}
	return nil
}

// amount is a money cell of d rounded to cents (a daily burn is a median of divisions).
func amount(d decimal.Decimal, currency string) export.Cell {
	return export.Amount(money.New(d.Round(2), currency))
}
