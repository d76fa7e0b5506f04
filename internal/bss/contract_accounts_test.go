package bss_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/money"
)

var generations = []string{bss.GenerationV2, bss.GenerationLegacy}

func TestContractSubAccounts(t *testing.T) {
	for _, gen := range generations {
		t.Run(gen, func(t *testing.T) {
			h := newHarness(t, true, withGeneration(gen))
			c := h.client
			all := must[bss.SubAccountPage](t)(c.ListSubAccounts(ctx(t), bss.SubAccountQuery{Page: bss.Page{Limit: 100}}))
			if h.sb == nil {
				return
			}
			if all.Total != 25 || len(all.Items) != 25 {
				t.Fatalf("want 25 sub-accounts, got total %d items %d", all.Total, len(all.Items))
			}
			statuses, zh, en := map[bss.SubAccountStatus]bool{}, false, false
			for _, s := range all.Items {
				statuses[s.Status] = true
				if s.ID == "" || s.Name == "" || s.OrgID == "" || s.OrgName == "" {
					t.Fatalf("incomplete sub-account %+v", s)
				}
				if strings.ContainsFunc(s.DisplayName, func(r rune) bool { return r > 0x4e00 }) {
					zh = true
				} else {
					en = true
				}
			}
			for _, st := range []bss.SubAccountStatus{1, 2, 3, 4, 101, 102} {
				if !statuses[st] {
					t.Errorf("no sub-account in status %d", st)
				}
			}
			if !zh || !en {
				t.Error("want Chinese and English display names")
			}
			// Row offsets map to legacy page numbers: the second page of 10 is rows 10–19.
			p2 := must[bss.SubAccountPage](t)(c.ListSubAccounts(ctx(t), bss.SubAccountQuery{Page: bss.Page{Offset: 10, Limit: 10}}))
			if len(p2.Items) != 10 || p2.Items[0].ID != all.Items[10].ID {
				t.Fatalf("second page: got %d items starting %v, want row 10 %v", len(p2.Items), p2.Items[0].ID, all.Items[10].ID)
			}
			// Exact and fuzzy filters, and the org filter.
			one := must[bss.SubAccountPage](t)(c.ListSubAccounts(ctx(t), bss.SubAccountQuery{AccountName: all.Items[3].Name}))
			if one.Total != 1 || one.Items[0].ID != all.Items[3].ID {
				t.Fatalf("exact name filter: %+v", one)
			}
			fuzzy := must[bss.SubAccountPage](t)(c.ListSubAccounts(ctx(t), bss.SubAccountQuery{AccountName: "SUB-0001", Fuzzy: true, Page: bss.Page{Limit: 100}}))
			if fuzzy.Total != 10 {
				t.Fatalf("fuzzy filter purser-sub-0001x: want 10, got %d", fuzzy.Total)
			}
			org := must[bss.SubAccountPage](t)(c.ListSubAccounts(ctx(t), bss.SubAccountQuery{OrgID: all.Items[0].OrgID, Page: bss.Page{Limit: 100}}))
			for _, s := range org.Items {
				if s.OrgID != all.Items[0].OrgID {
					t.Fatalf("org filter leaked %v", s)
				}
			}
			_, err := c.ListSubAccounts(ctx(t), bss.SubAccountQuery{Page: bss.Page{Limit: 101}})
			wantKind(t, err, bss.ErrInvalidRequest)
		})
	}
}

func TestContractOrganizations(t *testing.T) {
	h := newHarness(t, true)
	tree := must[bss.OrgTree](t)(h.client.ListOrganizations(ctx(t), bss.OrgQuery{Recursive: true}))
	if h.sb == nil {
		return
	}
	var count, depth int
	var walk func([]bss.OrgNode, int)
	walk = func(ns []bss.OrgNode, d int) {
		for _, n := range ns {
			count++
			depth = max(depth, d)
			if n.ID == "" || n.Name == "" || n.RelationID == "" {
				t.Fatalf("incomplete node %+v", n)
			}
			walk(n.Children, d+1)
		}
	}
	walk(tree.Children, 1)
	if tree.RootID == "" || count < 3 || depth < 3 {
		t.Fatalf("want a tree with ≥3 units and ≥3 levels, got %d units, depth %d", count, depth)
	}
	flat := must[bss.OrgTree](t)(h.client.ListOrganizations(ctx(t), bss.OrgQuery{}))
	for _, n := range flat.Children {
		if len(n.Children) != 0 {
			t.Fatal("non-recursive query returned grandchildren")
		}
	}
	sub := must[bss.OrgTree](t)(h.client.ListOrganizations(ctx(t), bss.OrgQuery{ParentID: tree.Children[0].ID, Recursive: true}))
	if len(sub.Children) != len(tree.Children[0].Children) {
		t.Fatalf("parent_id: want %d children, got %d", len(tree.Children[0].Children), len(sub.Children))
	}
}

