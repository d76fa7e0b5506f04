package readmodel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The operation kinds and state the forecaster reads are approval's.
func TestForecastKindsAreApprovals(t *testing.T) {
	if kindTransferFunds != string(approval.KindTransferFunds) || kindRetrieveFunds != string(approval.KindRetrieveFunds) ||
		stateSucceeded != string(approval.StateSucceeded) {
		t.Fatal("the forecaster's operation kinds or state differ from approval's")
	}
}

const runwayMaster = "dom-runway"

// runwayNow is 21:00 in Beijing.
var runwayNow = time.Date(2026, 12, 20, 13, 0, 0, 0, time.UTC)

// seedRunwayHistory stores, for the sub-account id, one reading every six hours (four a
// day, the last of each Beijing day at 20:00) over days days ending today: the
// available amount falls by burn a day, spread over the day's readings, plus what
// moves adds from its day on.
func seedRunwayHistory(t *testing.T, db *store.DB, id string, start, burn string, days int, moves map[int]string) {
	t.Helper()
	ctx := context.Background()
	if err := db.UpsertSubAccounts(ctx, runwayMaster, 1, []store.SubAccountInfo{{ID: id, Name: id, Status: 1, OrgID: "root"}}, runwayNow); err != nil {
		t.Fatal(err)
	}
	avail, b := decimal.RequireFromString(start), decimal.RequireFromString(burn)
	var points []store.BalanceSnapshot
	for d := days - 1; d >= 0; d-- {
		day := runwayNow.Add(-time.Duration(d) * 24 * time.Hour).Add(-time.Hour) // 20:00 Beijing
		if m, ok := moves[d]; ok {
			avail = avail.Add(decimal.RequireFromString(m))
		}
		for q := 3; q >= 0; q-- {
			avail = avail.Sub(b.Div(decimal.NewFromInt(4)))
			points = append(points, store.BalanceSnapshot{TakenAt: day.Add(-time.Duration(q) * 6 * time.Hour), SubAccountID: id,
				Debit: money.New(avail, "CNY"), Credit: money.Zero("CNY")})
		}
	}
	if _, err := db.SeedBalanceHistory(ctx, runwayMaster, points); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreSubAccountBalances(ctx, runwayNow, []store.SubAccountBalances{{SubAccountID: id, Debit: money.New(avail, "CNY"), Currency: "CNY"}}, 0, store.RunProgress{}); err != nil {
		t.Fatal(err)
	}
}

// settle records a succeeded movement of kind for id that finished at.
func settle(t *testing.T, db *store.DB, user int64, id string, kind approval.Kind, amount string, at time.Time) {
	t.Helper()
	n := at.UnixNano()
	op := &store.Operation{Kind: string(kind), State: string(approval.StateSucceeded), Params: "{}", Amount: &amount, Currency: "CNY",
		SubAccountID: id, MasterAccountID: runwayMaster, TransID: fmt.Sprintf("%032x", n), RequestedBy: user, RequestedByName: "maker",
		RequiredApprovals: 1, ExpiresAt: at.Add(time.Hour), CreatedAt: at.Add(-time.Minute), UpdatedAt: at, FinishedAt: &at}
	if err := db.InsertOperation(context.Background(), op); err != nil {
		t.Fatal(err)
	}
}

