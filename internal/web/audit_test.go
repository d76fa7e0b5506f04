package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/web"
)

// auditorPortal has an auditor signed in and some history: sign-ins, failures, a
// user change with before/after.
func auditorPortal(t *testing.T, db *store.DB) (*portal, *browser) {
	return auditorPortalWith(t, db, nil)
}

// auditorPortalWith is auditorPortal with collaborators added (newPortalWith).
func auditorPortalWith(t *testing.T, db *store.DB, tweak func(d *web.Deps, up bss.Upstream)) (*portal, *browser) {
	p := newPortalWith(t, db, nil, tweak)
	p.addUser("otto", "", "auditor")
	p.addUser("fiona", "", "finance")
	p.browser().post("/login", url.Values{"username": {"fiona"}, "password": {"wrong one!!"}})
	// A typed user name is attacker-controlled text that lands in a cell of its own.
	p.browser().post("/login", url.Values{"username": {`=HYPERLINK("http://evil")`}, "password": {"guess guess"}})
	p.browser().signIn("fiona", "")
	if err := audit.Record(context.Background(), db, audit.System("test"), audit.Entry{
		Action: "policy.update", TargetType: "policy", TargetID: "transfer_funds", Outcome: audit.Success,
		Details: map[string]any{"before": map[string]any{"approvals": 1}, "after": map[string]any{"approvals": 2},
			"note": "=HYPERLINK(\"http://evil\")"},
	}); err != nil {
		t.Fatal(err)
	}
	b := p.browser()
	b.signIn("otto", "")
	return p, b
}

func TestAuditSearch(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p, b := auditorPortal(t, db)
		r := b.get("/audit")
		if r.status != 200 || r.doc(t).Find(`[data-testid="audit-row"]`).Length() < 5 {
			t.Fatalf("list: %d rows=%d", r.status, r.doc(t).Find(`[data-testid="audit-row"]`).Length())
		}
		// Every area of the filter has a translated label.
		r.doc(t).Find(`#area option`).Each(func(_ int, s *goquery.Selection) {
			if strings.HasPrefix(s.Text(), "[") {
				t.Errorf("untranslated area %q", s.Text())
			}
		})
		// Filters.
		r = b.get("/audit?" + url.Values{"actor": {"Fiona"}, "area": {"auth"}}.Encode())
		// fiona's failed attempt is anonymous (nobody was signed in): only her sign-in is hers.
		var got []string
		r.doc(t).Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-action", "")) })
		if len(got) != 1 || got[0] != "auth.login" {
			t.Fatalf("actor+area filter: %v", got)
		}
		r = b.get("/audit?outcome=failure")
		r.doc(t).Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) {
			if a := s.AttrOr("data-action", ""); a != "auth.login_failed" {
				t.Errorf("outcome=failure returned %s", a)
			}
		})
		if n := b.get("/audit?q=HYPERLINK").doc(t).Find(`[data-testid="audit-row"]`).Length(); n != 2 { // the policy note and the typed user name
			t.Fatalf("text search found %d", n)
		}
		// Bad input: 400, reason, input kept, nothing searched.
		r = b.get("/audit?from=yesterday&actor=fiona")
		if r.status != 400 || r.testid(t, "error-from") == "" || r.doc(t).Find("#actor").AttrOr("value", "") != "fiona" {
			t.Fatalf("bad time: %d", r.status)
		}
		r = b.get("/audit?from=2026-11-25T10:00&to=2026-11-25T09:00")
		if r.status != 400 || r.testid(t, "error-to") == "" {
			t.Fatalf("inverted range: %d", r.status)
		}
		// Time window (the fake clock is 2026-11-25 09:00 UTC = 17:00 Beijing; the database
		// clock is real, so use a window around now).
		now := time.Now().In(time.FixedZone("CST", 8*3600))
		win := url.Values{"from": {now.Add(-time.Hour).Format("2006-01-02T15:04")}, "to": {now.Add(time.Hour).Format("2006-01-02T15:04")}}
		if n := b.get("/audit?" + win.Encode()).doc(t).Find(`[data-testid="audit-row"]`).Length(); n < 5 {
			t.Fatalf("window around now found %d", n)
		}
		win.Set("to", now.Add(-30*time.Minute).Format("2006-01-02T15:04"))
		if n := b.get("/audit?" + win.Encode()).doc(t).Find(`[data-testid="audit-row"]`).Length(); n != 0 {
			t.Fatalf("window in the past found %d", n)
		}
		// Looking is recorded.
		views := p.events(audit.AuditView)
		if len(views) < 5 || views[len(views)-1].ActorName != "otto" || !strings.Contains(string(views[len(views)-1].Details), `"view":"search"`) {
			t.Fatalf("views not audited: %d", len(views))
		}
	})
}