func TestContractDebitMovements(t *testing.T) {
	for _, gen := range generations {
		t.Run(gen, func(t *testing.T) {
			h := newHarness(t, false, withGeneration(gen))
			c := h.client
			sub := h.activeSub(t, 0)
			master0, sub0 := h.masterDebit(t), h.subDebit(t, sub)

			tid := bss.NewTransID()
			if err := c.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "100.25"), TransID: tid, BalanceType: bss.BalanceDebit}); err != nil {
				t.Fatal(err)
			}
			if got := h.masterDebit(t); !got.Equal(master0.Sub(dec("100.25"))) {
				t.Fatalf("master debit %s, want %s", got, master0.Sub(dec("100.25")))
			}
			if got := h.subDebit(t, sub); !got.Equal(sub0.Add(dec("100.25"))) {
				t.Fatalf("sub debit %s, want %s", got, sub0.Add(dec("100.25")))
			}
			// The same trans_id again: refused, and no second movement.
			err := c.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "100.25"), TransID: tid, BalanceType: bss.BalanceDebit})
			wantKind(t, err, bss.ErrDuplicateTransID)
			if got := h.masterDebit(t); !got.Equal(master0.Sub(dec("100.25"))) {
				t.Fatal("duplicate trans_id moved money again")
			}
			if n := len(h.sb.Ledger()); n != 1 {
				t.Fatalf("ledger has %d entries, want 1", n)
			}

			// Recover part of it back.
			if err := c.Recover(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "0.25"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit}); err != nil {
				t.Fatal(err)
			}
			if got := h.subDebit(t, sub); !got.Equal(sub0.Add(dec("100"))) {
				t.Fatalf("after recovery sub debit %s", got)
			}
			// Recovery above the recoverable amount is refused.
			over := money.New(h.subDebit(t, sub).Add(dec("0.01")), "CNY")
			err = c.Recover(ctx(t), bss.Movement{SubAccountID: sub, Amount: over, TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit})
			wantKind(t, err, bss.ErrInsufficientBalance)
			// Transfer above the master's balance is refused.
			err = c.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: money.New(h.masterDebit(t).Add(dec("1")), "CNY"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit})
			e := wantKind(t, err, bss.ErrInsufficientBalance)
			if e.Code != "CBC.99005003" || e.RequestID == "" || e.HTTPStatus == 0 {
				t.Fatalf("error lacks code, status or request id: %+v", e)
			}
			if gen == bss.GenerationLegacy && e.HTTPStatus != 500 {
				t.Fatalf("legacy business refusals come as HTTP 500, got %d", e.HTTPStatus)
			}

			for name, tc := range map[string]struct {
				m    bss.Movement
				kind error
			}{
				"three decimals":  {bss.Movement{SubAccountID: sub, Amount: rawAmount("1.005"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit}, bss.ErrInvalidRequest},
				"zero":            {bss.Movement{SubAccountID: sub, Amount: rawAmount("0"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit}, bss.ErrInvalidRequest},
				"negative":        {bss.Movement{SubAccountID: sub, Amount: rawAmount("-5"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit}, bss.ErrInvalidRequest},
				"unknown account": {bss.Movement{SubAccountID: "nope", Amount: amount(t, "1"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit}, bss.ErrAccountNotFound},
			} {
				t.Run(name, func(t *testing.T) {
					wantKind(t, c.Transfer(ctx(t), tc.m), tc.kind)
				})
			}
			if gen == bss.GenerationV2 {
				long := bss.NewTransID() + "x"
				wantKind(t, c.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "1"), TransID: long, BalanceType: bss.BalanceDebit}), bss.ErrInvalidRequest)
			}
			// A closed sub-account cannot receive money.
			closed := h.activeSub(t, 1)
			h.sb.SetSubAccountStatus(string(closed), 4)
			wantKind(t, c.Transfer(ctx(t), bss.Movement{SubAccountID: closed, Amount: amount(t, "1"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit}), bss.ErrAccountFrozen)
			if n := len(h.sb.Ledger()); n != 2 {
				t.Fatalf("refusals must not move money: ledger has %d entries, want 2", n)
			}
		})
	}
}

