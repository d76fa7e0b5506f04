package approval_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

const topMaster, topMaster2 = "dom-top", "dom-top2"

// topAccount is a sub-account of the top-up tests: its total and stored runway.
type topAccount struct {
	id, org, master string
	status          int
	total           string
	state           string
	days, burn      string
}

var topAccounts = []topAccount{
	{id: "a", org: "east", total: "100.00", state: store.RunwayEstimated, days: "2.0", burn: "50"},
	{id: "b", org: "east", total: "330.00", state: store.RunwayEstimated, days: "11.0", burn: "30"},
	{id: "c", org: "east", total: "1000.00", state: store.RunwayEstimated, days: "20.0", burn: "50"},
	{id: "d", org: "east", status: 3, total: "10.00", state: store.RunwayEstimated, days: "1.0", burn: "10"}, // frozen
	{id: "e", org: "west", total: "30.00", state: store.RunwayEstimated, days: "3.0", burn: "10"},
	{id: "f", org: "east", total: "5.00", state: store.RunwayNoConsumption},
	{id: "g", org: "east", total: "5.00", state: store.RunwayNotEnoughHistory},
	{id: "h", org: "east", total: "50.00", state: store.RunwayEstimated, days: "50.0", burn: "1"},
	{id: "z", org: "east", master: topMaster2, total: "5.00", state: store.RunwayEstimated, days: "0.5", burn: "10"}, // its master was never read
}

// topCache stores topAccounts and the master's cash; it returns the requester.
func topCache(t *testing.T, db *store.DB, masterCash string) int64 {
	t.Helper()
	ctx := context.Background()
	u := &store.User{Username: "fay", Roles: []string{"finance"}}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	orgs := []store.Organization{
		{ID: "root", Name: "Acme", Path: []string{"root"}},
		{ID: "east", Name: "East", ParentID: "root", Path: []string{"root", "east"}, Depth: 1},
		{ID: "west", Name: "West", ParentID: "root", Path: []string{"root", "west"}, Depth: 1},
	}
	if err := db.ReplaceOrganizations(ctx, topMaster, 1, orgs, ctxAt); err != nil {
		t.Fatal(err)
	}
	var ups []store.RunwayUpdate
	for _, a := range topAccounts {
		m, st := a.master, a.status
		if m == "" {
			m = topMaster
		}
		if st == 0 {
			st = 1
		}
		if err := db.UpsertSubAccounts(ctx, m, 1, []store.SubAccountInfo{{ID: a.id, Name: "acct " + a.id, Status: st, OrgID: a.org}}, ctxAt); err != nil {
			t.Fatal(err)
		}
		if err := db.StoreSubAccountBalances(ctx, ctxAt, []store.SubAccountBalances{{SubAccountID: a.id, Debit: yuan(a.total), Currency: "CNY"}}, 0, store.RunProgress{}); err != nil {
			t.Fatal(err)
		}
		r := store.Runway{State: a.state, BasedOn: 14}
		if a.state == store.RunwayEstimated {
			r.Days, r.Burn = decimal.RequireFromString(a.days), decimal.RequireFromString(a.burn)
		}
		ups = append(ups, store.RunwayUpdate{SubAccountID: a.id, Runway: r})
	}
	if err := db.StoreRunways(ctx, ctxAt, ups); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreMasterBalances(ctx, topMaster, store.MasterBalances{Debit: yuan(masterCash), Currency: "CNY"}, ctxAt); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func topActor(id int64, scopes ...string) approval.Actor {
	return approval.Actor{UserID: id, Username: "fay", Roles: []authz.Role{authz.Finance}, Scopes: scopes, Meta: audit.System("test")}
}

// proposal writes a proposal as "id=amount[note] …" in its order, then the total.
func proposal(p approval.TopUpProposal) string {
	var b strings.Builder
	for _, r := range p.Rows {
		fmt.Fprintf(&b, "%s=%s", r.SubAccount.ID, r.Amount.String())
		if r.Note != "" {
			fmt.Fprintf(&b, "[%s]", r.Note)
		}
		b.WriteString(" ")
	}
	b.WriteString("total " + p.Total.String())
	return b.String()
}

// TestProposeTopUps: which accounts, how much (rounded up to the step), and what gives
// when the master has not enough free (the longest runways first).
func TestProposeTopUps(t *testing.T) {
	cases := []struct {
		name    string
		cash    string
		scopes  []string
		waiting string // a pending transfer to a
		req     approval.TopUpRequest
		want    string
		short   bool
	}{
		// Below 14 days, to 30, by 100: a needs 1,500 − 100, e 300 − 30, b 900 − 330 (570 → 600);
		// the frozen d, the states that are not numbers, c (20 days) and h (50) are not asked.
		{name: "defaults", cash: "5000.00", want: "a=1400.00 e=300.00 b=600.00 total 2300.00"},
		{name: "scope", cash: "5000.00", scopes: []string{"east"}, want: "a=1400.00 b=600.00 total 2000.00"},
		{name: "below 21", cash: "5000.00", req: approval.TopUpRequest{Below: 21}, want: "a=1400.00 e=300.00 b=600.00 c=500.00 total 2800.00"},
		{name: "step 500", cash: "5000.00", req: approval.TopUpRequest{Step: "500"}, want: "a=1500.00 e=500.00 b=1000.00 total 3000.00"},
		{name: "step 7", cash: "5000.00", req: approval.TopUpRequest{Step: "7"}, want: "a=1400.00 e=273.00 b=574.00 total 2247.00"},
		{name: "step a cent", cash: "5000.00", req: approval.TopUpRequest{Step: "0.01"}, want: "a=1400.00 e=270.00 b=570.00 total 2240.00"},
		{name: "target 14", cash: "5000.00", req: approval.TopUpRequest{Target: 14}, want: "a=600.00 e=200.00 b=100.00 total 900.00"},
		// 1,000 free for 2,300 asked: 1,300 too much comes off b (600, dropped), e (300,
		// dropped), then a (400 of 1,400).
		{name: "trimmed", cash: "1000.00", want: "a=1000.00[trimmed] e=0.00[dropped] b=0.00[dropped] total 1000.00", short: true},
		{name: "trimmed by steps", cash: "2250.00", want: "a=1400.00 e=300.00 b=500.00[trimmed] total 2200.00", short: true},
		{name: "nothing free", cash: "0.00", want: "a=0.00[dropped] e=0.00[dropped] b=0.00[dropped] total 0.00", short: true},
		// 1,000 already on its way to a: 400 more; the master's free is 1,000 less too.
		{name: "waiting", cash: "2000.00", waiting: "1000.00", want: "a=400.00 e=300.00 b=300.00[trimmed] total 1000.00", short: true},
		// Another master's account, whose amounts were never read: nothing free there.
		{name: "master never read", cash: "5000.00", req: approval.TopUpRequest{Master: topMaster2}, want: "z=0.00[dropped] total 0.00", short: true},
		// Every master: each master's accounts within its own free funds.
		{name: "every master", cash: "5000.00", req: approval.TopUpRequest{Master: "*"}, want: "z=0.00[dropped] a=1400.00 e=300.00 b=600.00 total 2300.00", short: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				fay := topCache(t, db, tc.cash)
				if tc.waiting != "" {
					topOp(t, db, fay, "a", tc.waiting)
				}
				svc := approval.New(db, approval.Options{MasterAccountID: topMaster})
				req := tc.req
				switch req.Master {
				case "": // the first master's accounts, unless said otherwise
					req.Master = topMaster
				case "*":
					req.Master = ""
				}
				p, err := svc.ProposeTopUps(context.Background(), topActor(fay, tc.scopes...), req)
				if err != nil {
					t.Fatal(err)
				}
				if got := proposal(p); got != tc.want {
					t.Fatalf("proposal\n got %s\nwant %s", got, tc.want)
				}
				short := false
				for _, m := range p.Masters {
					short = short || m.Short
					if m.Total.Cmp(m.Free) > 0 && m.Total.IsPositive() {
						t.Fatalf("master %s: %s proposed, %s free", m.Master, m.Total, m.Free)
					}
				}
				if short != tc.short {
					t.Fatalf("short = %v, want %v (%+v)", short, tc.short, p.Masters)
				}
				// The batch rows are the amounts, in order, as transfers of cash.
				var rows []string
				for _, r := range p.Batch {
					rows = append(rows, r.SubAccount+"="+r.Amount+"/"+r.BalanceType)
				}
				var want []string
				for _, r := range p.Rows {
					if r.Amount.IsPositive() {
						want = append(want, r.SubAccount.ID+"="+r.Amount.String()+"/debit")
					}
				}
				if strings.Join(rows, " ") != strings.Join(want, " ") {
					t.Fatalf("batch rows %v, want %v", rows, want)
				}
			})
		})
	}
}

