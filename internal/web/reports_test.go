package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/notify/smtptest"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// reportMutations are the reports page's forms (TestEveryStateChangeIsAuditedOnce).
func reportMutations() map[string][]mutation {
	return map[string][]mutation{
		"POST /reports/subscriptions": {
			{name: "subscribe", action: reports.ActionSubscribe, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/reports/subscriptions", url.Values{"frequency": {"daily"}})
			}},
		},
		"POST /reports/subscriptions/:id/cancel": {
			{name: "unsubscribe", action: reports.ActionUnsubscribe, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				b.post("/reports/subscriptions", url.Values{"frequency": {"weekly"}})
				id := p.subscriptionOf("walt")
				p.mark()
				b.post("/reports/subscriptions/"+id+"/cancel", nil)
			}},
		},
	}
}

// subscriptionOf is the id of a user's only live subscription.
func (p *portal) subscriptionOf(name string) string {
	p.t.Helper()
	ctx := context.Background()
	u, err := p.db.UserByUsername(ctx, name)
	if err != nil {
		p.t.Fatal(err)
	}
	subs, err := p.db.LiveReportSubscriptions(ctx, u.ID)
	if err != nil || len(subs) != 1 {
		p.t.Fatalf("%s's subscriptions: %+v %v", name, subs, err)
	}
	return strconv.FormatInt(subs[0].ID, 10)
}

// TestReportsPage: a signed-in person subscribes to a report and unsubscribes on the
// reports page, in English and in Chinese; subscribing twice to the same frequency, or
// to one that does not exist, shows the form again with the choice and the reason.
func TestReportsPage(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	fiona := p.addUser("fiona", "", "finance")
	if err := p.db.SetUserEmail(context.Background(), fiona.ID, "fiona@example.com"); err != nil {
		t.Fatal(err)
	}
	p.addUser("walt", "", "viewer")
	for _, c := range []struct {
		lang, user                                    string
		heading, none, subscribed, weekly, taken, bad string
		sections                                      []string
		email                                         bool
	}{
		{"en", "fiona", "Scheduled reports", "You are not subscribed to any report.", "You are subscribed.", "Weekly",
			"You are already subscribed to this report.", "Choose daily, weekly or monthly.", []string{"Units", "Operations", "Failed and unknown"}, true},
		{"zh-CN", "walt", "定期报表", "您尚未订阅任何报表。", "已订阅。", "每周", "您已订阅此报表。", "请选择每日、每周或每月。", []string{"组织单元", "子账号"}, false},
	} {
		t.Run(c.lang, func(t *testing.T) {
			b := p.browser()
			b.lang = c.lang
			b.signIn(c.user, "")
			if nav := b.get("/").doc(t).Find(`[data-testid="nav-reports"]`); nav.Length() != 1 {
				t.Fatal("no reports link in the navigation")
			}
			r := b.get("/reports")
			if r.status != http.StatusOK || r.testid(t, "reports-heading") != c.heading || r.testid(t, "reports-no-subscriptions") != c.none {
				t.Fatalf("page %d: %q / %q", r.status, r.testid(t, "reports-heading"), r.testid(t, "reports-no-subscriptions"))
			}
			for _, s := range c.sections {
				if !strings.Contains(r.testid(t, "reports-sections"), s) {
					t.Errorf("sections hint %q lacks %q", r.testid(t, "reports-sections"), s)
				}
			}
			if c.email != r.has(t, "reports-email") || c.email == r.has(t, "reports-no-email") {
				t.Fatalf("e-mail hint: address shown %v, none shown %v", r.has(t, "reports-email"), r.has(t, "reports-no-email"))
			}
			if c.user == "walt" && strings.Contains(r.testid(t, "reports-sections"), "操作") {
				t.Errorf("a viewer is promised operations: %q", r.testid(t, "reports-sections"))
			}

			r = b.post("/reports/subscriptions", url.Values{"frequency": {"weekly"}})
			if r.status != http.StatusSeeOther || r.location != "/reports" {
				t.Fatalf("subscribe: %d %q", r.status, r.location)
			}
			r = b.get("/reports")
			if !strings.HasPrefix(r.testid(t, "flash"), c.subscribed) || r.testid(t, "report-subscription-frequency") != c.weekly {
				t.Fatalf("after subscribing: flash %q, subscription %q", r.testid(t, "flash"), r.testid(t, "report-subscription-frequency"))
			}

			r = b.post("/reports/subscriptions", url.Values{"frequency": {"weekly"}})
			if r.status != http.StatusUnprocessableEntity || r.testid(t, "subscribe-error") != c.taken {
				t.Fatalf("subscribing twice: %d %q", r.status, r.testid(t, "subscribe-error"))
			}
			if v, _ := r.doc(t).Find(`[data-testid="subscribe-frequency"] option[selected]`).Attr("value"); v != "weekly" {
				t.Fatalf("the choice is not kept: %q", v)
			}
			if r = b.post("/reports/subscriptions", url.Values{"frequency": {"hourly"}}); r.status != http.StatusUnprocessableEntity || r.testid(t, "subscribe-error") != c.bad {
				t.Fatalf("an unknown frequency: %d %q", r.status, r.testid(t, "subscribe-error"))
			}

			id := p.subscriptionOf(c.user)
			if r = b.post("/reports/subscriptions/"+id+"/cancel", nil); r.status != http.StatusSeeOther {
				t.Fatalf("unsubscribe: %d", r.status)
			}
			if r = b.get("/reports"); r.testid(t, "reports-no-subscriptions") != c.none {
				t.Fatal("still subscribed after unsubscribing")
			}
			if r = b.post("/reports/subscriptions/"+id+"/cancel", nil); r.status != http.StatusNotFound {
				t.Fatalf("unsubscribing again: %d", r.status)
			}
		})
	}
	if n := len(p.events(reports.ActionSubscribe)); n != 2 {
		t.Fatalf("%d report.subscribe events, want 2", n)
	}
	if n := len(p.events(reports.ActionUnsubscribe)); n != 2 {
		t.Fatalf("%d report.unsubscribe events, want 2", n)
	}
}