func TestContractCreditMovements(t *testing.T) {
	for _, gen := range generations {
		t.Run(gen, func(t *testing.T) {
			h := newHarness(t, false, withGeneration(gen))
			c := h.client
			sub := h.activeSub(t, 2)
			lines := must[bss.AmountPage](t)(c.TransferableAmounts(ctx(t), bss.BalanceCredit, bss.Page{}))
			if lines.Total != 2 {
				t.Fatalf("want 2 master credit lines, got %d", lines.Total)
			}
			var expiring bss.AmountInfo
			for _, l := range lines.Items {
				if !l.ExpireTime.IsZero() {
					expiring = l
				}
			}
			if expiring.ExpireTime.IsZero() || !expiring.CreditAmount.IsPositive() {
				t.Fatalf("want an expiring credit line with a credit amount: %+v", lines.Items)
			}
			// expire_time is required exactly when the line expires: without it, the
			// never-expiring line is meant; with a time no line has, it is refused.
			if err := c.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "10"), TransID: bss.NewTransID(), BalanceType: bss.BalanceCredit}); err != nil {
				t.Fatal(err)
			}
			wantKind(t, c.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "10"), TransID: bss.NewTransID(), BalanceType: bss.BalanceCredit,
				ExpireTime: expiring.ExpireTime.AddDate(0, 0, 1)}), bss.ErrInvalidRequest)
			if err := c.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "30"), TransID: bss.NewTransID(), BalanceType: bss.BalanceCredit,
				ExpireTime: expiring.ExpireTime}); err != nil {
				t.Fatal(err)
			}
			rec := must[bss.AmountPage](t)(c.RecoverableAmounts(ctx(t), sub, bss.BalanceCredit, bss.Page{}))
			found := false
			for _, r := range rec.Items {
				if r.ExpireTime.Equal(expiring.ExpireTime) {
					found = r.Available.Decimal().Equal(dec("30"))
				}
			}
			if !found {
				t.Fatalf("sub-account's credit line with the expiry holds 30: %+v", rec.Items)
			}
			wantKind(t, c.Recover(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "30.01"), TransID: bss.NewTransID(), BalanceType: bss.BalanceCredit,
				ExpireTime: expiring.ExpireTime}), bss.ErrInsufficientBalance)
			if err := c.Recover(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "30"), TransID: bss.NewTransID(), BalanceType: bss.BalanceCredit,
				ExpireTime: expiring.ExpireTime}); err != nil {
				t.Fatal(err)
			}
			after := must[bss.AmountPage](t)(c.TransferableAmounts(ctx(t), bss.BalanceCredit, bss.Page{}))
			for _, l := range after.Items {
				if l.ExpireTime.Equal(expiring.ExpireTime) && !l.Available.Decimal().Equal(expiring.Available.Decimal()) {
					t.Fatalf("master's expiring line not restored: %s, want %s", l.Available, expiring.Available)
				}
			}
		})
	}
}

