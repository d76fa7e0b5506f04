package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
)

// freshCode moves the portal's clock to the next 30-second step and returns b's code
// for it: a second-factor code works once, so every decision in these tests signs with
// a code no earlier request (sign-in included) has used.
func (b *browser) freshCode() string {
	b.p.clock.Advance(30 * time.Second)
	return b.code(testSecret)
}

// snapshotOf is the snapshot hash the operation's page shows (what the approver signs).
func (p *portal) snapshotOf(id string) string {
	p.t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		p.t.Fatal(err)
	}
	op, err := p.db.OperationByID(context.Background(), n)
	if err != nil {
		p.t.Fatal(err)
	}
	return op.SnapshotHash
}

// approvalRows counts the approval rows of an operation.
func (p *portal) approvalRows(id string) int {
	p.t.Helper()
	n, _ := strconv.ParseInt(id, 10, 64)
	aps, err := p.db.ApprovalsOf(context.Background(), []int64{n})
	if err != nil {
		p.t.Fatal(err)
	}
	return len(aps[n])
}

// TestApproveChecksTheSnapshotInTheUseCase: the API compares the snapshot_hash it is
// given (409 snapshot_changed, nothing written); the page always sends one and a post
// without it is refused.
func TestApproveChecksTheSnapshotInTheUseCase(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	abby := p.as("abby")
	id := p.pendingOp("1.00")
	tok := p.token("abby")
	stale := strings.Repeat("0", 64)
	r := p.api(tok, "POST", "/api/v1/operations/"+id+"/approve", `{"code":"`+abby.freshCode()+`","snapshot_hash":"`+stale+`"}`)
	if r.status != http.StatusConflict || !strings.Contains(r.body, `"snapshot_changed"`) {
		t.Fatalf("API approve with a stale snapshot: %d %s", r.status, r.body)
	}
	if p.opState(id) != approval.StatePending || p.approvalRows(id) != 0 {
		t.Fatalf("a stale snapshot changed the operation: %s, %d approvals", p.opState(id), p.approvalRows(id))
	}
	r = abby.post("/operations/"+id+"/approve", url.Values{"code": {abby.freshCode()}, "comment": {"ok"}, "snapshot_hash": {stale}})
	if r.status != http.StatusConflict || !r.has(t, "decide-error") || p.opState(id) != approval.StatePending {
		t.Fatalf("page approve with a stale snapshot: %d, %s", r.status, p.opState(id))
	}
	r = abby.post("/operations/"+id+"/approve", url.Values{"code": {abby.freshCode()}, "comment": {"ok"}})
	if r.status != http.StatusBadRequest || p.opState(id) != approval.StatePending {
		t.Fatalf("page approve without the snapshot it showed: %d, %s", r.status, p.opState(id))
	}
	r = p.api(tok, "POST", "/api/v1/operations/"+id+"/approve", `{"code":"`+abby.freshCode()+`","snapshot_hash":"`+p.snapshotOf(id)+`"}`)
	if r.status != http.StatusOK || p.opState(id) == approval.StatePending {
		t.Fatalf("API approve with the current snapshot: %d %s", r.status, r.body)
	}
}

// TestRejectNeedsAReason: an empty or blank comment is refused by page and API with a
// field error; the operation stays pending.
func TestRejectNeedsAReason(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	abby := p.as("abby")
	id := p.pendingOp("1.00")
	r := abby.post("/operations/"+id+"/reject", url.Values{"comment": {"   "}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "decide-error"), "reason") {
		t.Fatalf("page reject without a reason: %d %q", r.status, r.testid(t, "decide-error"))
	}
	abby.lang = "zh-CN"
	r = abby.post("/operations/"+id+"/reject", url.Values{"comment": {""}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "decide-error"), "原因") {
		t.Fatalf("page reject without a reason (zh): %d %q", r.status, r.testid(t, "decide-error"))
	}
	tok := p.token("abby")
	api := p.api(tok, "POST", "/api/v1/operations/"+id+"/reject", `{"comment":" "}`)
	var body struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(api.body), &body)
	if api.status != http.StatusUnprocessableEntity || body.Error.Code != "validation_failed" || body.Error.Fields["comment"] == "" {
		t.Fatalf("API reject without a reason: %d %s", api.status, api.body)
	}
	if api := p.api(tok, "POST", "/api/v1/operations/"+id+"/reject", ""); api.status != http.StatusUnprocessableEntity {
		t.Fatalf("API reject with no body: %d %s", api.status, api.body)
	}
	if p.opState(id) != approval.StatePending || p.approvalRows(id) != 0 || len(p.events(approval.ActionReject)) != 0 {
		t.Fatalf("a reasonless rejection wrote: %s, %d rows", p.opState(id), p.approvalRows(id))
	}
	if r := abby.post("/operations/"+id+"/reject", url.Values{"comment": {"wrong sub-account"}}); r.status != http.StatusSeeOther {
		t.Fatalf("reject with a reason: %d", r.status)
	}
}