// TestForecasterLoadsHistoryAndMovements: on both databases, the forecaster reads one
// reading per Beijing day out of many, takes Purser's own settled transfers and
// recoveries out of the consumption (and ignores failed ones), and stores the runway on
// the cache row, where the list sorts and filters by it.
func TestForecasterLoadsHistoryAndMovements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := &store.User{Username: "maker", PasswordHash: "x"}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		// Steady: 100 a day for 30 days, from 5,000; a transfer in of 1,000 five days ago
		// and a recovery of 300 two days ago, both Purser's; a failed transfer that moved
		// nothing.
		seedRunwayHistory(t, db, "steady", "5000", "100", 30, map[int]string{5: "1000", 2: "-300"})
		fiveDaysAgo := runwayNow.Add(-5*24*time.Hour - 3*time.Hour)
		settle(t, db, u.ID, "steady", approval.KindTransferFunds, "1000.00", fiveDaysAgo)
		settle(t, db, u.ID, "steady", approval.KindRetrieveFunds, "300.00", runwayNow.Add(-2*24*time.Hour-3*time.Hour))
		failed := &store.Operation{Kind: "transfer_funds", State: "failed", Params: "{}", Amount: ptr("5000.00"), SubAccountID: "steady",
			MasterAccountID: runwayMaster, TransID: fmt.Sprintf("%032x", 1), RequestedBy: u.ID, RequestedByName: "maker", RequiredApprovals: 1,
			ExpiresAt: runwayNow, CreatedAt: runwayNow, UpdatedAt: runwayNow, FinishedAt: &fiveDaysAgo}
		if err := db.InsertOperation(ctx, failed); err != nil {
			t.Fatal(err)
		}
		// Idle: never spends. Young: two days of history.
		seedRunwayHistory(t, db, "idle", "800", "0", 20, nil)
		seedRunwayHistory(t, db, "young", "800", "50", 2, nil)

		// One reading per Beijing day (its last), out of four a day.
		daily, err := db.DailyBalances(ctx, []string{"steady"}, runwayNow.AddDate(0, 0, -40), 8*3600)
		if err != nil || len(daily["steady"]) != 30 {
			t.Fatalf("daily readings: %d, %v", len(daily["steady"]), err)
		}
		for i, p := range daily["steady"][:29] {
			if h := p.TakenAt.In(ForecastZone).Hour(); h != 20 {
				t.Fatalf("day %d: the reading of %v is not the day's last", i, p.TakenAt)
			}
		}

		f := NewForecaster(db, func() time.Time { return runwayNow })
		rs, err := f.Runways(ctx, []string{"steady", "idle", "young", "unknown"})
		if err != nil {
			t.Fatal(err)
		}
		st := rs["steady"]
		// 5,000 − 30×100 + 1,000 − 300 = 2,700 left at 100 a day.
		if st.State != forecast.Estimated || !st.DailyBurn.Equal(decimal.NewFromInt(100)) || !st.Days.Equal(decimal.NewFromInt(27)) ||
			st.BasedOn != forecast.Window || st.Excluded != 0 || !st.Available.Equal(decimal.NewFromInt(2700)) {
			t.Fatalf("steady: %+v", st)
		}
		if rs["idle"].State != forecast.NoConsumption || rs["young"].State != forecast.NotEnoughHistory || rs["young"].BasedOn != 1 ||
			rs["unknown"].State != forecast.NotEnoughHistory {
			t.Fatalf("idle %+v, young %+v, unknown %+v", rs["idle"], rs["young"], rs["unknown"])
		}
		one, err := f.Runway(ctx, "steady")
		if err != nil || !one.Days.Equal(st.Days) {
			t.Fatalf("one runway: %+v, %v", one, err)
		}

		n, err := f.Refresh(ctx, runwayMaster, "")
		if err != nil || n != 3 {
			t.Fatalf("refresh: %d, %v", n, err)
		}
		sa, err := db.SubAccountByID(ctx, "steady")
		if err != nil {
			t.Fatal(err)
		}
		if sa.Runway.State != store.RunwayEstimated || !sa.Runway.Days.Equal(decimal.NewFromInt(27)) || !sa.Runway.Burn.Equal(decimal.NewFromInt(100)) ||
			sa.Runway.BasedOn != forecast.Window || sa.Runway.At == nil || !sa.Runway.At.Equal(runwayNow) {
			t.Fatalf("stored runway: %+v", sa.Runway)
		}
		if got := RunwayOf(*sa); !got.Needed(30).Equal(decimal.NewFromInt(300)) || !got.Below(28) || got.Below(27) {
			t.Fatalf("runway of the row: %+v, needed %v", got, got.Needed(30))
		}
		page, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Sort: store.SortRunway, RunwayBelow: 30})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != "steady" {
			t.Fatalf("running out within 30 days: %+v, %v", page.Items, err)
		}
		page, err = db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Sort: store.SortRunway})
		if err != nil || len(page.Items) != 3 || page.Items[0].ID != "steady" || page.Items[1].ID != "idle" || page.Items[2].ID != "young" {
			t.Fatalf("by days left: %+v, %v", page.Items, err)
		}
	})
}

func ptr(s string) *string { return &s }
