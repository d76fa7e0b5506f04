package bss_test

import (
	"slices"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/bss"
)

func TestContractBalancesAndCards(t *testing.T) {
	h := newHarness(t, true)
	b := must[bss.Balances](t)(h.client.AccountBalances(ctx(t)))
	if h.sb == nil {
		return
	}
	if len(b.Accounts) < 2 || b.Currency != "CNY" || !b.Accounts[0].Amount.IsPositive() {
		t.Fatalf("balances: %+v", b)
	}
	usable := must[bss.CardPage](t)(h.client.StoredValueCards(ctx(t), bss.CardQuery{Status: bss.CardUsable}))
	usedUp := must[bss.CardPage](t)(h.client.StoredValueCards(ctx(t), bss.CardQuery{Status: bss.CardUsedUp}))
	if usable.Total == 0 || usedUp.Total == 0 || !usable.Items[0].FaceValue.IsPositive() || usable.Items[0].Name == "" || !usedUp.Items[0].Balance.IsZero() {
		t.Fatalf("cards: %+v / %+v", usable, usedUp)
	}
	one := must[bss.CardPage](t)(h.client.StoredValueCards(ctx(t), bss.CardQuery{Status: bss.CardUsable, CardID: usable.Items[1].ID}))
	if one.Total != 1 || one.Items[0].ID != usable.Items[1].ID {
		t.Fatalf("card_id filter: %+v", one)
	}
	_, err := h.client.StoredValueCards(ctx(t), bss.CardQuery{})
	wantKind(t, err, bss.ErrInvalidRequest)
}

func mainResources(t *testing.T, h *harness) []bss.Resource {
	t.Helper()
	p := must[bss.ResourcePage](t)(h.client.Resources(ctx(t), bss.ResourceQuery{OnlyMain: true, Statuses: []bss.ResourceStatus{bss.ResourceInUse}, Page: bss.Page{Limit: 100}}))
	return p.Items
}

func resourceByID(t *testing.T, h *harness, id bss.ResourceID) bss.Resource {
	t.Helper()
	p := must[bss.ResourcePage](t)(h.client.Resources(ctx(t), bss.ResourceQuery{ResourceIDs: []bss.ResourceID{id},
		Statuses: []bss.ResourceStatus{2, 3, 4, 5}}))
	if len(p.Items) != 1 {
		t.Fatalf("resource %s: %d results", id, len(p.Items))
	}
	return p.Items[0]
}

func TestContractResourceQuery(t *testing.T) {
	h := newHarness(t, true)
	all := must[bss.ResourcePage](t)(h.client.Resources(ctx(t), bss.ResourceQuery{Page: bss.Page{Limit: 500}}))
	if h.sb == nil {
		return
	}
	var mains, children int
	services, regions := map[string]bool{}, map[string]bool{}
	for _, r := range all.Items {
		if r.IsMain {
			mains++
		} else {
			children++
			if r.ParentID == "" {
				t.Fatalf("child without parent: %+v", r)
			}
		}
		services[r.ServiceType], regions[r.Region] = true, true
	}
	if mains < 10 || children < 5 || len(services) < 4 || len(regions) < 3 {
		t.Fatalf("want resources across services and regions with children: %d main, %d children, %d services, %d regions", mains, children, len(services), len(regions))
	}
	only := mainResources(t, h)
	for _, r := range only {
		if !r.IsMain || r.Status != bss.ResourceInUse {
			t.Fatalf("filters leaked %+v", r)
		}
	}
	soon := time.Now().AddDate(0, 2, 0)
	expiring := must[bss.ResourcePage](t)(h.client.Resources(ctx(t), bss.ResourceQuery{ExpireTo: soon, Page: bss.Page{Limit: 500}}))
	for _, r := range expiring.Items {
		if r.Expire.After(soon) {
			t.Fatalf("expire_time_end leaked %v", r.Expire)
		}
	}
	ecs := must[bss.ResourcePage](t)(h.client.Resources(ctx(t), bss.ResourceQuery{ServiceType: "hws.service.type.ec2", Page: bss.Page{Limit: 500}}))
	if ecs.Total == 0 || ecs.Items[0].ServiceType != "hws.service.type.ec2" {
		t.Fatalf("service filter: %+v", ecs)
	}
}

