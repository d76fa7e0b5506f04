package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// unitWithCash is an organisation unit of the synced tree with a normal sub-account that
// has cash, and that sub-account.
func (p *portal) unitWithCash() (string, store.SubAccount) {
	p.t.Helper()
	for _, s := range p.normalSubs(10) {
		if s.OrgID != "" && len(s.OrgPath) > 0 {
			return s.OrgID, s
		}
	}
	p.t.Fatal("no sub-account inside a unit")
	return "", store.SubAccount{}
}

// groupID is the id of the approver group named name.
func (p *portal) groupID(name string) string {
	p.t.Helper()
	gs, err := p.db.ApproverGroups(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	for _, g := range gs {
		if g.Name == name {
			return strconv.FormatInt(g.ID, 10)
		}
	}
	p.t.Fatalf("no group %q", name)
	return ""
}

// saveGroup creates an approver group of members as b (code "": the step-up window).
func (b *browser) saveGroup(name, code string, members ...string) response {
	b.p.t.Helper()
	form := url.Values{"name": {name}, "code": {code}}
	for _, m := range members {
		u, err := b.p.db.UserByUsername(context.Background(), m)
		if err != nil {
			b.p.t.Fatal(err)
		}
		form.Add("member", strconv.FormatInt(u.ID, 10))
	}
	return b.post("/admin/matrix/groups", form)
}

// opHash is an operation's snapshot hash, as its page sends it.
func (p *portal) opHash(id string) string {
	p.t.Helper()
	n, _ := strconv.ParseInt(id, 10, 64)
	op, err := p.db.OperationByID(context.Background(), n)
	if err != nil {
		p.t.Fatal(err)
	}
	return op.SnapshotHash
}

// TestMatrixTwoLevelsOnTheWeb: an admin makes two groups and a rule of two ordered
// levels for a unit; a transfer there shows its route and who can approve; level 2 is
// refused and sees no approve form until level 1 approved, then approves, in English and
// Chinese.
func TestMatrixTwoLevelsOnTheWeb(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	unit, sub := p.unitWithCash()
	adam := p.as("adam")
	if r := adam.get("/admin/matrix"); r.status != http.StatusOK || !r.has(t, "matrix-no-rules") {
		t.Fatalf("matrix page: %d", r.status)
	}
	if r := p.as("fay").get("/admin/matrix"); r.status != http.StatusForbidden {
		t.Fatalf("finance opened the matrix: %d", r.status)
	}
	if r := adam.get("/admin/matrix/groups/new"); r.status != http.StatusOK || !r.has(t, "group-form") {
		t.Fatalf("group form: %d", r.status)
	}
	if r := adam.saveGroup("Treasury", adam.code(testSecret), "abby"); r.status != http.StatusSeeOther {
		t.Fatalf("group: %d %s", r.status, errorsOf(t, r))
	}
	if r := adam.saveGroup("CFO office", "", "alan"); r.status != http.StatusSeeOther {
		t.Fatalf("second group within the step-up window: %d %s", r.status, errorsOf(t, r))
	}
	form := url.Values{"kind": {"transfer_funds"}, "org_unit_id": {unit}, "sequential": {"on"},
		"count_1": {"1"}, "group_1": {p.groupID("Treasury")}, "count_2": {"1"}, "group_2": {p.groupID("CFO office")}, "code": {"000000"}}
	if r := adam.post("/admin/matrix/rules", form); r.status != http.StatusUnprocessableEntity || !r.has(t, "rule-code-error") {
		t.Fatalf("a rule with a wrong code: %d", r.status)
	}
	form.Set("code", adam.code(testSecret))
	if r := adam.post("/admin/matrix/rules", form); r.status != http.StatusSeeOther || r.location != "/admin/matrix" {
		t.Fatalf("rule: %d %s", r.status, errorsOf(t, r))
	}
	if r := adam.get("/admin/matrix"); !strings.Contains(r.testid(t, "matrix-rule-needs"), "then level 2 — 1 of CFO office") {
		t.Fatalf("rule list: %q", r.testid(t, "matrix-rule-needs"))
	}

	id := p.as("fay").transfer(sub.ID, "10.00")
	page := p.as("fay").get("/operations/" + id)
	if got := page.testid(t, "route-summary"); got != "Needs: level 1 — 1 of Treasury; then level 2 — 1 of CFO office" {
		t.Fatalf("route summary %q", got)
	}
	if !strings.Contains(page.testid(t, "route-rule"), "rule #") || !strings.Contains(page.testid(t, "route-why"), "only rule") || page.has(t, "route-explain") {
		t.Fatalf("which rule and why: %q", page.testid(t, "route-rule"))
	}
	if r := adam.get("/operations/" + id); !r.has(t, "route-explain") {
		t.Fatal("an admin is not offered the explanation of the rule")
	}
	var who []string
	page.doc(t).Find(`[data-testid="route-approvers"]`).Each(func(_ int, s *goquery.Selection) { who = append(who, strings.TrimSpace(s.Text())) })
	if strings.Join(who, "|") != "abby|alan" {
		t.Fatalf("who can approve: %v", who)
	}

	// The JSON API carries the same route, and tells its caller whether they may approve.
	var api struct {
		Route struct {
			RuleID     int64 `json:"rule_id"`
			Sequential bool  `json:"sequential"`
			Levels     []struct {
				Level, Count, Approved int
				Group                  string
				Open                   bool
				Approvers              []string
			} `json:"levels"`
			CanApprove bool   `json:"can_approve"`
			WhyNot     string `json:"why_not"`
		} `json:"route"`
	}
	for user, want := range map[string]struct {
		can bool
		why string
	}{"abby": {true, ""}, "alan": {false, "later_level"}} {
		r := p.api(p.token(user), "GET", "/api/v1/operations/"+id, "")
		if err := json.Unmarshal([]byte(r.body), &api); err != nil || r.status != http.StatusOK {
			t.Fatalf("api as %s: %d %v", user, r.status, err)
		}
		rt := api.Route
		if rt.RuleID == 0 || !rt.Sequential || len(rt.Levels) != 2 || rt.Levels[0].Group != "Treasury" || !rt.Levels[0].Open || rt.Levels[1].Open ||
			strings.Join(rt.Levels[0].Approvers, ",") != "abby" || strings.Join(rt.Levels[1].Approvers, ",") != "alan" {
			t.Fatalf("api route as %s: %+v", user, rt)
		}
		if rt.CanApprove != want.can || rt.WhyNot != want.why {
			t.Fatalf("api as %s: can approve %v (%q), want %v (%q)", user, rt.CanApprove, rt.WhyNot, want.can, want.why)
		}
	}

	alan := p.as("alan")
	r := alan.get("/operations/" + id)
	if r.has(t, "approve-form") || !r.has(t, "route-note") {
		t.Fatalf("level 2 before level 1: form %v, note %v", r.has(t, "approve-form"), r.has(t, "route-note"))
	}
	if r := alan.get("/approvals"); r.has(t, "inbox-row") {
		t.Fatal("level 2's inbox lists the request before level 1")
	}
	r = alan.post("/operations/"+id+"/approve", url.Values{"code": {alan.code(testSecret)}, "snapshot_hash": {p.opHash(id)}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "waits for its earlier level") {
		t.Fatalf("level 2 approves first: %d", r.status)
	}
	abby := p.as("abby")
	if r := abby.post("/operations/"+id+"/approve", url.Values{"code": {abby.code(testSecret)}, "snapshot_hash": {p.opHash(id)}}); r.status != http.StatusSeeOther {
		t.Fatalf("level 1: %d", r.status)
	}
	alan.lang = "zh"
	r = alan.get("/operations/" + id)
	if !r.has(t, "approve-form") || !strings.Contains(r.testid(t, "route-summary"), "第 2 级 — CFO office 中 1 人") {
		t.Fatalf("level 2 after level 1: form %v, %q", r.has(t, "approve-form"), r.testid(t, "route-summary"))
	}
	if r := alan.get("/approvals"); !r.has(t, "inbox-row") {
		t.Fatal("level 2's inbox is empty after level 1")
	}
	if r := alan.post("/operations/"+id+"/approve", url.Values{"code": {alan.code(testSecret)}, "snapshot_hash": {p.opHash(id)}}); r.status != http.StatusSeeOther {
		t.Fatalf("level 2: %d", r.status)
	}
	p.waitState(id, approval.StateSucceeded)
}

// TestMatrixFourEyesOnTheWeb: a rule that lowers what some requests need is held; its
// author cannot approve it, another admin does; the explain form then names the rule and
// why it applies.
func TestMatrixFourEyesOnTheWeb(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	unit, sub := p.unitWithCash()
	adam := p.as("adam")
	form := url.Values{"kind": {"transfer_funds"}, "org_unit_id": {unit}, "count_1": {"1"}, "group_1": {"0"}, "code": {adam.code(testSecret)}}
	if r := adam.post("/admin/matrix/rules", form); r.status != http.StatusSeeOther {
		t.Fatalf("lowering rule: %d %s", r.status, errorsOf(t, r))
	}
	if rules, _ := p.db.ApprovalRules(context.Background(), ""); len(rules) != 0 {
		t.Fatalf("a lowering rule applied at once: %+v", rules)
	}
	changes, err := p.db.RuleChanges(context.Background(), []string{store.RuleChangePending}, 10)
	if err != nil || len(changes) != 1 {
		t.Fatalf("held changes %+v %v", changes, err)
	}
	ch := strconv.FormatInt(changes[0].ID, 10)
	r := adam.get("/admin/matrix")
	if !r.has(t, "change-lowers") || !r.has(t, "change-withdraw") || r.has(t, "change-approve") {
		t.Fatal("the author's view of a held change")
	}
	if r := adam.post("/admin/matrix/changes/"+ch+"/approve", url.Values{"code": {adam.code(testSecret)}}); r.status != http.StatusForbidden || !r.has(t, "change-error") {
		t.Fatalf("the author approves: %d", r.status)
	}
	boss := p.as("boss")
	if r := boss.get("/admin/matrix"); !r.has(t, "change-approve") {
		t.Fatal("another admin cannot approve the change")
	}
	if r := boss.post("/admin/matrix/changes/"+ch+"/approve", url.Values{"code": {boss.code(testSecret)}}); r.status != http.StatusSeeOther {
		t.Fatalf("second admin: %d %s", r.status, r.body)
	}
	rules, _ := p.db.ApprovalRules(context.Background(), "")
	if len(rules) != 1 {
		t.Fatalf("rules after the second admin: %+v", rules)
	}
	r = adam.get("/admin/matrix/explain?kind=transfer_funds&sub_account=" + url.QueryEscape(sub.ID) + "&amount=20000.00")
	if r.status != http.StatusOK || !strings.Contains(r.testid(t, "explain-why"), "Rule #"+strconv.FormatInt(rules[0].ID, 10)+" applies") ||
		r.doc(t).Find(`[data-testid="explain-candidate"][data-applies="true"]`).Length() != 1 {
		t.Fatalf("explain: %d %q", r.status, r.testid(t, "explain-why"))
	}
	r = adam.get("/admin/matrix/explain?kind=transfer_funds&amount=20000.00")
	if !strings.Contains(r.testid(t, "explain-why"), "approval policy") || !strings.Contains(r.testid(t, "route-summary"), "2 of any approver") {
		t.Fatalf("explain outside every unit: %q %q", r.testid(t, "explain-why"), r.testid(t, "route-summary"))
	}
	if r := adam.get("/admin/matrix/explain?kind=transfer_funds&amount=1.234"); r.status != http.StatusUnprocessableEntity || !r.has(t, "error-amount") {
		t.Fatalf("explain with a bad amount: %d", r.status)
	}
}

// matrixGroup is a portal with the workflow, an admin signed in, and an approver group
// (version 1) of abby.
func matrixGroup(p *portal) (*portal, *browser, string) {
	q := opsOn(p)
	b := q.as("adam")
	if r := b.saveGroup("Treasury", b.code(testSecret), "abby"); r.status != http.StatusSeeOther {
		p.t.Fatalf("group: %d", r.status)
	}
	return q, b, q.groupID("Treasury")
}

// matrixRule is an admin signed in and a rule (version 1) needing three approvals, from
// extra's band ("min", "10000.00" …) when given.
func matrixRule(p *portal, extra ...string) (*browser, string) {
	q := opsOn(p)
	b := q.as("adam")
	form := url.Values{"kind": {"transfer_funds"}, "count_1": {"3"}, "code": {b.code(testSecret)}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	if r := b.post("/admin/matrix/rules", form); r.status != http.StatusSeeOther {
		p.t.Fatalf("rule: %d %s", r.status, errorsOf(p.t, r))
	}
	rules, err := q.db.ApprovalRules(context.Background(), "")
	if err != nil || len(rules) != 1 {
		p.t.Fatalf("rules %+v %v", rules, err)
	}
	return b, strconv.FormatInt(rules[0].ID, 10)
}

// matrixHeld is a portal with a rule held for a second admin (it lowers what transfers
// need), proposed by adam.
func matrixHeld(p *portal) (*portal, string) {
	q := opsOn(p)
	b := q.as("adam")
	if r := b.post("/admin/matrix/rules", url.Values{"kind": {"transfer_funds"}, "count_1": {"1"}, "code": {b.code(testSecret)}}); r.status != http.StatusSeeOther {
		p.t.Fatalf("held rule: %d", r.status)
	}
	changes, err := q.db.RuleChanges(context.Background(), []string{store.RuleChangePending}, 10)
	if err != nil || len(changes) != 1 {
		p.t.Fatalf("held changes %+v %v", changes, err)
	}
	return q, strconv.FormatInt(changes[0].ID, 10)
}
