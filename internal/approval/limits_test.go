package approval_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// 2026-03-31 23:30 in Beijing: half an hour before both a new day and a new month there,
// while it is still the afternoon of the 31st in UTC.
var limitsAt = time.Date(2026, 3, 31, 15, 30, 0, 0, time.UTC)

func amt(s string) *money.Amount { a := yuan(s); return &a }

func (c *ctl) setDefaults(d approval.LimitDefaults) {
	c.t.Helper()
	for _, m := range []*approval.LimitMode{&d.DailyMode, &d.MonthlyMode, &d.SubAccountMode} {
		if *m == "" {
			*m = approval.LimitRefuse
		}
	}
	if err := c.svc.SetLimitDefaults(context.Background(), c.as("adam"), goodCode, d); err != nil {
		c.t.Fatal(err)
	}
}

// refusedWith asserts a limit's refusal on the amount, with its figures.
func refusedWith(t *testing.T, err error, msg string, want map[string]any) {
	t.Helper()
	var ve *approval.ValidationError
	if !errors.As(err, &ve) || ve.Fields["amount"] != msg {
		t.Fatalf("refusal %v, want %s on the amount", err, msg)
	}
	for k, v := range want {
		if ve.Params["amount"][k] != v {
			t.Errorf("%s: %s = %v, want %v (%v)", msg, k, ve.Params["amount"][k], v, ve.Params["amount"])
		}
	}
}

var limitCast = map[string][]string{"fay": {"finance"}, "fred": {"finance"}, "fern": {"finance"}, "adam": {"admin"}}

// Twenty drafts at once against a daily limit of 1,000.00, each of 100.00 and each on a
// figure of its own (recoveries from twenty sub-accounts, so that no funds lock queues
// them): exactly ten get in, whatever the interleaving, and the others are refused with
// the figures; the same for transfers into one capped sub-account by two requesters.
func TestLimitsHoldUnderConcurrentDrafts(t *testing.T) {
	db := storetest.Postgres(t)
	c := newCtl(t, db, limitsAt, 20, limitCast)
	c.setDefaults(approval.LimitDefaults{Daily: amt("1000.00")})
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.draft("fay", approval.KindRetrieveFunds, c.subs[i], "100.00")
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var ve *approval.ValidationError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &ve) && ve.Fields["amount"] == "op.err.limit_daily":
			if p := ve.Params["amount"]; p["limit"] != "1,000.00 CNY" || p["amount"] != "100.00 CNY" {
				t.Errorf("refusal figures %v", ve.Params)
			}
		default:
			t.Errorf("draft: %v", err)
		}
	}
	if ok != 10 {
		t.Fatalf("%d drafts got in under a limit with room for 10", ok)
	}

	// A cap on transfers into s-00, drafted by two requesters at once.
	if err := c.svc.SetInflowCap(context.Background(), c.as("adam"), goodCode, "s-00", amt("500.00")); err != nil {
		t.Fatal(err)
	}
	errs = make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.draft([]string{"fred", "fern"}[i%2], approval.KindTransferFunds, "s-00", "50.00")
		}()
	}
	wg.Wait()
	ok = 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if ve := (*approval.ValidationError)(nil); !errors.As(err, &ve) || ve.Fields["amount"] != "op.err.limit_sub_account" {
			t.Errorf("transfer: %v", err)
		}
	}
	if ok != 10 {
		t.Fatalf("%d transfers into s-00 got in under a cap with room for 10", ok)
	}
}