func TestContractRenewOrdersAndUnsubscribe(t *testing.T) {
	for _, autoPay := range []bool{true, false} {
		h := newHarness(t, false)
		c := h.client
		var vm bss.Resource
		for _, r := range mainResources(t, h) {
			if r.ResourceType == "hws.resource.type.vm" {
				vm = r
				break
			}
		}
		children := must[bss.ResourcePage](t)(c.Resources(ctx(t), bss.ResourceQuery{Page: bss.Page{Limit: 500}}))
		var child bss.Resource
		for _, r := range children.Items {
			if r.ParentID == vm.ID {
				child = r
			}
		}
		if vm.ID == "" || child.ID == "" {
			t.Fatal("no VM with a child resource in the data")
		}
		res, err := c.Renew(ctx(t), bss.RenewRequest{ResourceIDs: []bss.ResourceID{vm.ID}, PeriodType: bss.PeriodMonth, PeriodNum: 2, AutoPay: autoPay})
		if err != nil || len(res.OrderIDs) != 1 || len(res.Failures) != 0 {
			t.Fatalf("renew: %+v %v", res, err)
		}
		if got := resourceByID(t, h, vm.ID).Expire; !got.Equal(vm.Expire.AddDate(0, 2, 0)) {
			t.Fatalf("renewed expiry %v, want %v", got, vm.Expire.AddDate(0, 2, 0))
		}
		if got := resourceByID(t, h, child.ID).Expire; !got.Equal(child.Expire.AddDate(0, 2, 0)) {
			t.Fatalf("child expiry %v not extended", got)
		}
		// The renewal order is listed, detailed, and the legacy endpoint lists its resources.
		orders := must[bss.OrderPage](t)(c.Orders(ctx(t), bss.OrderQuery{OrderID: res.OrderIDs[0]}))
		wantStatus := bss.OrderCompleted
		if !autoPay {
			wantStatus = bss.OrderPendingPay
		}
		if orders.Total != 1 || orders.Items[0].OrderType != bss.OrderTypeRenew || orders.Items[0].Status != wantStatus || !orders.Items[0].Amount.IsPositive() {
			t.Fatalf("orders: %+v", orders)
		}
		detail := must[bss.OrderDetail](t)(c.Order(ctx(t), res.OrderIDs[0], bss.Page{}))
		if detail.ID != res.OrderIDs[0] || len(detail.Lines) != 1 || detail.Lines[0].PeriodNum != 2 || !detail.Lines[0].Expire.Equal(vm.Expire.AddDate(0, 2, 0)) {
			t.Fatalf("order detail: %+v", detail)
		}
		provisioned := must[bss.OrderResourcePage](t)(c.OrderResources(ctx(t), res.OrderIDs[0], bss.Page{Limit: 50}))
		var listed []bss.ResourceID
		for _, r := range provisioned.Items {
			listed = append(listed, r.ResourceID)
		}
		if provisioned.Total != 3 || !slices.Contains(listed, vm.ID) || !slices.Contains(listed, child.ID) {
			t.Fatalf("legacy order resources: %+v", provisioned)
		}
		_, err = c.OrderResources(ctx(t), res.OrderIDs[0], bss.Page{Limit: 51})
		wantKind(t, err, bss.ErrInvalidRequest)

		// Unsubscribing the renewed periods gives the expiry back; then the resource itself.
		if _, err := c.Unsubscribe(ctx(t), bss.UnsubscribeRequest{ResourceIDs: []bss.ResourceID{vm.ID}, Type: bss.UnsubscribeRenewals, ReasonType: 2}); err != nil {
			t.Fatal(err)
		}
		if got := resourceByID(t, h, vm.ID).Expire; !got.Equal(vm.Expire) {
			t.Fatalf("after unsubscribing renewals expiry %v, want %v", got, vm.Expire)
		}
		un, err := c.Unsubscribe(ctx(t), bss.UnsubscribeRequest{ResourceIDs: []bss.ResourceID{vm.ID}, Type: bss.UnsubscribeResource, ReasonType: 1, Reason: "no longer needed"})
		if err != nil || len(un.OrderIDs) != 1 {
			t.Fatalf("unsubscribe: %+v %v", un, err)
		}
		if got := resourceByID(t, h, vm.ID); got.Status != bss.ResourceClosed {
			t.Fatalf("unsubscribed resource status %d", got.Status)
		}
		// Unsubscribing it again: the upstream answers HTTP 200 with an error_code.
		_, err = c.Unsubscribe(ctx(t), bss.UnsubscribeRequest{ResourceIDs: []bss.ResourceID{vm.ID}, Type: bss.UnsubscribeResource})
		e := wantKind(t, err, bss.ErrResourceUnavailable)
		if e.HTTPStatus != 200 || e.Code != "CBC.30000067" {
			t.Fatalf("refusal in a 200: %+v", e)
		}
	}
}