func TestAuditPagination(t *testing.T) {
	t.Parallel()
	p, b := auditorPortal(t, testkit.SQLite(t))
	for i := range 120 {
		if err := audit.Record(context.Background(), p.db, audit.System("test"), audit.Entry{Action: "sync.run",
			TargetType: "area", TargetID: "full", Outcome: audit.Success, Details: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	next := "/audit?area=sync"
	pages := 0
	for next != "" {
		r := b.get(next)
		pages++
		r.doc(t).Find(`[data-testid="audit-event-link"]`).Each(func(_ int, s *goquery.Selection) {
			if seen[s.Text()] {
				t.Fatalf("event %s on two pages", s.Text())
			}
			seen[s.Text()] = true
		})
		next, _ = r.doc(t).Find(`[data-testid="audit-older"]`).Attr("href")
	}
	if len(seen) != 120 || pages != 3 {
		t.Fatalf("paged %d events over %d pages", len(seen), pages)
	}
}

func TestAuditEventAndTimeline(t *testing.T) {
	t.Parallel()
	p, b := auditorPortal(t, testkit.SQLite(t))
	pol := p.events("policy.update")[0]
	r := b.get(fmt.Sprintf("/audit/events/%d", pol.ID))
	if r.status != 200 || !strings.Contains(r.testid(t, "event-fields"), pol.Hash) || !strings.Contains(r.testid(t, "event-fields"), pol.PrevHash) {
		t.Fatalf("event page: %d", r.status)
	}
	if ch := r.testid(t, "event-changes"); !strings.Contains(ch, "approvals") || !strings.Contains(ch, "1") || !strings.Contains(ch, "2") {
		t.Fatalf("before/after: %q", ch)
	}
	if b.get("/audit/events/999999").status != 404 || b.get("/audit/events/abc").status != 404 {
		t.Fatal("missing events must be 404")
	}
	login := p.events(audit.AuthLogin)[0]
	r = b.get("/audit/timeline?target_type=user&target_id=" + login.TargetID)
	if r.status != 200 || !strings.Contains(r.testid(t, "timeline"), "Signed in") {
		t.Fatalf("timeline: %d %q", r.status, r.testid(t, "timeline"))
	}
	if b.get("/audit/timeline").status != 400 {
		t.Fatal("timeline without a target must be 400")
	}
}

func TestAuditExports(t *testing.T) {
	t.Parallel()
	p, b := auditorPortal(t, testkit.SQLite(t))
	before := len(p.events(audit.ExportDownload))
	r := b.get("/audit/export?format=csv&outcome=failure")
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Disposition"), ".csv") {
		t.Fatalf("csv: %d", r.status)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("csv rows %d: %v\n%s", len(recs), err, r.body)
	}
	injected := false
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Fatalf("formula cell in CSV: %q", cell)
			}
			injected = injected || strings.HasPrefix(cell, `'=HYPERLINK`)
		}
	}
	if !injected {
		t.Fatalf("the typed user name should be exported neutralised:\n%s", r.body)
	}
	r = b.get("/audit/export?format=jsonl")
	lines := strings.Split(strings.TrimSpace(r.body), "\n")
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first["id"].(float64) != 1 || first["hash"] == "" {
		t.Fatalf("jsonl first line %s: %v", lines[0], err)
	}
	r = b.get("/audit/export?format=xlsx&area=policy")
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	rows, _ := f.GetRows("audit")
	if len(rows) != 2 || rows[1][7] != "policy.update" {
		t.Fatalf("xlsx rows %v", rows)
	}
	if typ, _ := f.GetCellType("audit", "A2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Fatalf("id cell type %v", typ)
	}
	evs := p.events(audit.ExportDownload)
	if len(evs) != before+3 || !strings.Contains(string(evs[len(evs)-1].Details), `"rows":1`) {
		t.Fatalf("exports not audited with row counts: %d", len(evs)-before)
	}
	if b.get("/audit/export?format=pdf").status != 400 {
		t.Fatal("unknown format must be 400")
	}
}

