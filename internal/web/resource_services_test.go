package web_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// The resources list's service filter names each service type as the catalogue does in
// the reader's language, ordered by that name; the option's value stays the code, so the
// filter and the links made before keep working. A code the catalogue does not know
// shows as itself, after the named ones.
func TestResourceServiceFilterShowsNames(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) { testResourceServiceFilterShowsNames(t, readPortalOn(t, db)) })
}

func testResourceServiceFilterShowsNames(t *testing.T, p *portal) {
	ctx := context.Background()
	if err := p.db.ReplaceResources(ctx, testMaster, []store.Resource{
		{ResourceID: "res-disk", Name: "disk-01", ServiceType: "hws.service.type.ebs", IsMain: true, Status: 2},
		{ResourceID: "res-odd", Name: "odd-01", ServiceType: "hws.service.type.zzz", IsMain: true, Status: 2},
	}, seedAt); err != nil {
		t.Fatal(err)
	}
	for lang, names := range map[string][2]string{
		"en_US": {"Elastic Cloud Server", "Elastic Volume Service"},
		"zh_CN": {"弹性云服务器", "云硬盘"},
	} {
		if err := p.db.ReplaceCatalog(ctx, "service_type", lang, []store.CatalogEntry{
			{Code: "hws.service.type.ec2", Name: names[0]}, {Code: "hws.service.type.ebs", Name: names[1]},
		}, seedAt); err != nil {
			t.Fatal(err)
		}
	}
	options := func(r response) [][2]string {
		var out [][2]string
		r.doc(t).Find(`select#service option`).Each(func(_ int, o *goquery.Selection) {
			v, _ := o.Attr("value")
			out = append(out, [2]string{v, o.Text()})
		})
		return out
	}
	b := p.signedIn("fiona")
	r := b.get("/resources?service=hws.service.type.ebs")
	want := [][2]string{{"", "Any service"}, {"hws.service.type.ec2", "Elastic Cloud Server"},
		{"hws.service.type.ebs", "Elastic Volume Service"}, {"hws.service.type.zzz", "hws.service.type.zzz"}}
	if got := options(r); r.status != 200 || !slices.Equal(got, want) {
		t.Fatalf("English service filter: %d %q, want %q", r.status, got, want)
	}
	if sel := r.doc(t).Find(`select#service option[selected]`); sel.Text() != "Elastic Volume Service" {
		t.Fatalf("selected service: %q", sel.Text())
	}
	if rows := r.doc(t).Find(`[data-testid="resource-row"]`); rows.Length() != 1 || !strings.Contains(rows.Text(), "disk-01") {
		t.Fatalf("filtered by the code: %q", rows.Text())
	}

	b.post("/lang", url.Values{"lang": {"zh"}, "next": {"/resources"}})
	want = [][2]string{{"", "全部服务"}, {"hws.service.type.ebs", "云硬盘"}, {"hws.service.type.ec2", "弹性云服务器"},
		{"hws.service.type.zzz", "hws.service.type.zzz"}}
	if got := options(b.get("/resources")); !slices.Equal(got, want) {
		t.Fatalf("Chinese service filter: %q, want %q", got, want)
	}
}