// TestReportDownload: a generated report is listed on its owner's page and downloads as
// the xlsx it was sent as; another user asking for it is answered 404, as for a report
// that does not exist, and the refusal is audited (export.download, denied); an auditor
// may download it. Every download is audited.
func TestReportDownload(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	ctx := context.Background()
	fiona := p.addUser("fiona", "", "finance")
	p.addUser("gus", "", "finance")
	p.addUser("otto", "", "auditor")
	srv := smtptest.Start(t)
	rs, err := reports.New(reports.Deps{DB: p.db, Reader: readmodel.New(p.db), Now: p.clock.Now,
		Mailer: notify.New(nil, notify.Config{SMTPHost: srv.Host, SMTPPort: srv.Port, SMTPTLS: "none", SMTPFrom: "p@example.com"}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := rs.Subscribe(ctx, reports.Actor{Subject: reports.SubjectOf(*fiona), Meta: audit.System("test")}, reports.Daily)
	if err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(24 * time.Hour)
	due, err := rs.Due(ctx)
	if err != nil || len(due) != 1 {
		t.Fatalf("due %+v %v", due, err)
	}
	if ok, err := rs.Deliver(ctx, sub.ID, due[0].PeriodStart); !ok || err != nil {
		t.Fatalf("deliver: %v %v", ok, err)
	}

	b := p.browser()
	b.signIn("fiona", "")
	page := b.get("/reports")
	href, _ := page.doc(t).Find(`[data-testid="report-download"]`).Attr("href")
	if page.testid(t, "report-period") != "2026-11-25" || page.testid(t, "report-delivery") != "Kept here (no e-mail address)" || href == "" {
		t.Fatalf("listed report: period %q, delivery %q, link %q", page.testid(t, "report-period"), page.testid(t, "report-delivery"), href)
	}
	r := b.get(href)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != reports.ContentType ||
		!strings.Contains(r.header.Get("Content-Disposition"), "purser-daily-2026-11-25.xlsx") {
		t.Fatalf("download: %d %q %q", r.status, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatalf("the download is no xlsx: %v", err)
	}
	_ = f.Close()

	gus := p.browser()
	gus.signIn("gus", "")
	refused := gus.get(href)
	missing := gus.get("/reports/999999/download")
	if refused.status != http.StatusNotFound || missing.status != http.StatusNotFound {
		t.Fatalf("another user's report: %d, a missing one: %d; want 404 both", refused.status, missing.status)
	}
	if strings.Contains(gus.get("/reports").body, href) {
		t.Fatal("another user's page lists the report")
	}
	otto := p.browser()
	otto.signIn("otto", "")
	if r := otto.get(href); r.status != http.StatusOK || len(r.body) == 0 {
		t.Fatalf("an auditor's download: %d", r.status)
	}
	var got []string
	for _, e := range p.events(audit.ExportDownload) {
		if e.TargetType == "report" {
			got = append(got, e.ActorName+"/"+e.Outcome)
		}
	}
	if want := "fiona/success gus/denied otto/success"; strings.Join(got, " ") != want {
		t.Fatalf("export.download events %q, want %q", got, want)
	}
}

// TestReportPeriodsInTheDisplayZone: report periods are counted in the zone the pages
// show times in.
func TestReportPeriodsInTheDisplayZone(t *testing.T) {
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	_, a := at.In(reports.Zone).Zone()
	_, b := at.In(webcore.DisplayZone).Zone()
	if a != b || reports.Zone.String() != webcore.DisplayZone.String() {
		t.Fatalf("reports count in %s (%d), pages show %s (%d)", reports.Zone, a, webcore.DisplayZone, b)
	}
}
