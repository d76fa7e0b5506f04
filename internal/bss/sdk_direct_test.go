package bss_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	bssv2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/purser-finance/purser/internal/bss/sandbox"
)

// The official SDK, used directly against the sandbox, decodes every answer with the
// documented fields set: this is what keeps the sandbox's JSON honest.

// allSet fails when a pointer or slice field of v (recursively, first element of slices)
// is nil, except the named optional ones.
func allSet(t *testing.T, what string, v any, optional ...string) {
	t.Helper()
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		switch rv.Kind() {
		case reflect.Pointer:
			if rv.IsNil() {
				t.Errorf("%s: %s is not set", what, path)
				return
			}
			walk(path, rv.Elem())
		case reflect.Slice:
			if rv.Len() == 0 {
				t.Errorf("%s: %s is empty", what, path)
				return
			}
			walk(path+"[0]", rv.Index(0))
		case reflect.Struct:
			if rv.Type().PkgPath() != reflect.TypeOf(model.SubCustomerInfoV2{}).PkgPath() {
				return // decimal.Decimal and the like
			}
			for i := range rv.NumField() {
				f := rv.Type().Field(i)
				if f.Name == "HttpStatusCode" || slices.Contains(optional, f.Name) || !f.IsExported() {
					continue
				}
				walk(path+"."+f.Name, rv.Field(i))
			}
		}
	}
	walk("", reflect.ValueOf(v))
}