func TestContractRenewRules(t *testing.T) {
	h := newHarness(t, false)
	c := h.client
	mains := mainResources(t, h)
	eleven := make([]bss.ResourceID, 11)
	for i := range eleven {
		eleven[i] = mains[i%len(mains)].ID
	}
	_, err := c.Renew(ctx(t), bss.RenewRequest{ResourceIDs: eleven, PeriodType: bss.PeriodMonth, PeriodNum: 1})
	wantKind(t, err, bss.ErrInvalidRequest)
	for _, p := range []struct {
		pt bss.PeriodType
		n  int
	}{{bss.PeriodMonth, 0}, {bss.PeriodMonth, 12}, {bss.PeriodYear, 4}, {9, 1}} {
		_, err := c.Renew(ctx(t), bss.RenewRequest{ResourceIDs: []bss.ResourceID{mains[0].ID}, PeriodType: p.pt, PeriodNum: p.n})
		wantKind(t, err, bss.ErrInvalidRequest)
	}
	_, err = c.Unsubscribe(ctx(t), bss.UnsubscribeRequest{ResourceIDs: eleven, Type: bss.UnsubscribeResource})
	wantKind(t, err, bss.ErrInvalidRequest)

	// A child resource is refused, a main one beside it is renewed: a partial success.
	all := must[bss.ResourcePage](t)(c.Resources(ctx(t), bss.ResourceQuery{Page: bss.Page{Limit: 500}}))
	var child bss.ResourceID
	for _, r := range all.Items {
		if !r.IsMain {
			child = r.ID
		}
	}
	res, err := c.Renew(ctx(t), bss.RenewRequest{ResourceIDs: []bss.ResourceID{mains[0].ID, child}, PeriodType: bss.PeriodYear, PeriodNum: 1, AutoPay: true})
	if err != nil || len(res.OrderIDs) != 1 || len(res.Failures) != 1 || res.Failures[0].ResourceID != child || res.Failures[0].Code != "CBC.30010036" {
		t.Fatalf("partial renewal: %+v %v", res, err)
	}
	_, err = c.Renew(ctx(t), bss.RenewRequest{ResourceIDs: []bss.ResourceID{child}, PeriodType: bss.PeriodYear, PeriodNum: 1})
	e := wantKind(t, err, bss.ErrNotMainResource)
	if len(e.Failures) != 1 {
		t.Fatalf("failures not carried: %+v", e)
	}
}

func TestContractToOnDemandAndAutoRenew(t *testing.T) {
	h := newHarness(t, false)
	c := h.client
	mains := mainResources(t, h)
	ids := []bss.ResourceID{mains[0].ID, mains[1].ID}
	fails, err := c.ToOnDemand(ctx(t), bss.ToOnDemandRequest{Operation: bss.ToOnDemandSet, ResourceIDs: ids})
	if err != nil || len(fails) != 0 {
		t.Fatalf("to-on-demand: %v %v", fails, err)
	}
	if p := resourceByID(t, h, ids[1]).ExpirePolicy; p != bss.ExpireToOnDemand {
		t.Fatalf("expire policy %d after SET_UP", p)
	}
	fails, err = c.ToOnDemand(ctx(t), bss.ToOnDemandRequest{Operation: bss.ToOnDemandCancel, ResourceIDs: []bss.ResourceID{ids[0], "missing"}})
	if err != nil || len(fails) != 1 || fails[0].ResourceID != "missing" {
		t.Fatalf("partial cancel: %v %v", fails, err)
	}
	if p := resourceByID(t, h, ids[0]).ExpirePolicy; p != bss.ExpireGracePeriod {
		t.Fatalf("expire policy %d after CANCEL", p)
	}
	many := make([]bss.ResourceID, 101)
	for i := range many {
		many[i] = ids[0]
	}
	_, err = c.ToOnDemand(ctx(t), bss.ToOnDemandRequest{Operation: bss.ToOnDemandSet, ResourceIDs: many})
	wantKind(t, err, bss.ErrInvalidRequest)
	_, err = c.ToOnDemand(ctx(t), bss.ToOnDemandRequest{Operation: bss.ToOnDemandSet, ResourceIDs: []bss.ResourceID{"missing"}})
	wantKind(t, err, bss.ErrResourceUnavailable)

	if err := c.SetAutoRenew(ctx(t), bss.AutoRenewRequest{ResourceID: ids[1], Times: 3, PeriodType: "MONTH"}); err != nil {
		t.Fatal(err)
	}
	if p := resourceByID(t, h, ids[1]).ExpirePolicy; p != bss.ExpireAutoRenew {
		t.Fatalf("expire policy %d after auto-renew", p)
	}
	if err := c.CancelAutoRenew(ctx(t), ids[1]); err != nil {
		t.Fatal(err)
	}
	if p := resourceByID(t, h, ids[1]).ExpirePolicy; p != bss.ExpireGracePeriod {
		t.Fatalf("expire policy %d after cancelling auto-renew", p)
	}
	wantKind(t, c.CancelAutoRenew(ctx(t), "missing"), bss.ErrResourceUnavailable)
}

