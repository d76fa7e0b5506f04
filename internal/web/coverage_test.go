package web_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/web"
)

// mutation is one way to change state through a route, and the audit it must leave.
type mutation struct {
	name   string
	do     func(p *portal) // performs the request(s) against a fresh portal
	action string          // the one event it must write…
	// …or, when one request makes several state changes (a request is created and
	// submitted; a batch moves each of its rows), exactly these, one per change, in order.
	sequence []string
	async    bool // the event is written by background work
	jobs     bool // needs the real job runner (refresh requests)
}

// noStateChange lists the non-GET routes that change nothing worth recording, and why.
var noStateChange = map[string]string{
	"POST /lang":                              "sets the browser's language cookie and the signed-in user's own language preference (their e-mails' language); no business state",
	"POST /operations/bulk/preview":           "checks an uploaded CSV and shows it; nothing is created or stored",
	"POST /operations/bulk/selection/preview": "turns the sub-accounts selected on the list into rows and shows them as the CSV preview does; nothing is created or stored",
	"POST /operations/quote":                  "asks the upstream for a renewal's price and shows the form again; nothing is created or stored",
	"POST /operations/new":                    "shows the draft form again with a picker's choice applied; nothing is created or stored",
	"POST /notifications/read":                "marks the user's own in-app notices as read; no business state, nobody else's view",
}