func TestOfficialSDKDecodesSandbox(t *testing.T) {
	opts := sandbox.DefaultOptions()
	run, err := sandbox.Start(t.Context(), "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	cred, err := global.NewCredentialsBuilder().WithAk(opts.AK).WithSk(opts.SK).WithDomainId(opts.DomainID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	c := bssv2.NewBssClient(bssv2.BssClientBuilder().WithEndpoints([]string{run.URL()}).WithCredential(cred).Build())
	i32 := func(n int32) *int32 { return &n }
	s := func(v string) *string { return &v }
	check := func(name string, resp any, err error, optional ...string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		allSet(t, name, resp, optional...)
	}

	subs, err := c.ListEnterpriseSubCustomers(&model.ListEnterpriseSubCustomersRequest{Limit: i32(100)})
	check("ListEnterpriseSubCustomers", subs, err)
	sub := *(*subs.SubCustomerInfos)[0].Id
	orgs, err := c.ListEnterpriseOrganizations(&model.ListEnterpriseOrganizationsRequest{RecursiveQuery: i32(1)})
	check("ListEnterpriseOrganizations", orgs, err, "ChildNodes") // leaves have none
	if orgs.ChildNodes == nil || len(*orgs.ChildNodes) == 0 || (*orgs.ChildNodes)[0].Id == nil {
		t.Fatal("ListEnterpriseOrganizations: child_nodes not decoded")
	}
	// Debit rows carry no credit-only fields (amount, credit_amount, expire_time):
	// TestDebitRowsAsDocumented checks they are absent.
	debit, err := c.ShowMultiAccountTransferAmount(&model.ShowMultiAccountTransferAmountRequest{BalanceType: "BALANCE_TYPE_DEBIT"})
	check("ShowMultiAccountTransferAmount debit", debit, err, "ExpireTime", "Amount", "CreditAmount")
	credit, err := c.ShowMultiAccountTransferAmount(&model.ShowMultiAccountTransferAmountRequest{BalanceType: "BALANCE_TYPE_CREDIT"})
	check("ShowMultiAccountTransferAmount credit", credit, err, "ExpireTime")
	rec, err := c.ListEnterpriseMultiAccount(&model.ListEnterpriseMultiAccountRequest{SubCustomerId: sub, BalanceType: "BALANCE_TYPE_DEBIT"})
	check("ListEnterpriseMultiAccount", rec, err, "ExpireTime", "Amount", "CreditAmount")
	_, err = c.UpdateSubEnterpriseAmount(&model.UpdateSubEnterpriseAmountRequest{Body: &model.TransferEnterpriseMultiAccountReq{CustomerId: sub, Amount: "1.00", TransId: s("0123456789abcdef0123456789abcdef"), BalanceType: s("BALANCE_TYPE_DEBIT")}})
	check("UpdateSubEnterpriseAmount", struct{}{}, err)
	_, err = c.ReclaimSubEnterpriseAmount(&model.ReclaimSubEnterpriseAmountRequest{Body: &model.RetrieveEnterpriseMultiAccountReq{CustomerId: sub, Amount: "1.00", TransId: s("1123456789abcdef0123456789abcdef"), BalanceType: s("BALANCE_TYPE_DEBIT")}})
	check("ReclaimSubEnterpriseAmount", struct{}{}, err)
	coupons, err := c.ListMultiAccountTransferCoupons(&model.ListMultiAccountTransferCouponsRequest{})
	check("ListMultiAccountTransferCoupons", coupons, err, "Value2", "ValueUnit")
	claim, err := c.ClaimEnterpriseMultiAccountCoupon(&model.ClaimEnterpriseMultiAccountCouponRequest{Body: &model.TransferEnterpriseMultiAccountCouponReq{CustomerId: sub, CouponId: *(*coupons.AvailTransferCoupons)[0].CouponId, Amount: "1", TransId: s("2123456789abcdef0123456789abcdef")}})
	check("ClaimEnterpriseMultiAccountCoupon", claim, err)
	held, err := c.ListMultiAccountRetrieveCoupons(&model.ListMultiAccountRetrieveCouponsRequest{SubCustomerId: sub})
	check("ListMultiAccountRetrieveCoupons", held, err, "Value2", "ValueUnit")
	reclaim, err := c.ReclaimEnterpriseMultiAccountCoupon(&model.ReclaimEnterpriseMultiAccountCouponRequest{Body: &model.RetrieveEnterpriseMultiAccountCouponReq{CustomerId: sub, CouponId: *(*coupons.AvailTransferCoupons)[0].CouponId, SubCouponId: *claim.SubCouponId, TransId: s("3123456789abcdef0123456789abcdef")}})
	check("ReclaimEnterpriseMultiAccountCoupon", reclaim, err)
	cards, err := c.ListStoredValueCards(&model.ListStoredValueCardsRequest{Status: 1})
	check("ListStoredValueCards", cards, err)
	bal, err := c.ShowCustomerAccountBalances(&model.ShowCustomerAccountBalancesRequest{})
	check("ShowCustomerAccountBalances", bal, err)
	res, err := c.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{Limit: i32(100)}})
	check("ListPayPerUseCustomerResources", res, err, "ParentResourceId", "SpecSize", "SpecSizeMeasureId", "EnterpriseProject")
	var mainID string
	for _, r := range *res.Data {
		if *r.IsMainResource == 1 && *r.Status == 2 {
			mainID = *r.ResourceId
			break
		}
	}
	renew, err := c.RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{ResourceIds: []string{mainID}, PeriodType: 2, PeriodNum: 1, IsAutoPay: i32(1)}})
	check("RenewalResources", renew, err, "FailResourceInfos")
	onDemand, err := c.UpdatePeriodToOnDemand(&model.UpdatePeriodToOnDemandRequest{Body: &model.PeriodToOnDemandReq{Operation: "SET_UP", ResourceIds: []string{mainID, "missing"}}})
	check("UpdatePeriodToOnDemand", onDemand, err)
	_, err = c.AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: mainID, Body: &model.AutoRenewalResourcesReq{}})
	check("AutoRenewalResources", struct{}{}, err)
	_, err = c.CancelAutoRenewalResources(&model.CancelAutoRenewalResourcesRequest{ResourceId: mainID})
	check("CancelAutoRenewalResources", struct{}{}, err)
	orders, err := c.ListCustomerOrders(&model.ListCustomerOrdersRequest{})
	check("ListCustomerOrders", orders, err, "ContractId", "AmountInfo", "EnterpriseProjects", "SubOrderInfos", "AgentPayInfo")
	detail, err := c.ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: (*renew.OrderIds)[0]})
	check("ShowCustomerOrderDetails", detail, err, "ContractId", "AmountInfo", "UserName", "PendingPaymentEndTime", "SubOrderInfos",
		"CategoryCode", "ProductOwnerService", "CommercialResource", "BaseProductInfo")
	unsub, err := c.CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: &model.UnsubscribeResourcesReq{ResourceIds: []string{mainID}, UnsubscribeType: 1}})
	check("CancelResourcesSubscription", unsub, err, "FailResourceInfos")
	pkgs, err := c.ListFreeResourceInfos(&model.ListFreeResourceInfosRequest{Body: &model.ListFreeResourceInfosReq{}})
	check("ListFreeResourceInfos", pkgs, err, "EnterpriseProjectId", "EnterpriseProjectScope", "BundleType")
	usage, err := c.ListFreeResourceUsages(&model.ListFreeResourceUsagesRequest{Body: &model.ListFreeResourceUsagesReq{FreeResourceIds: []string{*(*(*pkgs.FreeResourcePackages)[0].FreeResources)[0].FreeResourceId}}})
	check("ListFreeResourceUsages", usage, err)
	st, err := c.ListServiceTypes(&model.ListServiceTypesRequest{XLanguage: s("en_US")})
	check("ListServiceTypes", st, err)
	rt, err := c.ListResourceTypes(&model.ListResourceTypesRequest{})
	check("ListResourceTypes", rt, err)
	sr, err := c.ListServiceResources(&model.ListServiceResourcesRequest{ServiceTypeCode: "hws.service.type.ec2"})
	check("ListServiceResources", sr, err)
	ut, err := c.ListUsageTypes(&model.ListUsageTypesRequest{})
	check("ListUsageTypes", ut, err)
}
