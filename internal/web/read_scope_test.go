package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// seedScopedResources adds, beside the seeded cache, more than a page of resources in
// east (eve's scope) and many more outside it that expire sooner, so that a list paged
// before the scope is applied starts with pages of rows eve may not see.
func seedScopedResources(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	res := func(prefix, service, region string, n int, expireIn time.Duration) []store.Resource {
		out := make([]store.Resource, n)
		for i := range n {
			exp := seedAt.Add(expireIn + time.Duration(i)*time.Minute)
			out[i] = store.Resource{ResourceID: fmt.Sprintf("%s-%02d", prefix, i), Name: fmt.Sprintf("%s-%02d", prefix, i),
				Region: region, ServiceType: service, IsMain: true, Status: 2, Effective: &seedAt, Expire: &exp, ExpirePolicy: 3}
		}
		return out
	}
	if err := db.ReplaceResources(ctx, "sa-gamma", res("east", "hws.service.type.east", "cn-east-3", 30, 25*24*time.Hour), seedAt); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		id := fmt.Sprintf("sa-w%02d", i)
		if err := db.ReplaceResources(ctx, id, res("west-"+id, "hws.service.type.west", "ap-west-1", 3, 24*time.Hour), seedAt); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ReplaceResources(ctx, testMaster, res("own", "hws.service.type.master", "cn-master-1", 10, time.Hour), seedAt); err != nil {
		t.Fatal(err)
	}
}

// TestResourceScopeFullPages: a scoped user's resource list is paged, counted and offered
// filter choices over the resources in scope only (31 in east: res-1 and 30 of East Ops),
// not over the 100 outside it that sort first.
func TestResourceScopeFullPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := readPortalOn(t, db)
		seedScopedResources(t, p.db)
		b := p.signedIn("eve")
		first := b.get("/resources")
		rows := first.doc(t).Find(`[data-testid="resource-row"]`)
		if first.status != 200 || rows.Length() != 25 || !strings.Contains(first.testid(t, "list-total"), "31") {
			t.Fatalf("first page: %d, %d rows, total %q", first.status, rows.Length(), first.testid(t, "list-total"))
		}
		if strings.Contains(first.body, "west-sa-") || strings.Contains(first.body, "own-0") {
			t.Fatal("first page holds a resource outside the scope")
		}
		second := b.get(first.doc(t).Find(`[data-testid="page-next"]`).AttrOr("href", ""))
		if n := second.doc(t).Find(`[data-testid="resource-row"]`).Length(); n != 6 || !strings.Contains(second.testid(t, "pager-summary"), "26–31 of 31") {
			t.Fatalf("second page: %d rows, want 6; %q", n, second.testid(t, "pager-summary"))
		}
		options := func(name string) []string {
			var out []string
			first.doc(t).Find(`select[name="` + name + `"] option`).Each(func(_ int, s *goquery.Selection) {
				out = append(out, s.AttrOr("value", ""))
			})
			return out
		}
		if got := strings.Join(options("service"), ","); got != ",hws.service.type.east,hws.service.type.ec2" {
			t.Fatalf("service choices %q", got)
		}
		if got := strings.Join(options("region"), ","); got != ",cn-east-3,cn-north-4" {
			t.Fatalf("region choices %q", got)
		}
		if got := strings.Join(options("account"), ","); got != ",sa-alpha,sa-gamma" {
			t.Fatalf("account choices %q", got)
		}
		// A filter narrows within the scope, never beyond it.
		if r := b.get("/resources?service=hws.service.type.west"); !strings.Contains(r.testid(t, "list-total"), "0") ||
			r.doc(t).Find(`[data-testid="resource-row"]`).Length() != 0 {
			t.Fatalf("west filter: total %q", r.testid(t, "list-total"))
		}
		// The export holds the same rows.
		csvBody := b.get("/resources/export?format=csv").body
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\uFEFF"))).ReadAll()
		if err != nil || len(recs) != 32 {
			t.Fatalf("export: %d records, %v", len(recs), err)
		}
		// The dashboard counts the resources expiring in scope (res-1 and East Ops').
		if got := b.get("/").testid(t, "expiring-total"); got != "31" {
			t.Fatalf("dashboard expiring total %q, want 31", got)
		}
		// Unscoped, everything is there.
		all := p.signedIn("fiona").get("/resources")
		if !strings.Contains(all.testid(t, "list-total"), "131") {
			t.Fatalf("unscoped total %q", all.testid(t, "list-total"))
		}
	})
}
