package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// TestOperationKindsFromForms creates every kind through its form against the synced
// sandbox cache, on both databases: each lands pending with its snapshot on its page.
func TestOperationKindsFromForms(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		ctx := context.Background()
		fay := p.as("fay")
		subs := p.normalSubs(2)
		sub := subs[0]
		forms := map[string]url.Values{
			"transfer_funds": {"sub_account_id": {sub.ID}, "amount": {"12.50"}, "balance_type": {"debit"}},
			"retrieve_funds": {"sub_account_id": {sub.ID}, "amount": {"1.00"}, "balance_type": {"debit"}},
		}
		master, _, err := db.ListCoupons(ctx, authz.Everything, store.CouponFilter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, cp := range master {
			if cp.Balance.IsPositive() {
				forms["transfer_coupon"] = url.Values{"sub_account_id": {sub.ID}, "coupon_id": {cp.CouponID}, "amount": {"1.00"}}
				break
			}
		}
		held, _, err := db.ListCoupons(ctx, authz.Everything, store.CouponFilter{AllHolders: true, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, cp := range held {
			if cp.SubCouponID != "" && cp.SubAccountID != "" {
				if sa, err := db.SubAccountByID(ctx, cp.SubAccountID); err == nil && sa.Status == 1 {
					forms["retrieve_coupon"] = url.Values{"sub_account_id": {cp.SubAccountID}, "coupon_id": {cp.CouponID}, "sub_coupon_id": {cp.SubCouponID}}
					break
				}
			}
		}
		res, _, err := db.ListResources(ctx, authz.Everything, store.ResourceFilter{Status: 2, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var main string
		for _, r := range res {
			if r.IsMain {
				main = r.ResourceID
				break
			}
		}
		if main == "" {
			t.Fatal("no main resource in the sandbox cache")
		}
		forms["renew_resources"] = url.Values{"resource_ids": {main}, "period_type": {"month"}, "period_num": {"1"}}
		forms["unsubscribe_resources"] = url.Values{"resource_ids": {main}, "unsubscribe_type": {"2"}, "unsubscribe_reason_type": {"5"}}
		forms["to_on_demand"] = url.Values{"resource_ids": {main}, "operation": {"set"}}
		forms["auto_renew"] = url.Values{"resource_ids": {main}, "operation": {"set"}, "period_type": {"month"}, "auto_renew_times": {"0"}}
		for _, k := range approval.Kinds {
			form, ok := forms[string(k)]
			if !ok {
				t.Fatalf("the sandbox cache has nothing to %s", k)
			}
			// The form of the kind opens prefilled from the sub-account.
			r := fay.get("/operations/new?kind=" + string(k) + "&sub_account_id=" + url.QueryEscape(sub.ID))
			if r.status != http.StatusOK || !r.has(t, "op-form") {
				t.Fatalf("%s form: %d", k, r.status)
			}
			id := fay.draft(string(k), form)
			page := fay.get("/operations/" + id)
			if page.status != http.StatusOK {
				t.Fatalf("%s page: %d", k, page.status)
			}
			if got := page.testid(t, "op-state"); got != "Pending approval" {
				t.Fatalf("%s: state %q", k, got)
			}
			if page.testid(t, "snap-trans-id") == "" || len(page.testid(t, "snapshot-hash")) != 64 {
				t.Fatalf("%s: the snapshot lacks trans_id or hash", k)
			}
			if page.doc(t).Find(`[data-testid="timeline-entry"]`).Length() < 2 {
				t.Fatalf("%s: timeline has no create/submit entries", k)
			}
		}
	})
}

// TestOperationFormErrorsKeepInput: a wrong amount comes back 422 with the reason beside
// the field, in the reader's language, and everything typed still there.
func TestOperationFormErrorsKeepInput(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	for _, lang := range []string{"en", "zh"} {
		b := p.as("fay")
		b.lang = lang
		key := b.formKey("/operations/new?kind=transfer_funds&sub_account_id=" + url.QueryEscape(sub.ID))
		r := b.post("/operations", url.Values{"kind": {"transfer_funds"}, "idempotency_key": {key}, "sub_account_id": {sub.ID},
			"amount": {"12.345"}, "balance_type": {"debit"}, "reason": {"keep me"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d", lang, r.status)
		}
		want := map[string]string{"en": "At most two decimals.", "zh": "最多两位小数。"}[lang]
		if got := r.testid(t, "error-amount"); got != want {
			t.Fatalf("%s: amount error %q", lang, got)
		}
		d := r.doc(t)
		if v, _ := d.Find(`[data-testid="input-amount"]`).Attr("value"); v != "12.345" {
			t.Fatalf("%s: amount not kept: %q", lang, v)
		}
		if v, _ := d.Find(`[data-testid="input-sub_account_id"]`).Attr("value"); v != sub.ID {
			t.Fatalf("%s: sub-account not kept: %q", lang, v)
		}
		if got := r.testid(t, "input-reason"); got != "keep me" {
			t.Fatalf("%s: reason not kept: %q", lang, got)
		}
		if k, _ := d.Find(`[data-testid="idempotency-key"]`).Attr("value"); k != key {
			t.Fatalf("%s: the form's key changed on error", lang)
		}
		// More than the sub-account holds: the reason names what is available.
		r = b.post("/operations", url.Values{"kind": {"retrieve_funds"}, "idempotency_key": {key}, "sub_account_id": {sub.ID},
			"amount": {"999999999.00"}, "balance_type": {"debit"}, "reason": {"x"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "error-amount"), sub.Debit.String()) {
			t.Fatalf("%s: over-available: %d %q", lang, r.status, r.testid(t, "error-amount"))
		}
		if r.testid(t, "input-reason") != "x" {
			t.Fatalf("%s: reason lost", lang)
		}
	}
	if n := countOps(t, p); n != 0 {
		t.Fatalf("invalid forms created %d operations", n)
	}
}

func countOps(t *testing.T, p *portal) int {
	t.Helper()
	ops, err := p.db.ListOperations(context.Background(), store.OperationFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(ops)
}

// TestDoubleSubmitIsOneOperation: the same rendered form posted twice names one
// operation; its key reused with different input is a 409.
func TestDoubleSubmitIsOneOperation(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	fay := p.as("fay")
	key := fay.formKey("/operations/new?kind=transfer_funds")
	form := url.Values{"idempotency_key": {key}, "sub_account_id": {sub.ID}, "amount": {"5.00"}, "balance_type": {"debit"}}
	a := fay.draft("transfer_funds", form)
	b := fay.draft("transfer_funds", form)
	if a != b || countOps(t, p) != 1 {
		t.Fatalf("double submit: %s and %s, %d operations", a, b, countOps(t, p))
	}
	form.Set("amount", "6.00")
	r := fay.post("/operations", form)
	if r.status != http.StatusConflict || !r.has(t, "error-page") {
		t.Fatalf("same key, other input: %d", r.status)
	}
	if countOps(t, p) != 1 {
		t.Fatal("the conflicting submit created an operation")
	}
}

// TestApproveWithTOTPExecutes: the approver sees the request in the inbox (and its
// count), a wrong code is refused with the input kept, the right code approves and the
// executor runs it to succeeded; the requester is notified.
func TestApproveWithTOTPExecutes(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		sub := p.normalSubs(1)[0]
		fay, abby := p.as("fay"), p.as("abby")
		id := fay.transfer(sub.ID, "100.00")
		own := fay.get("/operations/" + id)
		if own.has(t, "approve-form") || !own.has(t, "cancel-form") {
			t.Fatal("the requester is offered approval, or not the cancel button")
		}
		inbox := abby.get("/approvals")
		if inbox.status != http.StatusOK || inbox.doc(t).Find(`[data-testid="inbox-row"]`).Length() != 1 {
			t.Fatalf("inbox: %d, rows %d", inbox.status, inbox.doc(t).Find(`[data-testid="inbox-row"]`).Length())
		}
		if got := inbox.testid(t, "nav-count-approvals"); got != "1" {
			t.Fatalf("nav badge %q, want 1", got)
		}
		if got := abby.get("/").testid(t, "pending-count"); got != "1" {
			t.Fatalf("dashboard pending %q", got)
		}
		if fay.get("/approvals").status != http.StatusForbidden {
			t.Fatal("finance opened the approvals inbox")
		}
		page := abby.get("/operations/" + id)
		hash, _ := page.doc(t).Find(`[data-testid="approve-form"] input[name="snapshot_hash"]`).Attr("value")
		if !page.has(t, "approve-form") || hash == "" || !strings.Contains(page.testid(t, "snap-amount"), "100.00") {
			t.Fatal("the approver does not see the snapshot and the approve form")
		}
		r := abby.post("/operations/"+id+"/approve", url.Values{"code": {"000000"}, "comment": {"looks right"}, "snapshot_hash": {hash}})
		if r.status != http.StatusUnprocessableEntity || !r.has(t, "decide-error") || r.testid(t, "approve-comment") != "looks right" {
			t.Fatalf("wrong code: %d", r.status)
		}
		if p.opState(id) != approval.StatePending {
			t.Fatal("a wrong code moved the operation")
		}
		r = abby.post("/operations/"+id+"/approve", url.Values{"code": {abby.code(testSecret)}, "comment": {"ok"}, "snapshot_hash": {hash}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", r.status, errorsOf(t, r))
		}
		p.waitState(id, approval.StateSucceeded)
		done := fay.get("/operations/" + id)
		if done.testid(t, "op-state") != "Succeeded" || done.doc(t).Find(`[data-testid="op-approval"]`).Length() != 1 {
			t.Fatalf("after execution: %q", done.testid(t, "op-state"))
		}
		if abby.get("/approvals").doc(t).Find(`[data-testid="inbox-row"]`).Length() != 0 {
			t.Fatal("the decided request is still in the inbox")
		}
		// The requester's bell: approved, then succeeded.
		home := fay.get("/notifications")
		if home.doc(t).Find(`[data-testid="notification"]`).Length() < 2 || home.testid(t, "bell-count") == "" {
			t.Fatalf("notifications: %d", home.doc(t).Find(`[data-testid="notification"]`).Length())
		}
		if r := fay.post("/notifications/read", url.Values{}); r.status != http.StatusSeeOther {
			t.Fatalf("mark read: %d", r.status)
		}
		if fay.get("/notifications").has(t, "bell-count") {
			t.Fatal("bell still counts after marking all read")
		}
	})
}

// TestSelfApprovalRefusedEverywhere: a user holding finance, approver and admin cannot
// approve or reject their own request, from the page or the API; each try is audited.
func TestSelfApprovalRefusedEverywhere(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	boss := p.as("boss")
	id := boss.transfer(sub.ID, "10.00")
	if boss.get("/operations/"+id).has(t, "approve-form") {
		t.Fatal("the requester is shown the approve form")
	}
	if boss.get("/approvals").doc(t).Find(`[data-testid="inbox-row"]`).Length() != 0 {
		t.Fatal("one's own request is in one's inbox")
	}
	r := boss.post("/operations/"+id+"/approve", url.Values{"code": {boss.code(testSecret)}, "snapshot_hash": {p.snapshotOf(id)}})
	if r.status != http.StatusForbidden || !strings.Contains(r.testid(t, "decide-error"), "cannot approve") {
		t.Fatalf("page self-approval: %d %q", r.status, r.testid(t, "decide-error"))
	}
	tok := p.token("boss")
	api := p.api(tok, "POST", "/api/v1/operations/"+id+"/approve", `{"code":"`+boss.code(testSecret)+`","comment":"me"}`)
	if api.status != http.StatusForbidden || !strings.Contains(api.body, `"self_approval"`) {
		t.Fatalf("API self-approval: %d %s", api.status, api.body)
	}
	api = p.api(tok, "POST", "/api/v1/operations/"+id+"/reject", `{"comment":"me"}`)
	if api.status != http.StatusForbidden {
		t.Fatalf("API self-rejection: %d", api.status)
	}
	denied := 0
	for _, e := range p.events(approval.ActionApprove) {
		if e.Outcome == "denied" {
			denied++
		}
	}
	if denied != 2 || p.opState(id) != approval.StatePending {
		t.Fatalf("denied approve events %d, state %s", denied, p.opState(id))
	}
}

// TestTwoApproversAboveThreshold: 10,000.00 needs two distinct approvers.
func TestTwoApproversAboveThreshold(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	fay, abby, alan := p.as("fay"), p.as("abby"), p.as("alan")
	id := fay.transfer(sub.ID, "10000.00")
	if got := fay.get("/operations/"+id).testid(t, "op-approvals-summary"); got != "0 of 2 approvals" {
		t.Fatalf("summary %q", got)
	}
	if r := abby.post("/operations/"+id+"/approve", url.Values{"code": {abby.code(testSecret)}, "snapshot_hash": {p.snapshotOf(id)}}); r.status != http.StatusSeeOther {
		t.Fatalf("first approval: %d", r.status)
	}
	page := abby.get("/operations/" + id)
	if p.opState(id) != approval.StatePending || page.testid(t, "op-approvals-summary") != "1 of 2 approvals" || page.has(t, "approve-form") {
		t.Fatalf("after one approval: %s %q", p.opState(id), page.testid(t, "op-approvals-summary"))
	}
	if r := abby.post("/operations/"+id+"/approve", url.Values{"code": {abby.code(testSecret)}, "snapshot_hash": {p.snapshotOf(id)}}); r.status != http.StatusConflict {
		t.Fatalf("the same approver twice: %d", r.status)
	}
	if r := alan.post("/operations/"+id+"/approve", url.Values{"code": {alan.code(testSecret)}, "snapshot_hash": {p.snapshotOf(id)}}); r.status != http.StatusSeeOther {
		t.Fatalf("second approval: %d", r.status)
	}
	if st := p.opState(id); st == approval.StatePending {
		t.Fatal("two approvals did not approve")
	}
}

// TestRejectCancelResolve: reject ends a request; the requester cancels until approved
// (nobody else can); an admin resolves an unknown outcome with a reason.
func TestRejectCancelResolve(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	fay, fred, abby, adam := p.as("fay"), p.as("fred"), p.as("abby"), p.as("adam")
	a := fay.transfer(sub.ID, "1.00")
	if r := abby.post("/operations/"+a+"/reject", url.Values{"comment": {"wrong account"}}); r.status != http.StatusSeeOther {
		t.Fatalf("reject: %d", r.status)
	}
	if p.opState(a) != approval.StateRejected {
		t.Fatal("not rejected")
	}
	if r := fay.post("/operations/"+a+"/cancel", nil); r.status != http.StatusConflict {
		t.Fatalf("cancel a rejected operation: %d", r.status)
	}
	b := fay.transfer(sub.ID, "2.00")
	if r := fred.post("/operations/"+b+"/cancel", nil); r.status != http.StatusForbidden {
		t.Fatalf("cancel someone else's: %d", r.status)
	}
	if r := fay.post("/operations/"+b+"/cancel", nil); r.status != http.StatusSeeOther || p.opState(b) != approval.StateCancelled {
		t.Fatalf("cancel own: %d %s", r.status, p.opState(b))
	}
	c := fay.transfer(sub.ID, "3.00")
	p.forceState(c, approval.StatePending, approval.StateUnknown)
	page := adam.get("/operations/" + c)
	if !page.has(t, "resolve-form") || fay.get("/operations/"+c).has(t, "resolve-form") {
		t.Fatal("the resolve form is not for admins only")
	}
	r := adam.post("/operations/"+c+"/resolve", url.Values{"outcome": {"succeeded"}, "reason": {""}})
	if r.status != http.StatusUnprocessableEntity || !r.has(t, "resolve-error") {
		t.Fatalf("resolve without a reason: %d", r.status)
	}
	r = adam.post("/operations/"+c+"/resolve", url.Values{"outcome": {"succeeded"}, "reason": {"seen in the console's records"}})
	if r.status != http.StatusSeeOther || p.opState(c) != approval.StateSucceeded {
		t.Fatalf("resolve: %d %s", r.status, p.opState(c))
	}
	if got := adam.get("/operations/"+c).testid(t, "op-resolution"); !strings.Contains(got, "console") {
		t.Fatalf("resolution not shown: %q", got)
	}
}

// TestOperationsAPI checks the JSON contract: statuses, shapes and errors.
func TestOperationsAPI(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	fay, abby := p.token("fay"), p.token("abby")
	body := `{"kind":"transfer_funds","sub_account_id":"` + sub.ID + `","amount":"7.00","balance_type":"debit","reason":"api"}`
	r := p.api(fay, "POST", "/api/v1/operations", body, "Idempotency-Key", "api-key-0001")
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var op struct {
		ID                                        int64
		Kind, State, TransID, Amount, RequestedBy string
		Approvals                                 []any
		Error                                     any
	}
	decode := func(r response, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(strings.ReplaceAll(strings.ReplaceAll(r.body, `"trans_id"`, `"transid"`), `"requested_by"`, `"requestedby"`)), v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
	decode(r, &op)
	if op.State != "pending" || len(op.TransID) != 32 || op.Amount != "7.00" || op.RequestedBy != "fay" || op.Approvals == nil {
		t.Fatalf("created: %+v", op)
	}
	again := p.api(fay, "POST", "/api/v1/operations", body, "Idempotency-Key", "api-key-0001")
	var op2 struct{ ID int64 }
	decode(again, &op2)
	if op2.ID != op.ID {
		t.Fatalf("replay created %d, want %d", op2.ID, op.ID)
	}
	if r := p.api(fay, "POST", "/api/v1/operations", strings.Replace(body, "7.00", "8.00", 1), "Idempotency-Key", "api-key-0001"); r.status != http.StatusConflict {
		t.Fatalf("key reuse: %d", r.status)
	}
	r = p.api(fay, "POST", "/api/v1/operations", `{"kind":"transfer_funds","sub_account_id":"`+sub.ID+`","amount":"-1","reason":""}`)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"amount"`) || !strings.Contains(r.body, `"reason"`) {
		t.Fatalf("invalid: %d %s", r.status, r.body)
	}
	if r := p.api(fay, "POST", "/api/v1/operations", `{"kind":`); r.status != http.StatusBadRequest {
		t.Fatalf("bad json: %d", r.status)
	}
	id := "/api/v1/operations/" + itoa(op.ID)
	if r := p.api(fay, "GET", id, ""); r.status != http.StatusOK || !strings.Contains(r.body, `"trans_id"`) {
		t.Fatalf("get: %d", r.status)
	}
	list := p.api(abby, "GET", "/api/v1/operations?state=pending&kind=transfer_funds&limit=1", "")
	if list.status != http.StatusOK || !strings.Contains(list.body, `"items":[{`) || !strings.Contains(list.body, `"next_cursor"`) {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	if r := p.api(abby, "GET", "/api/v1/operations?state=nope", ""); r.status != http.StatusBadRequest {
		t.Fatalf("bad state: %d", r.status)
	}
	if r := p.api(fay, "POST", id+"/approve", `{"code":"123456"}`); r.status != http.StatusForbidden {
		t.Fatalf("finance approves: %d", r.status)
	}
	if r := p.api(abby, "POST", id+"/approve", `{"code":"000000"}`); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d %s", r.status, r.body)
	}
	if r := p.api(abby, "POST", id+"/reject", `{"comment":"no"}`); r.status != http.StatusOK || !strings.Contains(r.body, `"state":"rejected"`) {
		t.Fatalf("reject: %d %s", r.status, r.body)
	}
	if r := p.api(abby, "POST", id+"/approve", `{"code":"`+p.browser().code(testSecret)+`"}`); r.status != http.StatusConflict {
		t.Fatalf("approve a rejected one: %d %s", r.status, r.body)
	}
	if r := p.api(fay, "POST", id+"/cancel", ""); r.status != http.StatusConflict || !strings.Contains(r.body, `"wrong_state"`) {
		t.Fatalf("cancel a rejected one: %d %s", r.status, r.body)
	}
	if r := p.api(fay, "GET", "/api/v1/operations/999999", ""); r.status != http.StatusNotFound {
		t.Fatalf("missing: %d", r.status)
	}
}

// TestSubAccountPageOperations: the sub-account page offers Transfer / Recover and lists
// the operations about it; the dashboard lists recent ones.
func TestSubAccountPageOperations(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	fay := p.as("fay")
	page := fay.get("/sub-accounts/" + sub.ID)
	href, _ := page.doc(t).Find(`[data-testid="sa-transfer"]`).Attr("href")
	if !strings.Contains(href, "kind=transfer_funds") || !strings.Contains(href, sub.ID) || !page.has(t, "sa-recover") {
		t.Fatalf("transfer button: %q", href)
	}
	form := fay.get(href)
	if v, _ := form.doc(t).Find(`[data-testid="input-sub_account_id"]`).Attr("value"); v != sub.ID || !form.has(t, "sub-debit") {
		t.Fatalf("prefill: %q", v)
	}
	fay.transfer(sub.ID, "3.00")
	if fay.get("/sub-accounts/"+sub.ID).doc(t).Find(`[data-testid="sa-operation"]`).Length() != 1 {
		t.Fatal("the operation is not on the sub-account page")
	}
	if fay.get("/").doc(t).Find(`[data-testid="recent-operation"]`).Length() != 1 {
		t.Fatal("the operation is not on the dashboard")
	}
	list := fay.get("/operations?view=all&sub_account_id=" + url.QueryEscape(sub.ID))
	if list.doc(t).Find(`[data-testid="op-row"]`).Length() != 1 {
		t.Fatal("the list filter by sub-account")
	}
	if p.as("abby").get("/operations?view=history").doc(t).Find(`[data-testid="op-row"]`).Length() != 0 {
		t.Fatal("a pending operation is in the history")
	}
	// Several selected sub-accounts go to the bulk page.
	if r := fay.get("/operations/new?kind=transfer_funds&sub_account_id=a&sub_account_id=b"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/operations/bulk/selection?") {
		t.Fatalf("bulk select: %d %q", r.status, r.location)
	}
}

// TestCreateWritesCreateAndSubmit documents what the service records for a request
// today: operation.create and operation.submit (see the coverage note in the report).
func TestCreateWritesCreateAndSubmit(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	fay := p.as("fay")
	p.mark()
	fay.transfer(sub.ID, "1.00")
	var got []string
	for _, e := range p.since() {
		got = append(got, e.Action)
	}
	if strings.Join(got, ",") != "operation.create,operation.submit" {
		t.Fatalf("events %v", got)
	}
}
