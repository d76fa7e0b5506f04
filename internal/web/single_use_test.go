package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

const reusedMessage = "This code was already used — wait for the next one."

// TestSignInCodeCannotApprove: the code that signed an approver in is used up. Approving
// with it is refused (page and API) with the reused-code message, the operation stays
// pending, the refusals are audited as reused codes; a second sign-in with it is refused
// too; the app's next code approves.
func TestSignInCodeCannotApprove(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		id := p.pendingOp("10.00")
		abby := p.browser()
		abby.post("/login", url.Values{"username": {"abby"}, "password": {testPassword}})
		code := abby.code(testSecret)
		if r := abby.post("/login/totp", url.Values{"code": {code}}); r.status != http.StatusSeeOther || r.location != "/" {
			t.Fatalf("sign-in: %d %q", r.status, r.location)
		}
		page := abby.get("/operations/" + id)
		hash, _ := page.doc(t).Find(`[data-testid="approve-form"] input[name="snapshot_hash"]`).Attr("value")
		r := abby.post("/operations/"+id+"/approve", url.Values{"code": {code}, "comment": {"ok"}, "snapshot_hash": {hash}})
		if r.status != http.StatusUnprocessableEntity || r.testid(t, "decide-error") != reusedMessage {
			t.Fatalf("approve with the sign-in's code: %d %q", r.status, r.testid(t, "decide-error"))
		}
		api := p.api(p.token("abby"), "POST", "/api/v1/operations/"+id+"/approve", `{"code":"`+code+`","comment":"ok"}`)
		if api.status != http.StatusUnprocessableEntity || !strings.Contains(api.body, `"code_reused"`) {
			t.Fatalf("API approve with the sign-in's code: %d %s", api.status, api.body)
		}
		if p.opState(id) != approval.StatePending {
			t.Fatal("a used code approved")
		}
		again := p.browser()
		again.post("/login", url.Values{"username": {"abby"}, "password": {testPassword}})
		if r := again.post("/login/totp", url.Values{"code": {code}}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, reusedMessage) {
			t.Fatalf("second sign-in with one code: %d", r.status)
		}
		reused := 0
		for _, e := range p.events(audit.AuthTOTPFailed) {
			if strings.Contains(string(e.Details), `"code_reused"`) {
				reused++
			}
		}
		if reused != 3 {
			t.Fatalf("%d reused-code failures audited, want 3", reused)
		}
		r = abby.post("/operations/"+id+"/approve", url.Values{"code": {abby.code(testSecret)}, "comment": {"ok"}, "snapshot_hash": {hash}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("approve with the next code: %d %s", r.status, errorsOf(t, r))
		}
	})
}

// TestReusedCodeInChinese: the reused-code message is translated.
func TestReusedCodeInChinese(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	p.addUser("fiona", testSecret, "finance")
	b := p.browser()
	b.signIn("fiona", testSecret)
	code := b.code(testSecret) // the next step's code, used once below
	first := p.browser()
	first.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
	first.post("/login/totp", url.Values{"code": {code}})
	zh := p.browser()
	zh.lang = "zh-CN"
	zh.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
	if r := zh.post("/login/totp", url.Values{"code": {code}}); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "此验证码已使用过——请等待下一个。") {
		t.Fatalf("zh reused code: %d", r.status)
	}
}
