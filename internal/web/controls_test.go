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

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// The controls of issue 15 on the web: drafting limits (/admin/limits, the refusal on
// the draft form and the API, the note on an operation's page) and delegations
// (/delegations, "on behalf of" on an operation's page, the delegator's request refused).

// controlsMutations are the audit coverage cases of the limits' and delegations' routes
// (merged into mutations).
func controlsMutations() map[string][]mutation {
	return map[string][]mutation{
		"POST /admin/limits": {
			{name: "save", action: approval.ActionLimit, do: func(p *portal) {
				b := opsOn(p).as("adam")
				p.mark()
				b.post("/admin/limits", limitsForm(b.code(testSecret)))
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				b := opsOn(p).as("adam")
				p.mark()
				b.post("/admin/limits", limitsForm("000000"))
			}},
		},
		"POST /admin/limits/users": {
			{name: "save", action: approval.ActionLimit, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.post("/admin/limits/users", url.Values{"user_id": {q.userID("fay")}, "daily": {"100.00"}, "code": {b.code(testSecret)}})
			}},
		},
		"POST /admin/limits/sub-accounts": {
			{name: "save", action: approval.ActionLimit, do: func(p *portal) {
				q := opsOn(p)
				sub := q.normalSubs(1)[0].ID
				b := q.as("adam")
				p.mark()
				b.post("/admin/limits/sub-accounts", url.Values{"sub_account_id": {sub}, "monthly": {"100.00"}, "code": {b.code(testSecret)}})
			}},
		},
		"POST /delegations": {
			{name: "from now", sequence: []string{approval.ActionDelegationCreate, approval.ActionDelegationStart}, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("abby")
				p.mark()
				b.post("/delegations", q.delegationForm("alan", b.code(testSecret)))
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("abby")
				p.mark()
				b.post("/delegations", q.delegationForm("alan", "000000"))
			}},
		},
		"POST /delegations/:id/revoke": {
			{name: "revoke", action: approval.ActionDelegationRevoke, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("abby")
				id := q.delegation(b, "alan")
				p.mark()
				b.post("/delegations/"+id+"/revoke", url.Values{"code": {b.code(testSecret)}})
			}},
		},
	}
}

// limitsForm is the defaults form: a daily limit of 1,000.00 that refuses.
func limitsForm(code string) url.Values {
	return url.Values{"daily": {"1000.00"}, "monthly": {""}, "daily_mode": {"refuse"}, "monthly_mode": {"refuse"},
		"sub_account_mode": {"refuse"}, "code": {code}}
}

// delegationForm delegates to name from now for two days.
func (p *portal) delegationForm(name, code string) url.Values {
	return url.Values{"to_user_id": {p.userID(name)}, "ends_at": {time.Now().Add(48 * time.Hour).In(webcore.DisplayZone).Format("2006-01-02T15:04")},
		"reason": {"holiday"}, "code": {code}}
}

// delegation sets one up through the page as b, to name, and returns its id.
func (p *portal) delegation(b *browser, name string) string {
	p.t.Helper()
	r := b.post("/delegations", p.delegationForm(name, b.code(testSecret)))
	if r.status != http.StatusSeeOther {
		p.t.Fatalf("delegation to %s: %d %s", name, r.status, errorsOf(p.t, r))
	}
	ds, err := p.db.Delegations(context.Background(), store.DelegationFilter{ToUserID: mustID(p, name)})
	if err != nil || len(ds) == 0 {
		p.t.Fatalf("no delegation to %s: %v", name, err)
	}
	return strconv.FormatInt(ds[0].ID, 10)
}