// topOp inserts a pending transfer of amount to sub.
func topOp(t *testing.T, db *store.DB, fay int64, sub, amount string) {
	t.Helper()
	o := &store.Operation{Kind: string(approval.KindTransferFunds), State: string(approval.StatePending),
		Params: fmt.Sprintf(`{"sub_account_id":%q,"amount":%q,"balance_type":"debit"}`, sub, amount), Amount: &amount, Currency: "CNY",
		SubAccountID: sub, OrgPath: "/root/east/", MasterAccountID: topMaster, TransID: fmt.Sprintf("top-%d", transIDs.Add(1)),
		RequestedBy: fay, RequestedByName: "fay", RequiredApprovals: 1, ExpiresAt: ctxAt.Add(1e12), CreatedAt: ctxAt, UpdatedAt: ctxAt}
	if err := db.InsertOperation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
}

// TestProposeTopUpsRefuses: bounds on the page's numbers, the permission, and a master
// no longer configured (its accounts are shown, not drafted).
func TestProposeTopUpsRefuses(t *testing.T) {
	db := storetest.SQLite(t)
	fay := topCache(t, db, "5000.00")
	svc := approval.New(db, approval.Options{MasterAccountID: topMaster})
	ctx := context.Background()
	for field, req := range map[string]approval.TopUpRequest{
		"below":  {Below: 400},
		"target": {Below: 14, Target: 10},
		"step":   {Step: "1.234"},
	} {
		_, err := svc.ProposeTopUps(ctx, topActor(fay), req)
		var ve *approval.ValidationError
		if !errors.As(err, &ve) || ve.Fields[field] == "" {
			t.Errorf("%+v: %v, want a problem with %s", req, err, field)
		}
	}
	if _, err := svc.ProposeTopUps(ctx, approval.Actor{UserID: fay, Roles: []authz.Role{authz.Viewer}}, approval.TopUpRequest{}); !errors.Is(err, approval.ErrForbidden) {
		t.Fatalf("a viewer: %v", err)
	}
	gone := approval.New(db, approval.Options{MasterAccountID: topMaster, MasterLive: func(_ context.Context, m string) (bool, error) { return m != topMaster, nil }})
	p, err := gone.ProposeTopUps(ctx, topActor(fay), approval.TopUpRequest{Master: topMaster})
	if err != nil || proposal(p) != "a=0.00[inactive] e=0.00[inactive] b=0.00[inactive] total 0.00" || len(p.Batch) != 0 {
		t.Fatalf("master gone: %s, %v", proposal(p), err)
	}
}
