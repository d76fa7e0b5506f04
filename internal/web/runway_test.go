package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// setRunways stores runways on sub-accounts as the runways job would.
func (p *portal) setRunways(rs map[string]store.Runway) {
	p.t.Helper()
	var ups []store.RunwayUpdate
	for id, r := range rs {
		ups = append(ups, store.RunwayUpdate{SubAccountID: id, Runway: r})
	}
	if err := p.db.StoreRunways(context.Background(), time.Now(), ups); err != nil {
		p.t.Fatal(err)
	}
}

// estimated is the runway of an account holding total that lasts days days.
func estimated(total money.Amount, days string) store.Runway {
	d := decimal.RequireFromString(days)
	return store.Runway{State: store.RunwayEstimated, Days: d, Burn: total.Decimal().Div(d).Round(4), BasedOn: 14}
}

func needed(sa store.SubAccount, r store.Runway, h int) decimal.Decimal {
	return forecast.Runway{State: forecast.State(r.State), Available: sa.Total.Decimal(), DailyBurn: r.Burn, Days: r.Days}.Needed(h)
}

func daysLeft(t *testing.T, r response) map[string]string {
	t.Helper()
	out := map[string]string{}
	r.doc(t).Find(`[data-testid="sa-row"]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-id")
		out[id] = strings.TrimSpace(s.Find(`[data-testid="days-left"]`).Text())
	})
	return out
}

// TestRunwayOnThePages: the days left on the list (sorted and filtered on, states as
// words, in English and Chinese), the runway card and dashed projection on the detail
// page, the dashboard's "running out" panel with what keeps those accounts running, the
// JSON API's runway object and the export's columns.
func TestRunwayOnThePages(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(4)
	s0, s1, s2, s3 := subs[0], subs[1], subs[2], subs[3]
	rs := map[string]store.Runway{
		s0.ID: estimated(s0.Total, "2.5"), s1.ID: estimated(s1.Total, "12"),
		s2.ID: {State: store.RunwayNoConsumption, BasedOn: 14}, s3.ID: {State: store.RunwayNotEnoughHistory, BasedOn: 2},
	}
	p.setRunways(rs)
	fay := p.as("fay")

	// The list by days left: the two estimated, then no consumption, not enough history,
	// then the accounts never computed.
	r := fay.get("/sub-accounts?sort=runway")
	rows := r.doc(t).Find(`[data-testid="sa-row"]`)
	var order []string
	rows.Each(func(_ int, s *goquery.Selection) { id, _ := s.Attr("data-id"); order = append(order, id) })
	if len(order) < 5 || order[0] != s0.ID || order[1] != s1.ID || order[2] != s2.ID || order[3] != s3.ID {
		t.Fatalf("by days left: %v", order)
	}
	got := daysLeft(t, r)
	if got[s0.ID] != "2.5 days" || got[s1.ID] != "12 days" || got[s2.ID] != "No consumption" || got[s3.ID] != "Not enough history (2 days)" || got[order[4]] != "—" {
		t.Fatalf("days left: %v", got)
	}
	if cls, _ := rows.First().Find(`[data-testid="days-left"]`).Attr("class"); !strings.Contains(cls, "bad") {
		t.Fatalf("2.5 days left is not marked: %q", cls)
	}
	head := r.doc(t).Find(`th[aria-sort="ascending"] [data-testid="sort-days-left"]`)
	if href, _ := head.Attr("href"); head.Length() != 1 || !strings.Contains(href, "sort=-runway") {
		t.Fatalf("the sorted header should sort the other way: %q", href)
	}
	// Descending: the exact reverse, the unknown first.
	r = fay.get("/sub-accounts?sort=-runway&limit=100")
	var desc []string
	r.doc(t).Find(`[data-testid="sa-row"]`).Each(func(_ int, s *goquery.Selection) { id, _ := s.Attr("data-id"); desc = append(desc, id) })
	if n := len(desc); n < 4 || desc[n-1] != s0.ID || desc[n-2] != s1.ID {
		t.Fatalf("descending: %v", desc)
	}
	// Runs out within 7 days: only s0; the filter is kept in the form.
	r = fay.get("/sub-accounts?runway_below=7")
	if got := daysLeft(t, r); len(got) != 1 || got[s0.ID] == "" || !strings.HasPrefix(r.testid(t, "sa-total"), "1 ") {
		t.Fatalf("within 7 days: %v, %q", got, r.testid(t, "sa-total"))
	}
	if v, _ := r.doc(t).Find(`select[name="runway_below"] option[selected]`).Attr("value"); v != "7" {
		t.Fatalf("the filter is not kept: %q", v)
	}
	fay.lang = "zh-CN"
	if got := daysLeft(t, fay.get("/sub-accounts?sort=runway")); got[s0.ID] != "2.5 天" || got[s2.ID] != "无消耗" || got[s3.ID] != "历史不足（2 天）" {
		t.Fatalf("zh: %v", got)
	}
	fay.lang = ""

	// The detail page: the card and the projection, dashed, in the legend, the table and
	// the chart's description.
	r = fay.get("/sub-accounts/" + s0.ID)
	if got := r.testid(t, "runway-days"); got != "2.5 days" || r.testid(t, "runway-burn") == "" || r.testid(t, "runway-runs-out") == "" {
		t.Fatalf("runway card: %q %q %q", got, r.testid(t, "runway-burn"), r.testid(t, "runway-runs-out"))
	}
	chart := r.doc(t).Find(`[data-testid="balance-chart"]`)
	if chart.Find("polyline").Length() != 4 || chart.Find(`g.series-3 polyline[stroke-dasharray]`).Length() != 1 || chart.Find(".series-label").Length() != 1 {
		t.Fatalf("projection not drawn: %d lines", chart.Find("polyline").Length())
	}
	if !strings.Contains(chart.Find("desc").Text(), "reaches zero around") || !strings.Contains(chart.Find(".legend").Text(), "Projection") {
		t.Fatalf("projection not described: %q", chart.Find("desc").Text())
	}
	table := chart.Find(`[data-testid="balance-chart-table"]`)
	if table.Find("thead th").Length() != 5 || strings.TrimSpace(table.Find("tbody tr").Last().Find("td").Last().Text()) != "0.00" {
		t.Fatalf("projection not in the table: %d columns", table.Find("thead th").Length())
	}
	// No consumption: no projection.
	if r := fay.get("/sub-accounts/" + s2.ID); r.doc(t).Find(`[data-testid="balance-chart"] polyline`).Length() > 3 || r.testid(t, "runway-days") != "No consumption" {
		t.Fatalf("no consumption: %q", r.testid(t, "runway-days"))
	}

	// The dashboard: within 7 days s0, within 14 and 30 s0 and s1, with what they need.
	r = fay.get("/")
	buckets := map[string][3]string{}
	r.doc(t).Find(`[data-testid="runway-bucket"]`).Each(func(_ int, s *goquery.Selection) {
		days, _ := s.Attr("data-days")
		href, _ := s.Find(`[data-testid="runway-count"]`).Attr("href")
		buckets[days] = [3]string{strings.TrimSpace(s.Find(`[data-testid="runway-count"]`).Text()), strings.TrimSpace(s.Find(`[data-testid="runway-needed"]`).Text()), href}
	})
	for _, h := range []int{7, 14, 30} {
		n, sum := 0, decimal.Zero
		for _, sa := range []store.SubAccount{s0, s1} {
			if r := rs[sa.ID]; r.Days.LessThan(decimal.NewFromInt(int64(h))) {
				n++
				sum = sum.Add(needed(sa, r, h))
			}
		}
		key := map[int]string{7: "7", 14: "14", 30: "30"}[h]
		want := money.New(sum.RoundCeil(2), "CNY").Text()
		if b := buckets[key]; b[0] != map[int]string{7: "1", 14: "2", 30: "2"}[h] || b[1] != want || !strings.Contains(b[2], "runway_below="+key) || !strings.Contains(b[2], "sort=runway") {
			t.Fatalf("within %d days: %v, want %d accounts needing %s", h, b, n, want)
		}
	}
	if href, _ := r.doc(t).Find(`[data-testid="propose-top-ups"]`).Attr("href"); href != "/operations/top-ups/propose" {
		t.Fatalf("propose link: %q", href)
	}
	if p.as("abby").get("/").has(t, "propose-top-ups") {
		t.Fatal("an approver may not draft, but is offered to propose top-ups")
	}

	// The JSON API.
	tok, err := p.users.CreateToken(context.Background(), "fay", "t", nil, systemMeta())
	if err != nil {
		t.Fatal(err)
	}
	api := func(path string) response {
		req, _ := http.NewRequest(http.MethodGet, p.http.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return p.browser().do(req)
	}
	type apiRunway struct {
		State      string  `json:"state"`
		DaysLeft   *string `json:"days_left"`
		DailyBurn  *string `json:"daily_burn"`
		BasedOn    int     `json:"based_on_days"`
		ComputedAt *string `json:"computed_at"`
	}
	var one struct {
		Runway apiRunway `json:"runway"`
	}
	if err := json.Unmarshal([]byte(api("/api/v1/sub-accounts/"+s0.ID).body), &one); err != nil {
		t.Fatal(err)
	}
	if w := rs[s0.ID].Burn.StringFixed(2); one.Runway.State != "estimated" || one.Runway.DaysLeft == nil || *one.Runway.DaysLeft != "2.5" ||
		one.Runway.DailyBurn == nil || *one.Runway.DailyBurn != w || one.Runway.BasedOn != 14 || one.Runway.ComputedAt == nil {
		t.Fatalf("API runway of s0: %+v", one.Runway)
	}
	var list struct {
		Items []struct {
			ID     string    `json:"id"`
			Runway apiRunway `json:"runway"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(api("/api/v1/sub-accounts?sort=runway&runway_below=30").body), &list); err != nil || len(list.Items) != 2 ||
		list.Items[0].ID != s0.ID || list.Items[1].ID != s1.ID {
		t.Fatalf("API within 30 days: %+v %v", list.Items, err)
	}
	if err := json.Unmarshal([]byte(api("/api/v1/sub-accounts?sort=-runway&limit=1").body), &list); err != nil || list.Items[0].Runway.State != "not_computed" ||
		list.Items[0].Runway.DaysLeft != nil {
		t.Fatalf("API not computed: %+v", list.Items)
	}
	if r := api("/api/v1/sub-accounts?runway_below=0"); r.status != http.StatusBadRequest {
		t.Fatalf("runway_below=0: %d", r.status)
	}

	// The export: days left as a number, the state in words, the daily burn.
	csv := fay.get("/sub-accounts/export?format=csv&sort=runway").body
	lines := strings.Split(strings.TrimPrefix(csv, "\ufeff"), "\n")
	if !strings.Contains(lines[0], "Days left") || !strings.Contains(lines[0], "Daily consumption") ||
		!strings.HasSuffix(strings.TrimSpace(lines[1]), ",2.5,2.5 days,"+rs[s0.ID].Burn.StringFixed(2)) ||
		!strings.HasSuffix(strings.TrimSpace(lines[3]), ",,No consumption,") {
		t.Fatalf("export:\n%s\n%s\n%s", lines[0], lines[1], lines[3])
	}
}