// A draft over a limit comes back with the figures, in English and Chinese, with the
// input kept, and the API answers 422 with the same sentence; in the "extra approval"
// mode it goes through, and its page says why it needs one approval more.
func TestLimitRefusalShowsTheFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		subs := p.normalSubs(2)
		adam := p.as("adam")
		if r := adam.post("/admin/limits", limitsForm(adam.code(testSecret))); r.status != http.StatusSeeOther {
			t.Fatalf("save limits: %d %s", r.status, errorsOf(t, r))
		}
		fay := p.as("fay")
		fay.transfer(subs[0].ID, "600.00")
		for lang, want := range map[string]string{
			"en": "Over your daily limit: 600.00 CNY drafted today + 500.00 CNY > 1,000.00 CNY.",
			"zh": "超出您的每日限额：今日已起草 600.00 CNY + 本次 500.00 CNY > 限额 1,000.00 CNY。",
		} {
			fay.lang = lang
			form := url.Values{"kind": {"transfer_funds"}, "sub_account_id": {subs[1].ID}, "amount": {"500.00"}, "balance_type": {"debit"},
				"reason": {"top-up"}, "idempotency_key": {fay.formKey("/operations/new?kind=transfer_funds")}}
			r := fay.post("/operations", form)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: draft over the limit: %d", lang, r.status)
			}
			if got := r.testid(t, "error-amount"); got != want {
				t.Errorf("%s: amount error %q, want %q", lang, got, want)
			}
			if v, _ := r.doc(t).Find(`input[name="amount"]`).Attr("value"); v != "500.00" {
				t.Errorf("%s: the amount was not kept: %q", lang, v)
			}
		}
		tok := p.token("fay")
		r := p.api(tok, "POST", "/api/v1/operations", `{"kind":"transfer_funds","sub_account_id":"`+subs[1].ID+`","amount":"500.00","reason":"api"}`)
		var body struct {
			Error struct{ Fields map[string]string }
		}
		if r.status != http.StatusUnprocessableEntity || json.Unmarshal([]byte(r.body), &body) != nil ||
			body.Error.Fields["amount"] != "Over your daily limit: 600.00 CNY drafted today + 500.00 CNY > 1,000.00 CNY." {
			t.Fatalf("API draft over the limit: %d %s", r.status, r.body)
		}

		// Extra approval: it goes through, needing two, and says why.
		f := limitsForm(adam.code(testSecret))
		f.Set("daily_mode", "extra_approval")
		if r := adam.post("/admin/limits", f); r.status != http.StatusSeeOther {
			t.Fatalf("save limits: %d %s", r.status, errorsOf(t, r))
		}
		fay.lang = "en"
		id := fay.transfer(subs[1].ID, "500.00")
		page := fay.get("/operations/" + id)
		if got := page.testid(t, "limit-note"); !strings.Contains(got, "daily limit: 600.00 CNY drafted that day + 500.00 CNY > 1,000.00 CNY") {
			t.Fatalf("limit note %q", got)
		}
		if got := page.testid(t, "op-approvals-summary"); !strings.Contains(got, "2") {
			t.Fatalf("approvals summary %q, want two needed", got)
		}
		fay.lang = "zh"
		if got := fay.get("/operations/"+id).testid(t, "limit-note"); !strings.Contains(got, "超出申请人的每日限额") {
			t.Fatalf("zh limit note %q", got)
		}
	})
}

// The limits page: each form comes back with its input and reasons when refused (a bad
// amount before any code is used, a wrong code), and a saved change shows in the tables.
func TestLimitsAdminPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		sub := p.normalSubs(1)[0]
		adam := p.as("adam")
		if r := adam.get("/admin/limits"); r.status != http.StatusOK || !r.has(t, "limits-users-empty") || !r.has(t, "limits-subs-empty") {
			t.Fatalf("limits page: %d", r.status)
		}
		r := adam.post("/admin/limits/users", url.Values{"user_id": {p.userID("fay")}, "daily": {"12,3"}, "code": {adam.code(testSecret)}})
		if r.status != http.StatusUnprocessableEntity || r.testid(t, "error-daily") == "" {
			t.Fatalf("a bad amount: %d %s", r.status, errorsOf(t, r))
		}
		if v, _ := r.doc(t).Find(`#limit-user-daily`).Attr("value"); v != "12,3" {
			t.Fatalf("the input was not kept: %q", v)
		}
		r = adam.post("/admin/limits/sub-accounts", url.Values{"sub_account_id": {sub.ID}, "monthly": {"300.00"}, "code": {"000000"}})
		if r.status != http.StatusUnprocessableEntity || r.testid(t, "limits-sub-code-error") == "" {
			t.Fatalf("a wrong code: %d %s", r.status, errorsOf(t, r))
		}
		for path, form := range map[string]url.Values{
			"/admin/limits/users":        {"user_id": {p.userID("fay")}, "daily": {"123.00"}},
			"/admin/limits/sub-accounts": {"sub_account_id": {sub.ID}, "monthly": {"300.00"}},
		} {
			form.Set("code", adam.code(testSecret))
			if r := adam.post(path, form); r.status != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", path, r.status, errorsOf(t, r))
			}
		}
		adam.lang = "zh"
		r = adam.get("/admin/limits")
		if got := r.testid(t, "limits-user"); !strings.Contains(got, "fay") || !strings.Contains(got, "123.00 CNY") || !strings.Contains(got, "同全员限额") {
			t.Fatalf("people table %q", got)
		}
		if got := r.testid(t, "limits-sub"); !strings.Contains(got, "300.00 CNY") {
			t.Fatalf("sub-accounts table %q", got)
		}
		if got := adam.get("/admin").testid(t, "admin-limits"); got == "" {
			t.Fatal("the admin index does not link the limits")
		}
	})
}