// TestRejectBatchNeedsAReason: a bulk batch is rejected with a reason too; without one
// the batch page refuses it (422, en + zh) and the batch stays pending.
func TestRejectBatchNeedsAReason(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	csv := "sub_account,amount,balance_type,reason\n" + sub.ID + ",1.00,debit,row\n"
	r := p.as("fay").post("/operations/bulk", url.Values{"kind": {"transfer_funds"}, "csv": {csv}, "reason": {"monthly"}, "idempotency_key": {newKey()}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("batch: %d %s", r.status, errorsOf(t, r))
	}
	batch := r.location
	abby := p.as("abby")
	for lang, want := range map[string]string{"en": "reason", "zh": "原因"} {
		abby.lang = lang
		r := abby.post(batch+"/reject", url.Values{"comment": {"  "}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "decide-error"), want) {
			t.Fatalf("%s: batch reject without a reason: %d %q", lang, r.status, r.testid(t, "decide-error"))
		}
	}
	if len(p.events(approval.ActionReject)) != 0 {
		t.Fatal("a reasonless batch rejection was recorded")
	}
	if r := abby.post(batch+"/reject", url.Values{"comment": {"wrong month"}}); r.status != http.StatusSeeOther {
		t.Fatalf("batch reject with a reason: %d", r.status)
	}
}

// TestInboxApprovesSelected: the inbox offers a checkbox per request, select-all and one
// code and comment; the selected requests are approved one by one and the page after the
// redirect says what became of each, in the reader's language.
func TestInboxApprovesSelected(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	abby, alan := p.as("abby"), p.as("alan")
	a, b, done := p.pendingOp("1.00"), p.pendingOp("2.00"), p.pendingOp("3.00")
	inbox := abby.get("/approvals")
	doc := inbox.doc(t)
	form := doc.Find(`form[data-testid="inbox-approve-form"]`)
	if form.Length() != 1 || form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != "/approvals" {
		t.Fatal("the inbox has no approve-selected form")
	}
	if form.Find(`input[type="checkbox"][data-testid="inbox-select"]`).Length() != 3 || form.Find(`a[data-testid="inbox-select-all"]`).Length() != 1 ||
		form.Find(`input[name="code"]`).Length() != 1 || form.Find(`[name="comment"]`).Length() != 1 {
		t.Fatal("the form lacks the checkboxes, select-all, code or comment")
	}
	// Select all works without a script: the link renders every row ticked.
	all := abby.get(form.Find(`a[data-testid="inbox-select-all"]`).AttrOr("href", ""))
	if n := all.doc(t).Find(`input[data-testid="inbox-select"][checked]`).Length(); n != 3 || !all.has(t, "inbox-select-none") {
		t.Fatalf("select all ticked %d rows", n)
	}
	hashes := url.Values{}
	form.Find(`input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("name")
		v, _ := s.Attr("value")
		hashes.Set(n, v)
	})
	if hashes.Get("snapshot_hash_"+a) != p.snapshotOf(a) {
		t.Fatalf("row %s does not carry its snapshot hash: %v", a, hashes)
	}
	// Someone else approves one in the meantime.
	if r := alan.post("/operations/"+done+"/approve", url.Values{"code": {alan.freshCode()}, "snapshot_hash": {p.snapshotOf(done)}}); r.status != http.StatusSeeOther {
		t.Fatalf("alan's approval: %d", r.status)
	}
	post := url.Values{"op": {a, b, done}, "comment": {"month end"}}
	for k, v := range hashes {
		post[k] = v
	}
	post.Set("code", "000000")
	r := abby.post("/approvals", post)
	if r.status != http.StatusUnprocessableEntity || !r.has(t, "inbox-approve-error") || p.opState(a) != approval.StatePending {
		t.Fatalf("a wrong code: %d, %s", r.status, p.opState(a))
	}
	post.Set("code", abby.freshCode())
	r = abby.post("/approvals", post)
	if r.status != http.StatusSeeOther || r.location != "/approvals" {
		t.Fatalf("approve selected: %d %q", r.status, r.location)
	}
	for _, id := range []string{a, b} {
		if p.opState(id) == approval.StatePending || p.approvalRows(id) != 1 {
			t.Fatalf("operation %s: %s, %d approvals", id, p.opState(id), p.approvalRows(id))
		}
	}
	if p.approvalRows(done) != 1 {
		t.Fatalf("the already approved one got another approval row")
	}
	abby.lang = "zh-CN"
	after := abby.get("/approvals")
	res := after.doc(t).Find(`[data-testid="inbox-result"]`)
	if res.Length() != 3 {
		t.Fatalf("per-item results: %d, want 3\n%s", res.Length(), after.body)
	}
	var failed string
	res.Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("data-outcome", "") == "error" {
			failed = s.AttrOr("data-id", "") + " " + strings.TrimSpace(s.Text())
		}
	})
	if !strings.HasPrefix(failed, done+" ") || !strings.Contains(failed, "状态") {
		t.Fatalf("the failed item: %q", failed)
	}
	if again := abby.get("/approvals"); again.has(t, "inbox-result") {
		t.Fatal("the results show twice")
	}
	if r := abby.post("/approvals", url.Values{"code": {abby.freshCode()}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("nothing selected: %d", r.status)
	}
}

// TestAPIApprovals: POST /api/v1/approvals verifies one code for every item and answers
// each one's outcome; a wrong code or too many items fail the whole request.
func TestAPIApprovals(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	abby := p.as("abby")
	tok := p.token("abby")
	boss := p.as("boss")
	a, b := p.pendingOp("1.00"), p.pendingOp("2.00")
	own := boss.transfer(p.normalSubs(1)[0].ID, "1.00")
	storetest.ForceOperation(t, p.db, opID(t, own), string(approval.StatePending), map[string]any{"requested_by": mustID(p, "abby")})
	body := func(code string, items string) string {
		return `{"code":"` + code + `","comment":"batch","operations":[` + items + `]}`
	}
	items := `{"id":` + a + `,"snapshot_hash":"` + p.snapshotOf(a) + `"},{"id":` + b + `,"snapshot_hash":"` + strings.Repeat("0", 64) + `"},` +
		`{"id":` + own + `},{"id":999999}`
	if r := p.api(tok, "POST", "/api/v1/approvals", body("000000", items)); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, `"step_up_failed"`) || p.opState(a) != approval.StatePending {
		t.Fatalf("wrong code: %d %s", r.status, r.body)
	}
	var many []string
	for i := 0; i < 101; i++ {
		many = append(many, `{"id":`+a+`}`)
	}
	if r := p.api(tok, "POST", "/api/v1/approvals", body(abby.freshCode(), strings.Join(many, ","))); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("101 items: %d %s", r.status, r.body)
	}
	r := p.api(tok, "POST", "/api/v1/approvals", body(abby.freshCode(), items))
	var out struct {
		Items []struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != http.StatusOK || len(out.Items) != 4 {
		t.Fatalf("batch: %d %s", r.status, r.body)
	}
	want := []string{"state:approved", "error:snapshot_changed", "error:self_approval", "error:not_found"}
	for i, it := range out.Items {
		got := "state:" + it.State
		if it.Error != nil {
			got = "error:" + it.Error.Code
			if it.Error.Message == "" {
				t.Errorf("item %d has no message", it.ID)
			}
		}
		if got != want[i] {
			t.Errorf("item %d: %s, want %s", it.ID, got, want[i])
		}
	}
	if p.opState(b) != approval.StatePending || p.approvalRows(b) != 0 || p.approvalRows(a) != 1 {
		t.Fatalf("the changed one was approved, or the good one not")
	}
}

// opID is an operation id from its path form.
func opID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