func TestContractCoupons(t *testing.T) {
	h := newHarness(t, false)
	c := h.client
	coupons := must[bss.CouponPage](t)(c.TransferableCoupons(ctx(t), bss.Page{Limit: 5}))
	if coupons.Total < 5 || len(coupons.Items) != 5 || len(coupons.Items[0].UseLimits) == 0 || coupons.Items[0].Expire.IsZero() {
		t.Fatalf("transferable coupons: %+v", coupons)
	}
	cp := coupons.Items[0]
	sub := h.activeSub(t, 0)
	tid := bss.NewTransID()
	subCoupon, err := c.AllocateCoupon(ctx(t), bss.CouponAllocation{SubAccountID: sub, CouponID: cp.ID, Amount: amount(t, "12.34"), TransID: tid})
	if err != nil || subCoupon == "" {
		t.Fatalf("allocate: %q %v", subCoupon, err)
	}
	_, err = c.AllocateCoupon(ctx(t), bss.CouponAllocation{SubAccountID: sub, CouponID: cp.ID, Amount: amount(t, "12.34"), TransID: tid})
	wantKind(t, err, bss.ErrDuplicateTransID)
	held := must[bss.CouponPage](t)(c.RecoverableCoupons(ctx(t), sub, bss.Page{Limit: 100}))
	var got *bss.Coupon
	for i := range held.Items {
		if held.Items[i].SubCouponID == subCoupon {
			got = &held.Items[i]
		}
	}
	if got == nil || got.ID != cp.ID || !got.Balance.Decimal().Equal(dec("12.34")) {
		t.Fatalf("sub-coupon not listed with its balance: %+v", held.Items)
	}
	_, err = c.AllocateCoupon(ctx(t), bss.CouponAllocation{SubAccountID: sub, CouponID: cp.ID, Amount: money.New(cp.Balance.Decimal(), "CNY"), TransID: bss.NewTransID()})
	wantKind(t, err, bss.ErrInsufficientBalance)
	back, err := c.RecoverCoupon(ctx(t), bss.CouponRecovery{SubAccountID: sub, CouponID: cp.ID, SubCouponID: subCoupon, TransID: bss.NewTransID()})
	if err != nil || !back.Decimal().Equal(dec("12.34")) {
		t.Fatalf("recover coupon: %s %v", back, err)
	}
	after := must[bss.CouponPage](t)(c.TransferableCoupons(ctx(t), bss.Page{Limit: 5}))
	if !after.Items[0].Balance.Decimal().Equal(cp.Balance.Decimal()) {
		t.Fatalf("coupon balance not restored: %s, want %s", after.Items[0].Balance, cp.Balance)
	}
	if n := len(h.sb.Ledger()); n != 2 {
		t.Fatalf("ledger: want allocation and recovery, got %d entries", n)
	}
}

func TestContractCouponOtherEntity(t *testing.T) {
	h := newHarness(t, false)
	// Account 23 (index 22) belongs to another legal entity in the generated data.
	all := must[bss.SubAccountPage](t)(h.client.ListSubAccounts(ctx(t), bss.SubAccountQuery{AccountName: "purser-sub-00023"}))
	cp := must[bss.CouponPage](t)(h.client.TransferableCoupons(ctx(t), bss.Page{Limit: 1})).Items[0]
	h.sb.SetSubAccountStatus(string(all.Items[0].ID), 1)
	_, err := h.client.AllocateCoupon(ctx(t), bss.CouponAllocation{SubAccountID: all.Items[0].ID, CouponID: cp.ID, Amount: amount(t, "1"), TransID: bss.NewTransID()})
	wantKind(t, err, bss.ErrNoRelation)
}

// One money movement at a time per master: a second one while the first runs is refused
// with CBC.99007461; the client retries it later and it then succeeds.
func TestContractMovementInProgress(t *testing.T) {
	h := newHarness(t, false, withClient(func(c *bss.Config) { c.MaxAttempts = 1 }))
	h.sb.SetFaults(sandbox.Faults{MovementMS: 300})
	sub := h.activeSub(t, 0)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			errs[i] = h.client.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "1"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit})
		})
	}
	wg.Wait()
	inProgress := 0
	for _, err := range errs {
		if err != nil {
			wantKind(t, err, bss.ErrMovementInProgress)
			inProgress++
		}
	}
	if inProgress != 1 {
		t.Fatalf("want exactly one CBC.99007461, got %v", errs)
	}

	retrying := newHarness(t, false, withClient(func(c *bss.Config) { c.MaxAttempts = 10 }))
	retrying.sb.SetFaults(sandbox.Faults{MovementMS: 30})
	for i := range 2 {
		wg.Go(func() {
			errs[i] = retrying.client.Transfer(ctx(t), bss.Movement{SubAccountID: sub, Amount: amount(t, "1"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit})
		})
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || len(retrying.sb.Ledger()) != 2 {
		t.Fatalf("with retries both movements succeed one after the other: %v", errs)
	}
}