// mutations covers every non-GET route: success and failure paths. The test fails when a
// route is added without an entry here.
func mutations() map[string][]mutation {
	m := map[string][]mutation{
		"POST /login": {
			{name: "success", action: audit.AuthLogin, do: func(p *portal) {
				p.browser().post("/login", url.Values{"username": {"walt"}, "password": {testPassword}})
			}},
			{name: "wrong password", action: audit.AuthLoginFailed, do: func(p *portal) {
				p.browser().post("/login", url.Values{"username": {"walt"}, "password": {"not the one!"}})
			}},
		},
		"POST /login/totp": {
			{name: "success", action: audit.AuthLogin, do: func(p *portal) {
				b := p.browser()
				b.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
				p.mark()
				b.post("/login/totp", url.Values{"code": {b.code(testSecret)}})
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				b := p.browser()
				b.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
				p.mark()
				b.post("/login/totp", url.Values{"code": {"000000"}})
			}},
		},
		"POST /logout": {
			{name: "signed in", action: audit.AuthLogout, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/logout", nil)
			}},
		},
		"POST /profile/totp": {
			{name: "enrol", action: audit.UserUpdate, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				secret := b.get("/profile").testid(p.t, "enrol-secret")
				p.mark()
				b.post("/profile/totp", url.Values{"code": {b.code(secret)}})
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				b.get("/profile")
				p.mark()
				b.post("/profile/totp", url.Values{"code": {"000000"}})
			}},
		},
		"POST /sub-accounts/:id/threshold": {
			{name: "set", action: "sub_account.update", do: func(p *portal) {
				p.seedCache()
				b := p.browser()
				b.signIn("fiona", testSecret)
				p.mark()
				b.post("/sub-accounts/"+p.someSubAccount()+"/threshold", url.Values{"threshold": {"2500.00"}})
			}},
		},
		"POST /sync": {
			{name: "refresh", action: audit.SyncRequest, jobs: true, do: func(p *portal) {
				b := p.browser()
				b.signIn("fiona", testSecret)
				p.mark()
				b.post("/sync", url.Values{"area": {"cards"}, "next": {"/cards"}})
			}},
		},
		"POST /api/v1/sync": {
			{name: "refresh", action: audit.SyncRequest, jobs: true, do: func(p *portal) {
				tok, _ := p.users.CreateToken(context.Background(), "fiona", "cov", nil, systemMeta())
				p.mark()
				req, _ := http.NewRequest(http.MethodPost, p.http.URL+"/api/v1/sync", strings.NewReader(`{"area":"cards"}`))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				p.browser().do(req)
			}},
		},
		// The maker-checker workflow (operation_*.go): each case runs against a second
		// server with the approval service over the same database (opsOn). Creating a
		// request is two state changes (created, then submitted for approval): two events.
		"POST /operations": {
			{name: "create", sequence: []string{approval.ActionCreate, approval.ActionSubmit}, do: func(p *portal) {
				q := opsOn(p)
				sub := q.normalSubs(1)[0].ID
				b := q.as("fay")
				p.mark()
				b.post("/operations", url.Values{"kind": {"transfer_funds"}, "sub_account_id": {sub}, "amount": {"1.00"},
					"balance_type": {"debit"}, "reason": {"cov"}, "idempotency_key": {newKey()}})
			}},
			{name: "viewer refused", action: audit.AccessDenied, do: func(p *portal) {
				q := opsOn(p)
				b := q.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/operations", url.Values{"kind": {"transfer_funds"}, "idempotency_key": {newKey()}})
			}},
		},
		"POST /operations/:id/approve": {
			{name: "approve", action: approval.ActionApprove, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("10000.00") // two approvers: the first approval is one event
				b := q.as("abby")
				p.mark()
				b.post("/operations/"+id+"/approve", url.Values{"code": {b.code(testSecret)}, "comment": {"ok"}, "snapshot_hash": {q.snapshotOf(id)}})
			}},
			{name: "self-approval", action: approval.ActionApprove, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("boss")
				id := b.transfer(q.normalSubs(1)[0].ID, "1.00")
				p.mark()
				b.post("/operations/"+id+"/approve", url.Values{"code": {b.code(testSecret)}, "snapshot_hash": {q.snapshotOf(id)}})
			}},
		},
		// "Approve selected": one code for all, one approval event per operation.
		"POST /approvals": {
			{name: "approve selected", sequence: []string{approval.ActionApprove, approval.ActionApprove}, do: func(p *portal) {
				q := opsOn(p)
				a, b2 := q.pendingOp("10000.00"), q.pendingOp("10000.00") // two approvers: no execution follows
				b := q.as("abby")
				p.mark()
				b.post("/approvals", url.Values{"op": {a, b2}, "snapshot_hash_" + a: {q.snapshotOf(a)}, "snapshot_hash_" + b2: {q.snapshotOf(b2)},
					"code": {b.freshCode()}})
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("1.00")
				b := q.as("abby")
				p.mark()
				b.post("/approvals", url.Values{"op": {id}, "snapshot_hash_" + id: {q.snapshotOf(id)}, "code": {"000000"}})
			}},
			{name: "own request", action: approval.ActionApprove, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("boss")
				id := b.transfer(q.normalSubs(1)[0].ID, "1.00")
				p.mark()
				b.post("/approvals", url.Values{"op": {id}, "snapshot_hash_" + id: {q.snapshotOf(id)}, "code": {b.freshCode()}})
			}},
		},
		"POST /operations/:id/reject": {
			{name: "reject", action: approval.ActionReject, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("1.00")
				b := q.as("abby")
				p.mark()
				b.post("/operations/"+id+"/reject", url.Values{"comment": {"no"}})
			}},
		},
		"POST /operations/:id/cancel": {
			{name: "cancel own", action: approval.ActionCancel, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("1.00")
				b := q.as("fay")
				p.mark()
				b.post("/operations/"+id+"/cancel", nil)
			}},
			{name: "someone else's", action: audit.AccessDenied, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("1.00")
				b := q.as("fred")
				p.mark()
				b.post("/operations/"+id+"/cancel", nil)
			}},
		},
		"POST /operations/:id/resolve": {
			{name: "resolve unknown", action: approval.ActionReconcile, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("1.00")
				q.forceState(id, approval.StatePending, approval.StateUnknown)
				b := q.as("adam")
				p.mark()
				b.post("/operations/"+id+"/resolve", url.Values{"outcome": {"failed"}, "reason": {"not in the records"}})
			}},
			{name: "finance refused", action: audit.AccessDenied, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("1.00")
				b := q.as("fay")
				p.mark()
				b.post("/operations/"+id+"/resolve", url.Values{"outcome": {"failed"}, "reason": {"x"}})
			}},
		},
		"POST /operations/bulk": {
			{name: "viewer refused", action: audit.AccessDenied, do: func(p *portal) {
				q := opsOn(p)
				b := q.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/operations/bulk", url.Values{"kind": {"transfer_funds"}})
			}},
		},
		"POST /operations/top-ups/propose": {
			{name: "drafted", sequence: []string{approval.ActionCreate, approval.ActionSubmit}, do: func(p *portal) {
				q := opsOn(p)
				sa := q.normalSubs(1)[0]
				q.setRunways(map[string]store.Runway{sa.ID: estimated(sa.Total, "2")})
				b := q.as("fay")
				form := b.get("/operations/top-ups/propose").doc(p.t).Find(`[data-testid="topup-form"]`)
				post := url.Values{}
				form.Find("input").Each(func(_ int, in *goquery.Selection) {
					name, _ := in.Attr("name")
					value, _ := in.Attr("value")
					post.Set(name, value)
				})
				p.mark()
				b.post("/operations/top-ups/propose", post)
			}},
			{name: "viewer refused", action: audit.AccessDenied, do: func(p *portal) {
				q := opsOn(p)
				b := q.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/operations/top-ups/propose", url.Values{"idempotency_key": {newKey()}})
			}},
		},
		"POST /operations/batches/:id/approve": {
			{name: "first of two", action: approval.ActionApprove, do: func(p *portal) {
				q := opsOn(p)
				batch := q.pendingBatch("10000.00")
				b := q.as("abby")
				p.mark()
				b.post(batch+"/approve", url.Values{"code": {b.code(testSecret)}})
			}},
		},
		"POST /operations/batches/:id/reject": {
			{name: "self-rejection", action: approval.ActionReject, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("boss")
				csv := "sub_account,amount\n" + q.normalSubs(1)[0].ID + ",1.00\n"
				r := b.post("/operations/bulk", url.Values{"kind": {"transfer_funds"}, "csv": {csv}, "reason": {"x"}, "idempotency_key": {newKey()}})
				p.mark()
				b.post(r.location+"/reject", url.Values{"comment": {"me"}})
			}},
		},
		"POST /operations/batches/:id/cancel": {
			{name: "someone else's", action: audit.AccessDenied, do: func(p *portal) {
				q := opsOn(p)
				batch := q.pendingBatch("1.00")
				b := q.as("fred")
				p.mark()
				b.post(batch+"/cancel", nil)
			}},
		},
		"POST /admin/policy": {
			{name: "save", action: approval.ActionPolicy, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.post("/admin/policy", policyForm(b.code(testSecret)))
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.post("/admin/policy", policyForm("000000"))
			}},
		},
		"POST /api/v1/operations": {
			{name: "viewer refused", action: audit.AccessDenied, do: func(p *portal) {
				q := opsOn(p)
				tok := q.token("walt")
				p.mark()
				q.api(tok, "POST", "/api/v1/operations", `{"kind":"transfer_funds"}`)
			}},
		},
		"POST /api/v1/operations/:id/approve": {
			{name: "approve", action: approval.ActionApprove, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("10000.00")
				tok := q.token("abby")
				p.mark()
				q.api(tok, "POST", "/api/v1/operations/"+id+"/approve", `{"code":"`+q.browser().code(testSecret)+`"}`)
			}},
			{name: "self-approval", action: approval.ActionApprove, do: func(p *portal) {
				q := opsOn(p)
				id := q.as("boss").transfer(q.normalSubs(1)[0].ID, "1.00")
				tok := q.token("boss")
				p.mark()
				q.api(tok, "POST", "/api/v1/operations/"+id+"/approve", `{"code":"`+q.browser().code(testSecret)+`"}`)
			}},
		},
		"POST /api/v1/approvals": {
			{name: "approve", action: approval.ActionApprove, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("10000.00")
				tok := q.token("abby")
				p.mark()
				q.api(tok, "POST", "/api/v1/approvals", `{"code":"`+q.browser().freshCode()+`","operations":[{"id":`+id+`}]}`)
			}},
			{name: "own request", action: approval.ActionApprove, do: func(p *portal) {
				q := opsOn(p)
				id := q.as("boss").transfer(q.normalSubs(1)[0].ID, "1.00")
				tok := q.token("boss")
				p.mark()
				q.api(tok, "POST", "/api/v1/approvals", `{"code":"`+q.browser().freshCode()+`","operations":[{"id":`+id+`}]}`)
			}},
		},
		"POST /api/v1/operations/:id/reject": {
			{name: "reject", action: approval.ActionReject, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("1.00")
				tok := q.token("abby")
				p.mark()
				q.api(tok, "POST", "/api/v1/operations/"+id+"/reject", `{"comment":"no"}`)
			}},
		},
		"POST /api/v1/operations/:id/cancel": {
			{name: "cancel", action: approval.ActionCancel, do: func(p *portal) {
				q := opsOn(p)
				id := q.pendingOp("1.00")
				tok := q.token("fay")
				p.mark()
				q.api(tok, "POST", "/api/v1/operations/"+id+"/cancel", "")
			}},
		},
		"POST /audit/verify": {
			{name: "verify", action: audit.AuditVerify, async: true, jobs: true, do: func(p *portal) {
				b := p.browser()
				b.signIn("otto", "")
				p.mark()
				b.post("/audit/verify", nil)
			}},
		},
	}
	for k, v := range identityMutations() {
		m[k] = v
	}
	for k, v := range ruleMutations() {
		m[k] = v
	}
	for k, v := range reportMutations() {
		m[k] = v
	}
	for k, v := range controlsMutations() {
		m[k] = v
	}
	maps.Copy(m, matrixMutations())
	return m
}