// TestProposeTopUpsPage: the page previews, for the accounts running out within 14 days,
// what brings each to 30 days rounded up to 100; bad parameters come back with the reason
// (in Chinese too); the submit drafts exactly the previewed rows as one pending batch of
// transfers, once, and refuses a preview the figures have moved away from.
func TestProposeTopUpsPage(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(3)
	s0, s1, s2 := subs[0], subs[1], subs[2]
	rs := map[string]store.Runway{s0.ID: estimated(s0.Total, "2"), s1.ID: estimated(s1.Total, "10"), s2.ID: estimated(s2.Total, "40")}
	p.setRunways(rs)
	ctx := context.Background()
	master := s0.MasterAccountID
	if err := p.db.StoreMasterBalances(ctx, master, store.MasterBalances{Debit: money.New(decimal.NewFromInt(50_000_000), "CNY"), Currency: "CNY"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	want := func(sa store.SubAccount) string {
		n := needed(sa, rs[sa.ID], 30)
		return money.New(n.Div(decimal.NewFromInt(100)).Ceil().Mul(decimal.NewFromInt(100)), "CNY").Format()
	}
	fay := p.as("fay")
	r := fay.get("/operations/top-ups/propose")
	if r.status != http.StatusOK {
		t.Fatalf("propose: %d", r.status)
	}
	amounts := func(r response) [][2]string {
		var out [][2]string
		r.doc(t).Find(`[data-testid="topup-row"]`).Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("data-id")
			out = append(out, [2]string{id, strings.Fields(s.Find(`[data-testid="topup-amount"]`).Text())[0]})
		})
		return out
	}
	if got := amounts(r); len(got) != 2 || got[0] != [2]string{s0.ID, want(s0)} || got[1] != [2]string{s1.ID, want(s1)} {
		t.Fatalf("proposal %v, want %s %s and %s %s", got, s0.ID, want(s0), s1.ID, want(s1))
	}
	if r.testid(t, "topup-funds") == "" || !strings.Contains(r.testid(t, "topup-heading"), "Propose top-ups") {
		t.Fatalf("funds %q", r.testid(t, "topup-funds"))
	}
	form := r.doc(t).Find(`[data-testid="topup-form"]`)
	hidden := func(name string) string { v, _ := form.Find(`input[name="` + name + `"]`).Attr("value"); return v }
	post := url.Values{"below": {hidden("below")}, "target": {hidden("target")}, "step": {hidden("step")}, "master": {hidden("master")},
		"fingerprint": {hidden("fingerprint")}, "idempotency_key": {hidden("idempotency_key")}}
	if v, _ := form.Find(`[data-testid="topup-reason"]`).Attr("value"); v != "Top-ups to 30 days of runway" || post.Get("fingerprint") == "" {
		t.Fatalf("default reason %q, fingerprint %q", v, post.Get("fingerprint"))
	}
	// A wider horizon takes s2 as well; a coarser step rounds up further.
	if got := amounts(fay.get("/operations/top-ups/propose?below=45&target=45&step=1000")); len(got) != 3 {
		t.Fatalf("within 45 days: %v", got)
	}

	// Bad parameters: the form again with the input and the reason; nothing to draft.
	r = fay.get("/operations/top-ups/propose?below=14&target=10&step=abc")
	if r.status != http.StatusUnprocessableEntity || r.testid(t, "topup-target-error") == "" || r.testid(t, "topup-step-error") == "" || r.has(t, "topup-form") {
		t.Fatalf("bad parameters: %d %q %q", r.status, r.testid(t, "topup-target-error"), r.testid(t, "topup-step-error"))
	}
	if v, _ := r.doc(t).Find(`[data-testid="topup-step"]`).Attr("value"); v != "abc" {
		t.Fatalf("the step typed is not kept: %q", v)
	}
	fay.lang = "zh-CN"
	r = fay.get("/operations/top-ups/propose?below=x")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "topup-below-error"), "整数天数") || !strings.Contains(r.testid(t, "topup-heading"), "建议充值") {
		t.Fatalf("zh: %d %q", r.status, r.testid(t, "topup-below-error"))
	}
	zh := fay.get("/operations/top-ups/propose")
	if v, _ := zh.doc(t).Find(`[data-testid="topup-reason"]`).Attr("value"); v != "充值至 30 天可用期" {
		t.Fatalf("zh reason %q", v)
	}
	noReason := url.Values{}
	for k, v := range post {
		noReason[k] = v
	}
	noReason.Set("reason", "")
	if r := fay.post("/operations/top-ups/propose", noReason); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "topup-reason-error"), "原因") {
		t.Fatalf("zh, no reason: %d %q", r.status, r.testid(t, "topup-reason-error"))
	}
	fay.lang = ""

	// The figures moved since the preview (s1 spent more): the new proposal to check, no batch.
	moved := rs[s1.ID]
	moved.Burn = moved.Burn.Mul(decimal.NewFromInt(2))
	p.setRunways(map[string]store.Runway{s1.ID: moved})
	post.Set("reason", "Top-ups for December")
	if r := fay.post("/operations/top-ups/propose", post); r.status != http.StatusConflict || r.testid(t, "topup-notice") == "" {
		t.Fatalf("moved: %d", r.status)
	}
	p.setRunways(map[string]store.Runway{s1.ID: rs[s1.ID]})

	// Drafted: one pending batch of the previewed transfers; submitting again is the same batch.
	r = fay.post("/operations/top-ups/propose", post)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/operations/batches/") {
		t.Fatalf("draft: %d %q %s", r.status, r.location, r.testid(t, "topup-errors"))
	}
	if again := fay.post("/operations/top-ups/propose", post); again.location != r.location {
		t.Fatalf("a second submit: %q, first %q", again.location, r.location)
	}
	batch := fay.get(r.location)
	if batch.status != http.StatusOK || !strings.Contains(batch.body, "Top-ups for December") {
		t.Fatalf("batch page: %d", batch.status)
	}
	ops, err := p.db.ListOperations(ctx, store.OperationFilter{SubAccountID: s0.ID, Limit: 10})
	if err != nil || len(ops) != 1 || ops[0].State != "pending" || ops[0].Kind != "transfer_funds" || ops[0].BatchID == nil ||
		money.TextOf(*ops[0].Amount, "CNY") != money.TextOf(strings.ReplaceAll(want(s0), ",", ""), "CNY") {
		t.Fatalf("the batch's row for s0: %+v %v", ops, err)
	}
	// A viewer of the dashboard may not propose.
	p.addUser("val", testSecret, "viewer")
	if r := p.as("val").get("/operations/top-ups/propose"); r.status != http.StatusForbidden {
		t.Fatalf("viewer: %d", r.status)
	}
}