// The page queues a verification job (internal/jobs) and shows its progress and outcome.
func TestAuditVerifyPage(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p, b := auditorPortalWith(t, db, withJobs(t))
		page := b.get("/audit/verify")
		if page.status != 200 || len(page.testid(t, "public-key")) != 64 || !page.has(t, "verify-start") {
			t.Fatalf("verify page %d", page.status)
		}
		head, _, err := db.AuditHead(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		waitRun := func() string {
			deadline := time.Now().Add(15 * time.Second)
			for time.Now().Before(deadline) {
				st := b.get("/audit/verify").doc(t).Find(`[data-testid="verify-run"]`).First().AttrOr("data-status", "")
				if st != "running" && st != "" {
					return st
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Fatal("verification did not finish")
			return ""
		}
		if r := b.post("/audit/verify", nil); r.status != http.StatusSeeOther {
			t.Fatalf("start: %d", r.status)
		}
		if st := waitRun(); st != "intact" {
			t.Fatalf("fresh trail: %s", st)
		}
		// The run counts the events up to the head when it was queued, and checks those
		// the page's own views added before it started too.
		run := b.get("/audit/verify").doc(t).Find(`[data-testid="verify-run"]`).First().Text()
		var checked, total int64
		if m := regexp.MustCompile(`(\d+) of (\d+) events checked`).FindStringSubmatch(run); m != nil {
			checked, _ = strconv.ParseInt(m[1], 10, 64)
			total, _ = strconv.ParseInt(m[2], 10, 64)
		}
		if total != head || checked < head {
			t.Fatalf("finished run shows %q; the trail had %d events", run, head)
		}
		evs := p.events(audit.AuditVerify)
		if len(evs) != 1 || evs[0].ActorName != "otto" || evs[0].IP == "" || evs[0].RequestID == "" || evs[0].Outcome != audit.Success {
			t.Fatalf("verification not audited with the request that started it: %+v", evs)
		}
		cps, _ := db.ListAuditCheckpoints(context.Background(), 10)
		if len(cps) != 1 {
			t.Fatal("an intact verification must sign a checkpoint")
		}
		// Tamper with an event and verify again: broken, naming it.
		target := p.events(audit.AuthLogin)[0]
		if db.Dialect() == store.DialectPostgres {
			db.Gorm().Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`)
		} else {
			db.Gorm().Exec(`DROP TRIGGER audit_events_no_update`)
		}
		if err := db.Gorm().Exec(`UPDATE audit_events SET ip = '10.9.9.9' WHERE id = ?`, target.ID).Error; err != nil {
			t.Fatal(err)
		}
		b.post("/audit/verify", nil)
		if st := waitRun(); st != "broken" {
			t.Fatalf("tampered trail: %s", st)
		}
		broken := b.get("/audit/verify").doc(t).Find(`[data-testid="verify-broken"]`).First().Text()
		if !strings.Contains(broken, fmt.Sprintf("#%d", target.ID)) {
			t.Fatalf("broken event not named: %q", broken)
		}
	})
}

// A run the job system settled as interrupted says so in the reader's language; a
// portal without a job runner offers no verification.
func TestAuditVerifyPageInterruptedAndUnavailable(t *testing.T) {
	db := storetest.SQLite(t)
	p, b := auditorPortal(t, db)
	ctx := context.Background()
	run := &store.AuditVerificationRun{StartedBy: "otto", Total: 3}
	if err := db.CreateAuditVerificationRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if won, err := db.RecordAuditVerificationResult(ctx, run.ID, store.VerifyFailed, 1, nil, store.VerifyReasonInterrupted); err != nil || !won {
		t.Fatalf("record: %v %v", won, err)
	}
	if done, err := db.FinishAuditVerificationRun(ctx, run.ID); err != nil || !done {
		t.Fatalf("finish: %v %v", done, err)
	}
	for lang, want := range map[string]string{"en": "Interrupted: the portal process performing it stopped", "zh-CN": "已中断"} {
		b.lang = lang
		page := b.get("/audit/verify")
		r := page.doc(t).Find(`[data-testid="verify-run"]`).First()
		if r.AttrOr("data-status", "") != "failed" || !strings.Contains(r.Text(), want) {
			t.Fatalf("%s: interrupted run shows %q", lang, r.Text())
		}
		if page.has(t, "verify-start") {
			t.Fatalf("%s: a portal without jobs offers to verify", lang)
		}
	}
	if r := b.post("/audit/verify", nil); r.status != http.StatusServiceUnavailable {
		t.Fatalf("start without a job runner: %d", r.status)
	}
	_ = p
}

func TestAuditAPI(t *testing.T) {
	t.Parallel()
	p, _ := auditorPortal(t, testkit.SQLite(t))
	tok, _ := p.users.CreateToken(context.Background(), "otto", "api", nil, systemMeta())
	fin, _ := p.users.CreateToken(context.Background(), "fiona", "api", nil, systemMeta())
	call := func(token, query string) response {
		req, _ := http.NewRequest(http.MethodGet, p.http.URL+"/api/v1/audit/events?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return p.browser().do(req)
	}
	var page struct {
		Items []struct {
			ID                     int64
			Action, Actor, Outcome string
			TargetType             string `json:"target_type"`
			Hash                   string
			PrevHash               string `json:"prev_hash"`
		}
		NextCursor string `json:"next_cursor"`
	}
	r := call(tok, "limit=2")
	if err := json.Unmarshal([]byte(r.body), &page); err != nil || r.status != 200 || len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("api: %d %s", r.status, r.body)
	}
	if page.Items[0].ID <= page.Items[1].ID || page.Items[0].PrevHash == "" {
		t.Fatal("newest first, with hashes")
	}
	cursor := page.NextCursor
	r = call(tok, "limit=2&cursor="+cursor)
	json.Unmarshal([]byte(r.body), &page)
	if fmt.Sprint(page.Items[0].ID) >= cursor && len(cursor) == len(fmt.Sprint(page.Items[0].ID)) {
		t.Fatalf("cursor did not advance: %s → %d", cursor, page.Items[0].ID)
	}
	r = call(tok, "action=auth.login&actor=fiona&target=user")
	json.Unmarshal([]byte(r.body), &page)
	if len(page.Items) != 1 || page.Items[0].Action != "auth.login" || page.Items[0].TargetType != "user" {
		t.Fatalf("filters: %s", r.body)
	}
	for _, bad := range []string{"limit=0", "limit=501", "since=yesterday", "cursor=x", "outcome=maybe"} {
		if r := call(tok, bad); r.status != 400 || !strings.Contains(r.body, `"code":"bad_request"`) {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
	if r := call(fin, ""); r.status != 403 {
		t.Fatalf("finance reads the audit trail: %d", r.status)
	}
}