// The delegation page sets one up and ends it (each with a fresh code); the delegate's
// approval shows "on behalf of" on the operation's page, in English and Chinese; the
// delegator's own request is refused to the delegate with its own message and left out
// of their inbox.
func TestDelegationPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		p.addUser("dina", testSecret, "approver", "finance")
		sub := p.normalSubs(1)[0]
		dina, alan := p.as("dina"), p.as("alan")
		r := dina.post("/delegations", p.delegationForm("alan", "000000"))
		if r.status != http.StatusUnprocessableEntity || r.testid(t, "delegation-code-error") == "" {
			t.Fatalf("a wrong code: %d %s", r.status, errorsOf(t, r))
		}
		if v, _ := r.doc(t).Find(`#d-reason`).Attr("value"); v != "holiday" {
			t.Fatalf("the reason was not kept: %q", v)
		}
		bad := p.delegationForm("dina", dina.code(testSecret))
		if r := dina.post("/delegations", bad); r.status != http.StatusUnprocessableEntity || r.testid(t, "error-to") == "" {
			t.Fatalf("to oneself: %d %s", r.status, errorsOf(t, r))
		}
		id := p.delegation(dina, "alan")
		for lang, want := range map[string]string{"en": "Running", "zh": "进行中"} {
			alan.lang = lang
			if got := alan.get("/delegations").testid(t, "delegation-state"); got != want {
				t.Fatalf("%s: state %q, want %q", lang, got, want)
			}
		}
		op := p.as("fay").transfer(sub.ID, "10.00")
		if r := alan.post("/operations/"+op+"/approve", alan.withCode(url.Values{"snapshot_hash": {p.snapshotOf(op)}})); r.status != http.StatusSeeOther {
			t.Fatalf("alan approves: %d %s", r.status, errorsOf(t, r))
		}
		for lang, want := range map[string]string{"en": "on behalf of dina", "zh": "代 dina 审批"} {
			alan.lang = lang
			if got := alan.get("/operations/"+op).testid(t, "op-approval-on-behalf"); got != want {
				t.Fatalf("%s: %q, want %q", lang, got, want)
			}
		}
		alan.lang = "en"
		own := dina.transfer(sub.ID, "10.00")
		if strings.Contains(alan.get("/approvals").body, `data-id="`+own+`"`) {
			t.Fatal("dina's request is in her delegate's inbox")
		}
		for lang, want := range map[string]string{"en": "You hold the requester", "zh": "您持有该申请人的审批委托"} {
			alan.lang = lang
			page := alan.get("/operations/" + own)
			if page.has(t, "approve-form") || !strings.Contains(page.body, want) {
				t.Fatalf("%s: dina's request offers her delegate an approval (note %q missing)", lang, want)
			}
		}
		alan.lang = "en"
		r = alan.post("/operations/"+own+"/approve", alan.withCode(url.Values{"snapshot_hash": {p.snapshotOf(own)}}))
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "You hold this requester") {
			t.Fatalf("alan approves dina's request: %d", r.status)
		}
		if r := dina.post("/delegations/"+id+"/revoke", url.Values{"code": {dina.code(testSecret)}}); r.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d %s", r.status, errorsOf(t, r))
		}
		if got := dina.get("/delegations").testid(t, "delegation-state"); got != "Revoked" {
			t.Fatalf("state after revoking %q", got)
		}
		if !strings.Contains(p.as("adam").get("/delegations").body, `data-id="`+id+`"`) {
			t.Fatal("the admin does not see dina's delegation")
		}
		if !strings.Contains(p.as("abby").get("/delegations").body, `data-testid="delegations-empty"`) {
			t.Fatal("abby sees someone else's delegation")
		}
	})
}