// Days and months are Beijing's: at 23:59 there the day's drafts still count, a minute
// later (still the 31st in UTC) a new day and a new month begin. Refused, cancelled,
// expired and failed drafts free their share; reaching the limit exactly is allowed.
func TestLimitPeriodsAreBeijingDaysAndMonths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCtl(t, db, limitsAt, 3, limitCast)
		c.setDefaults(approval.LimitDefaults{Daily: amt("1000.00"), Monthly: amt("1500.00")})
		// Earlier in March (Beijing): counts for the month only.
		c.clock.Set(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "300.00")
		// The last Beijing day of March, 23:30.
		c.clock.Set(limitsAt)
		c.mustDraft("fay", approval.KindRetrieveFunds, c.subs[0], "600.00")
		cancelled := c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "400.00")
		_, err := c.draft("fay", approval.KindTransferFunds, c.subs[1], "100.00")
		refusedWith(t, err, "op.err.limit_daily", map[string]any{"drafted": "1,000.00 CNY", "amount": "100.00 CNY", "limit": "1,000.00 CNY"})
		if _, err := c.svc.Cancel(ctx, c.as("fay"), cancelled.ID); err != nil {
			t.Fatal(err)
		}
		// Cancelled: its 400.00 is free again; 600 + 400 reaches the daily limit exactly,
		// and the month's 300 + 600 + 400 = 1,300.00 is under 1,500.00.
		c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "400.00")
		c.clock.Set(time.Date(2026, 3, 31, 15, 59, 59, 0, time.UTC)) // 23:59:59 in Beijing
		_, err = c.draft("fay", approval.KindTransferFunds, c.subs[1], "0.01")
		refusedWith(t, err, "op.err.limit_daily", map[string]any{"drafted": "1,000.00 CNY"})
		// 00:00 on 1 April in Beijing, 16:00 on 31 March in UTC: a new day and month.
		c.clock.Set(time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC))
		c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "1000.00")
		_, err = c.draft("fay", approval.KindTransferFunds, c.subs[1], "0.01")
		refusedWith(t, err, "op.err.limit_daily", map[string]any{"drafted": "1,000.00 CNY", "amount": "0.01 CNY"})
		// The next Beijing day of April: the month holds 1,000.00 of 1,500.00.
		c.clock.Set(time.Date(2026, 4, 1, 16, 0, 0, 0, time.UTC))
		_, err = c.draft("fay", approval.KindTransferFunds, c.subs[1], "600.00")
		refusedWith(t, err, "op.err.limit_monthly", map[string]any{"drafted": "1,000.00 CNY", "amount": "600.00 CNY", "limit": "1,500.00 CNY"})
		// Another requester's drafts are not fay's.
		c.mustDraft("fred", approval.KindTransferFunds, c.subs[1], "900.00")
		// A requester's own limit replaces the default.
		if err := c.svc.SetUserLimit(ctx, c.as("adam"), goodCode, c.as("fay").UserID, nil, amt("5000.00")); err != nil {
			t.Fatal(err)
		}
		c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "600.00")
	})
}

// In the "extra approval" mode a draft over a limit goes through but needs one approval
// more than its policy, and says why (on the operation and in its creation's event).
func TestLimitExtraApprovalMode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCtl(t, db, limitsAt, 2, limitCast)
		c.setDefaults(approval.LimitDefaults{Daily: amt("1000.00"), DailyMode: approval.LimitExtraApproval})
		if err := c.svc.SetInflowCap(ctx, c.as("adam"), goodCode, c.subs[1], amt("1200.00")); err != nil {
			t.Fatal(err)
		}
		under := c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "1000.00")
		if under.RequiredApprovals != 1 || len(under.LimitNotes) != 0 {
			t.Fatalf("at the limit: %d approvals, notes %v; want 1, none", under.RequiredApprovals, under.LimitNotes)
		}
		over := c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "100.00")
		if over.RequiredApprovals != 2 || len(over.LimitNotes) != 1 {
			t.Fatalf("over the limit: %d approvals, notes %v; want 2 and the daily limit", over.RequiredApprovals, over.LimitNotes)
		}
		n := over.LimitNotes[0]
		if n.Limit != approval.LimitDaily || n.Drafted != "1000.00" || n.Amount != "100.00" || n.Cap != "1000.00" {
			t.Fatalf("note %+v", n)
		}
		evs := c.events(approval.ActionCreate)
		var d struct {
			Required int                    `json:"required_approvals"`
			Limits   []approval.LimitBreach `json:"limits"`
		}
		if err := json.Unmarshal(evs[len(evs)-1].Details, &d); err != nil || d.Required != 2 || len(d.Limits) != 1 {
			t.Fatalf("creation event %s: %v", evs[len(evs)-1].Details, err)
		}
		// The cap still refuses (its own mode): 1,100.00 in + 200.00 > 1,200.00.
		_, err := c.draft("fay", approval.KindTransferFunds, c.subs[1], "200.00")
		refusedWith(t, err, "op.err.limit_sub_account", map[string]any{"drafted": "1,100.00 CNY", "limit": "1,200.00 CNY"})
		// Without approval in the policy, an extra level is one approval.
		if err := c.svc.SetPolicy(ctx, c.as("adam"), approval.Policy{Kind: approval.KindRetrieveFunds, Expiry: time.Hour}); err != nil {
			t.Fatal(err)
		}
		rec := c.mustDraft("fay", approval.KindRetrieveFunds, c.subs[0], "10.00")
		if rec.RequiredApprovals != 1 || rec.State != approval.StatePending {
			t.Fatalf("over the limit without approval in the policy: %d approvals, %s", rec.RequiredApprovals, rec.State)
		}
	})
}