// TestEveryStateChangeIsAuditedOnce walks every registered non-GET route and proves that
// each way of using it writes exactly one audit event with every field an auditor needs.
func TestEveryStateChangeIsAuditedOnce(t *testing.T) {
	t.Parallel()
	table := mutations()
	probe := newPortal(t, testkit.SQLite(t), nil)
	for _, rt := range probe.srv.Routes() {
		if rt.Method == http.MethodGet {
			continue
		}
		key := rt.Method + " " + rt.Path
		if _, ok := table[key]; !ok && noStateChange[key] == "" {
			t.Errorf("%s changes state but has no audit coverage case", key)
		}
	}
	for key, cases := range table {
		for _, m := range cases {
			t.Run(key+"/"+m.name, func(t *testing.T) {
				// Each case has its own database, upstream and server: nothing is shared,
				// so the cases run side by side (most of a case's time is spent waiting
				// on the job runner and the sandbox, not computing).
				t.Parallel()
				var tweak func(*web.Deps, bss.Upstream)
				if m.jobs {
					tweak = withJobs(t)
				}
				p := newPortalWith(t, testkit.SQLite(t), nil, tweak)
				p.addUser("walt", "", "viewer")
				p.addUser("fiona", testSecret, "finance")
				p.addUser("otto", "", "auditor")
				p.mark()
				m.do(p)
				var evs []store.AuditEvent
				deadline := time.Now().Add(10 * time.Second)
				for {
					evs = p.since()
					if !m.async || len(evs) > 0 || time.Now().After(deadline) {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				want := m.sequence
				if want == nil {
					want = []string{m.action}
				}
				var got []string
				for _, e := range evs {
					got = append(got, e.Action)
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("wrote %v, want exactly %v", got, want)
				}
				for _, e := range evs {
					if e.ActorName == "" || e.Time.IsZero() || e.Outcome == "" || e.TargetType == "" || e.TargetID == "" {
						t.Fatalf("event incomplete: %+v", e)
					}
					if !m.async && (e.IP == "" || e.RequestID == "" || !strings.Contains(e.UserAgent, "Go-http-client")) {
						t.Fatalf("request metadata missing: %+v", e)
					}
					if !m.async && e.RequestID != evs[0].RequestID {
						t.Fatalf("one request's events carry different request ids: %+v", evs)
					}
				}
			})
		}
	}
}
