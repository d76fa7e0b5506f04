package bss_test

import (
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	bssv2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/bss"
)

// Details where the sandbox once differed from SDK v0.1.207's models and the API
// reference, each checked as the upstream documents it.

// officialSDK is the SDK itself (not Purser's client) over the harness's sandbox: it can
// send what the client never does (no trans_id, an empty filter, a debit page).
func officialSDK(t *testing.T, h *harness) *bssv2.BssClient {
	t.Helper()
	cred, err := global.NewCredentialsBuilder().WithAk(h.opts.AK).WithSk(h.opts.SK).WithDomainId(h.opts.DomainID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return bssv2.NewBssClient(bssv2.BssClientBuilder().WithEndpoints([]string{h.url}).WithCredential(cred).Build())
}

func ptrTo[T any](v T) *T { return &v }

func TestTransIDIsOptionalUpstream(t *testing.T) {
	h := newHarness(t, false)
	c := officialSDK(t, h)
	sub := string(h.activeSub(t, 0))
	// "如果接口调用方不传此参数的值，则系统自动生成": absent or empty, each call is its own movement.
	for _, id := range []*string{nil, ptrTo("")} {
		if _, err := c.UpdateSubEnterpriseAmount(&model.UpdateSubEnterpriseAmountRequest{Body: &model.TransferEnterpriseMultiAccountReq{
			CustomerId: sub, Amount: "1.00", TransId: id, BalanceType: ptrTo("BALANCE_TYPE_DEBIT")}}); err != nil {
			t.Fatalf("transfer without trans_id (%v): %v", id, err)
		}
	}
	if _, err := c.ReclaimSubEnterpriseAmount(&model.ReclaimSubEnterpriseAmountRequest{Body: &model.RetrieveEnterpriseMultiAccountReq{
		CustomerId: sub, Amount: "1.00"}}); err != nil {
		t.Fatalf("recovery without trans_id: %v", err)
	}
	coupons, err := c.ListMultiAccountTransferCoupons(&model.ListMultiAccountTransferCouponsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	claim, err := c.ClaimEnterpriseMultiAccountCoupon(&model.ClaimEnterpriseMultiAccountCouponRequest{Body: &model.TransferEnterpriseMultiAccountCouponReq{
		CustomerId: sub, CouponId: *(*coupons.AvailTransferCoupons)[0].CouponId, Amount: "1"}})
	if err != nil {
		t.Fatalf("coupon allocation without trans_id: %v", err)
	}
	if _, err := c.ReclaimEnterpriseMultiAccountCoupon(&model.ReclaimEnterpriseMultiAccountCouponRequest{Body: &model.RetrieveEnterpriseMultiAccountCouponReq{
		CustomerId: sub, CouponId: *(*coupons.AvailTransferCoupons)[0].CouponId, SubCouponId: *claim.SubCouponId}}); err != nil {
		t.Fatalf("coupon recovery without trans_id: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range h.sb.Ledger() {
		if len(e.TransID) != 32 || seen[e.TransID] {
			t.Errorf("generated trans_id %q (seen before: %v)", e.TransID, seen[e.TransID])
		}
		seen[e.TransID] = true
	}
	if len(seen) != 5 {
		t.Fatalf("ledger has %d movements, want 5", len(seen))
	}

	// The legacy operations still require transId.
	legacy := newHarness(t, false, withGeneration(bss.GenerationLegacy))
	err = legacy.client.Transfer(ctx(t), bss.Movement{SubAccountID: legacy.activeSub(t, 0), Amount: amount(t, "1.00"), BalanceType: bss.BalanceDebit})
	wantKind(t, err, bss.ErrInvalidRequest)
}

func TestDebitRowsAsDocumented(t *testing.T) {
	h := newHarness(t, false)
	c := officialSDK(t, h)
	sub := string(h.activeSub(t, 0))
	// offset and limit are "只有信用账户有效": a debit page past the first row still
	// answers the one debit row, without the credit-only fields.
	rec, err := c.ListEnterpriseMultiAccount(&model.ListEnterpriseMultiAccountRequest{SubCustomerId: sub, BalanceType: "BALANCE_TYPE_DEBIT",
		Offset: ptrTo(int32(3)), Limit: ptrTo(int32(1))})
	if err != nil || rec.AmountInfos == nil || len(*rec.AmountInfos) != 1 {
		t.Fatalf("debit recoverable amount at offset 3: %+v %v", rec, err)
	}
	if row := (*rec.AmountInfos)[0]; row.AvailRetrieveAmount == nil || row.Amount != nil || row.CreditAmount != nil || row.ExpireTime != nil {
		t.Fatalf("debit row %s, want avail_retrieve_amount only", row)
	}
	tr, err := c.ShowMultiAccountTransferAmount(&model.ShowMultiAccountTransferAmountRequest{BalanceType: "BALANCE_TYPE_DEBIT", Offset: ptrTo(int32(1))})
	if err != nil || tr.AmountInfos == nil || len(*tr.AmountInfos) != 1 || (*tr.AmountInfos)[0].Amount != nil || (*tr.AmountInfos)[0].CreditAmount != nil {
		t.Fatalf("debit transferable amount at offset 1: %+v %v", tr, err)
	}
	// Credit rows do page, and carry their credit amount (the master has two ledgers).
	second, err := c.ShowMultiAccountTransferAmount(&model.ShowMultiAccountTransferAmountRequest{BalanceType: "BALANCE_TYPE_CREDIT",
		Offset: ptrTo(int32(1)), Limit: ptrTo(int32(1))})
	if err != nil || second.AmountInfos == nil || len(*second.AmountInfos) != 1 || *second.TotalCount != 2 ||
		(*second.AmountInfos)[0].CreditAmount == nil || (*second.AmountInfos)[0].ExpireTime == nil {
		t.Fatalf("second credit row: %+v %v", second, err)
	}
	// The client reads the debit figure from such a row.
	if got := h.subDebit(t, bss.SubAccountID(sub)); got.StringFixed(2) != h.sb.State(sub).SubAccounts[0].Debit {
		t.Fatalf("client debit = %s, sandbox %s", got, h.sb.State(sub).SubAccounts[0].Debit)
	}
}

func TestEmptyStringFilterIsAFilter(t *testing.T) {
	h := newHarness(t, false)
	c := officialSDK(t, h)
	all := len(h.sb.State("").SubAccounts)
	count := func(name *string, fuzzy *int32) int {
		t.Helper()
		resp, err := c.ListEnterpriseSubCustomers(&model.ListEnterpriseSubCustomersRequest{SubCustomerAccountName: name, FuzzyQuery: fuzzy})
		if err != nil {
			t.Fatal(err)
		}
		return int(*resp.TotalCount)
	}
	// "此参数不携带或携带值为空时，不作为筛选条件；携带值为空串时，作为筛选条件"
	if n := count(nil, nil); n != all {
		t.Fatalf("no name filter: %d of %d", n, all)
	}
	if n := count(ptrTo(""), nil); n != 0 {
		t.Fatalf("exact name \"\": %d sub-accounts, want none", n)
	}
	if n := count(ptrTo(""), ptrTo(int32(1))); n != all {
		t.Fatalf("fuzzy name \"\" (a substring of every name): %d of %d", n, all)
	}
	ut, err := c.ListUsageTypes(&model.ListUsageTypesRequest{ResourceTypeCode: ptrTo("")})
	if err != nil || *ut.TotalCount != 0 {
		t.Fatalf("usage types of resource type \"\": %+v %v", ut.TotalCount, err)
	}
	// Purser's client never sends an empty filter: no name means every sub-account.
	page, err := h.client.ListSubAccounts(ctx(t), bss.SubAccountQuery{AccountName: "", Page: bss.Page{Limit: 100}})
	if err != nil || page.Total != all {
		t.Fatalf("client without a name: %d of %d (%v)", page.Total, all, err)
	}
	uts, _, err := h.client.UsageTypes(ctx(t), "", bss.CatalogQuery{Page: bss.Page{Limit: 100}})
	if err != nil || len(uts) == 0 {
		t.Fatalf("client usage types without a resource type: %d (%v)", len(uts), err)
	}
}

func TestLegacyCreditRecoveryMayExceedTheBalance(t *testing.T) {
	// The old recovery "可以回收所有额度；如果回收金额大于子账户信用余额的时候，可能会导致
	// 子账户欠费"; the v2 one "回收金额不能大于子账户信用余额，否则会回收失败".
	pick := func(h *harness) (bss.SubAccountID, decimal.Decimal, decimal.Decimal) {
		t.Helper()
		for _, s := range h.sb.State("").SubAccounts {
			if s.Status != 1 || len(s.Credit) != 1 || s.Credit[0].ExpireTime != "" {
				continue
			}
			avail, granted := decimal.RequireFromString(s.Credit[0].Available), decimal.RequireFromString(s.Credit[0].CreditAmount)
			if avail.LessThan(granted) {
				return bss.SubAccountID(s.ID), avail, granted
			}
		}
		t.Fatal("no active sub-account with part of its credit spent")
		return "", decimal.Zero, decimal.Zero
	}
	reclaim := func(h *harness, sub bss.SubAccountID, amt decimal.Decimal) error {
		return h.client.Recover(ctx(t), bss.Movement{SubAccountID: sub, Amount: rawAmount(amt.StringFixed(2)), TransID: bss.NewTransID(), BalanceType: bss.BalanceCredit})
	}

	v2 := newHarness(t, false)
	sub, avail, _ := pick(v2)
	wantKind(t, reclaim(v2, sub, avail.Add(decimal.NewFromInt(1))), bss.ErrInsufficientBalance)

	legacy := newHarness(t, false, withGeneration(bss.GenerationLegacy))
	sub, avail, granted := pick(legacy)
	masterBefore := decimal.RequireFromString(legacy.sb.State("").Master.Credit[0].Available)
	if err := reclaim(legacy, sub, granted.Add(decimal.NewFromInt(1))); err == nil {
		t.Fatal("a legacy recovery of more than the credit granted was applied")
	}
	if err := reclaim(legacy, sub, granted); err != nil {
		t.Fatalf("legacy recovery of all the credit granted (%s, balance %s): %v", granted, avail, err)
	}
	st := legacy.sb.State(string(sub))
	if got, want := st.SubAccounts[0].Credit[0].Available, avail.Sub(granted).StringFixed(2); got != want {
		t.Fatalf("credit balance after the recovery = %s, want %s (in arrears)", got, want)
	}
	if got := decimal.RequireFromString(legacy.sb.State("").Master.Credit[0].Available); !got.Equal(masterBefore.Add(granted)) {
		t.Fatalf("master credit = %s, want %s", got, masterBefore.Add(granted))
	}
	// In arrears, nothing is recoverable.
	p, err := legacy.client.RecoverableAmounts(ctx(t), sub, bss.BalanceCredit, bss.Page{})
	if err != nil || len(p.Items) != 1 || !p.Items[0].Available.Decimal().IsZero() {
		t.Fatalf("recoverable credit in arrears: %+v %v", p, err)
	}
}

func TestLegacyPageAtAnyOffset(t *testing.T) {
	v2 := newHarness(t, true)
	legacy := newHarness(t, true, withGeneration(bss.GenerationLegacy))
	for _, p := range []bss.Page{{Offset: 0, Limit: 5}, {Offset: 7, Limit: 5}, {Offset: 30, Limit: 20}, {Offset: 13, Limit: 10}} {
		want := must[bss.SubAccountPage](t)(v2.client.ListSubAccounts(ctx(t), bss.SubAccountQuery{Page: p}))
		got := must[bss.SubAccountPage](t)(legacy.client.ListSubAccounts(ctx(t), bss.SubAccountQuery{Page: p}))
		if len(got.Items) == 0 && len(want.Items) > 0 {
			t.Fatalf("legacy page at %+v is empty", p)
		}
		// The legacy page may be shorter (its size must divide the offset), never shifted.
		for i, s := range got.Items {
			if i >= len(want.Items) || s.ID != want.Items[i].ID {
				t.Fatalf("legacy rows at %+v start at %s, v2's at %v", p, s.ID, want.Items[0].ID)
			}
		}
	}
}