// A batch counts all its rows: against the requester's limits as one amount (refused as
// the whole file, line 0), against a sub-account's cap row after row (refused on the row
// that goes over); in the extra approval mode the batch and every row need one more.
func TestLimitsCountAllRowsOfABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCtl(t, db, limitsAt, 3, limitCast)
		c.setDefaults(approval.LimitDefaults{Daily: amt("1000.00")})
		c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "200.00")
		rows := []approval.BatchRow{{Line: 2, SubAccount: c.subs[0], Amount: "300.00"}, {Line: 3, SubAccount: c.subs[1], Amount: "300.00"},
			{Line: 4, SubAccount: c.subs[2], Amount: "300.00"}}
		_, err := c.svc.CreateBatch(ctx, c.as("fay"), approval.KindTransferFunds, "payroll", rows, "")
		var be *approval.BatchErrors
		if !errors.As(err, &be) || len(be.Rows) != 1 || be.Rows[0].Line != 0 || be.Rows[0].Message != "op.err.limit_daily" ||
			be.Rows[0].Params["drafted"] != "200.00 CNY" || be.Rows[0].Params["amount"] != "900.00 CNY" {
			t.Fatalf("batch over the daily limit: %v %+v", err, be)
		}
		c.setDefaults(approval.LimitDefaults{Daily: amt("1000.00"), DailyMode: approval.LimitExtraApproval})
		if err := c.svc.SetInflowCap(ctx, c.as("adam"), goodCode, c.subs[1], amt("700.00")); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, approval.BatchRow{Line: 5, SubAccount: c.subs[1], Amount: "300.00"})
		_, err = c.svc.CreateBatch(ctx, c.as("fay"), approval.KindTransferFunds, "payroll", rows, "")
		if !errors.As(err, &be) || len(be.Rows) != 1 || be.Rows[0].Line != 5 || be.Rows[0].Message != "op.err.limit_sub_account" ||
			be.Rows[0].Params["drafted"] != "500.00 CNY" {
			t.Fatalf("batch over the sub-account's cap on its line 5: %v %+v", err, be)
		}
		b, err := c.svc.CreateBatch(ctx, c.as("fay"), approval.KindTransferFunds, "payroll", rows[:3], "")
		if err != nil {
			t.Fatal(err)
		}
		if b.RequiredApprovals != 2 || len(b.LimitNotes) != 1 || b.LimitNotes[0].Amount != "900.00" {
			t.Fatalf("batch over the limit in extra mode: %d approvals, %+v", b.RequiredApprovals, b.LimitNotes)
		}
		ops, err := db.BatchOperations(ctx, b.ID)
		if err != nil || len(ops) != 3 {
			t.Fatal(ops, err)
		}
		for _, o := range ops {
			if o.RequiredApprovals != 2 || o.LimitNote == "" {
				t.Fatalf("row %d: %d approvals, note %q", o.BatchLine, o.RequiredApprovals, o.LimitNote)
			}
		}
	})
}

// Limits are an admin's, changed with a fresh code and audited with before and after.
func TestLimitChangesNeedAnAdminAndACode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCtl(t, db, limitsAt, 1, limitCast)
		d := approval.LimitDefaults{Daily: amt("10.00"), DailyMode: approval.LimitRefuse, MonthlyMode: approval.LimitRefuse,
			SubAccountMode: approval.LimitExtraApproval}
		if err := c.svc.SetLimitDefaults(ctx, c.as("fay"), goodCode, d); !errors.Is(err, approval.ErrForbidden) {
			t.Fatalf("finance sets limits: %v", err)
		}
		if err := c.svc.SetLimitDefaults(ctx, c.as("adam"), "000000", d); !errors.Is(err, approval.ErrStepUp) {
			t.Fatalf("wrong code: %v", err)
		}
		if n := len(c.events(approval.ActionLimit)); n != 0 {
			t.Fatalf("%d changes audited before any change", n)
		}
		if err := c.svc.SetLimitDefaults(ctx, c.as("adam"), goodCode, d); err != nil {
			t.Fatal(err)
		}
		evs := c.events(approval.ActionLimit)
		var det struct{ Before, After map[string]any }
		if len(evs) != 1 || json.Unmarshal(evs[0].Details, &det) != nil || det.Before["daily"] != "" || det.After["daily"] != "10.00" ||
			det.After["sub_account_mode"] != "extra_approval" {
			t.Fatalf("audit %+v", evs)
		}
		got, err := c.svc.Limits(ctx, c.as("adam"))
		if err != nil || got.Defaults.Daily == nil || got.Defaults.Daily.String() != "10.00" || got.Defaults.SubAccountMode != approval.LimitExtraApproval {
			t.Fatalf("limits %+v %v", got, err)
		}
		bad := d
		bad.Monthly = amt("0.00")
		var ve *approval.ValidationError
		if err := c.svc.SetLimitDefaults(ctx, c.as("adam"), goodCode, bad); !errors.As(err, &ve) || ve.Fields["monthly"] == "" {
			t.Fatalf("a zero limit: %v", err)
		}
		if err := c.svc.SetInflowCap(ctx, c.as("adam"), goodCode, "nope", amt("1.00")); !errors.As(err, &ve) || ve.Fields["sub_account_id"] == "" {
			t.Fatalf("a cap on no sub-account: %v", err)
		}
	})
}