func TestContractResourcePackages(t *testing.T) {
	h := newHarness(t, true)
	pkgs := must[bss.PackagePage](t)(h.client.ResourcePackages(ctx(t), bss.PackageQuery{Page: bss.Page{Limit: 100}}))
	if h.sb == nil {
		return
	}
	if pkgs.Total < 3 || len(pkgs.Items[0].FreeResources) == 0 {
		t.Fatalf("packages: %+v", pkgs)
	}
	var idsList []string
	for _, p := range pkgs.Items {
		for _, f := range p.FreeResources {
			idsList = append(idsList, f.ID)
		}
	}
	before := must[[]bss.PackageUsage](t)(h.client.ResourcePackageUsages(ctx(t), idsList))
	if len(before) != len(idsList) || !before[0].Original.IsPositive() || before[0].Remaining.GreaterThan(before[0].Original) {
		t.Fatalf("usages: %+v", before)
	}
	h.clock.advance(5 * 24 * time.Hour)
	after := must[[]bss.PackageUsage](t)(h.client.ResourcePackageUsages(ctx(t), idsList))
	for i := range before {
		if before[i].Remaining.IsPositive() && !after[i].Remaining.LessThan(before[i].Remaining) {
			t.Fatalf("usage does not decrease over time: %s then %s", before[i].Remaining, after[i].Remaining)
		}
	}
	obs := must[bss.PackagePage](t)(h.client.ResourcePackages(ctx(t), bss.PackageQuery{ServiceTypes: []string{"hws.service.type.obs"}}))
	if obs.Total == 0 || obs.Items[0].ServiceType != "hws.service.type.obs" {
		t.Fatalf("service filter: %+v", obs)
	}
	_, err := h.client.ResourcePackageUsages(ctx(t), nil)
	wantKind(t, err, bss.ErrInvalidRequest)
}

func TestContractCatalogues(t *testing.T) {
	h := newHarness(t, true)
	zh, total := must2(t)(h.client.ServiceTypes(ctx(t), bss.CatalogQuery{Lang: bss.LangZH}))
	en, _ := must2(t)(h.client.ServiceTypes(ctx(t), bss.CatalogQuery{Lang: bss.LangEN}))
	if h.sb == nil {
		return
	}
	if total < 5 || len(zh) != len(en) || zh[0].Code != en[0].Code || zh[0].Name == en[0].Name || zh[0].Abbreviation == "" {
		t.Fatalf("service types zh %+v en %+v", zh, en)
	}
	rts, _, err := h.client.ResourceTypes(ctx(t), bss.CatalogQuery{Lang: bss.LangEN})
	if err != nil || len(rts) < 5 || rts[0].Description == "" || rts[0].ServiceType == "" {
		t.Fatalf("resource types: %+v %v", rts, err)
	}
	srs, _, err := h.client.ServiceResources(ctx(t), "hws.service.type.vpc", bss.CatalogQuery{Lang: bss.LangZH})
	if err != nil || len(srs) != 2 || srs[0].OwnerService != "hws.service.type.vpc" {
		t.Fatalf("service resources: %+v %v", srs, err)
	}
	_, _, err = h.client.ServiceResources(ctx(t), "", bss.CatalogQuery{})
	wantKind(t, err, bss.ErrInvalidRequest)
	uts, _, err := h.client.UsageTypes(ctx(t), "hws.resource.type.bandwidth", bss.CatalogQuery{Lang: bss.LangEN})
	if err != nil || len(uts) != 2 || uts[0].ResourceTypeName == "" || uts[0].ServiceTypeName == "" {
		t.Fatalf("usage types: %+v %v", uts, err)
	}
}

func must2(t *testing.T) func([]bss.ServiceType, int, error) ([]bss.ServiceType, int) {
	return func(v []bss.ServiceType, n int, err error) ([]bss.ServiceType, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v, n
	}
}
