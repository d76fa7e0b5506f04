package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/testkit"
)

// rlo is RIGHT-TO-LEFT OVERRIDE: text after it is shown reversed up to the end of its
// bidi isolate, so without one a reason could make "paid 100 · approved by ann" read
// differently than the data says.
const rlo = "\u202e"

// TestUserTextIsBidiIsolated: reasons typed by users are shown inside <bdi>, on the
// operation page (its timeline's composed summary included), the batch page and a batch
// row's page.
func TestUserTextIsBidiIsolated(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(1)
	fay := p.as("fay")
	id := fay.draft("transfer_funds", url.Values{"sub_account_id": {subs[0].ID}, "amount": {"1.00"}, "balance_type": {"debit"},
		"reason": {"single " + rlo + "evil"}})
	page := fay.get("/operations/" + id)
	if page.status != http.StatusOK {
		t.Fatalf("operation page: %d", page.status)
	}
	assertIsolated(t, page, "single "+rlo+"evil")

	csv := "sub_account,amount,balance_type,reason\n" + subs[0].ID + ",1.00,debit,row " + rlo + "evil\n"
	r := fay.post("/operations/bulk", url.Values{"kind": {"transfer_funds"}, "csv": {csv}, "reason": {"batch " + rlo + "evil"}, "idempotency_key": {newKey()}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("batch: %d %s", r.status, errorsOf(t, r))
	}
	batch := fay.get(r.location)
	assertIsolated(t, batch, "batch "+rlo+"evil")
	rows := p.events("operation.create")
	row := itoa(eventTarget(t, rows[len(rows)-1].TargetID))
	assertIsolated(t, fay.get("/operations/"+row), "row "+rlo+"evil")
}

// TestSubAccountNamesAreBidiIsolated: a sub-account's name is user text too (set in
// Huawei Cloud). On the draft form, its picker and in the snapshot an approver signs, where
// it stands beside the sub-account's id or balance, an override in it must not reorder them.
func TestSubAccountNamesAreBidiIsolated(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	name := "acct " + rlo + "evil"
	if err := p.db.Gorm().Exec(`UPDATE sub_accounts SET name = ?, display_name = ? WHERE id = ?`, name, name, sub.ID).Error; err != nil {
		t.Fatal(err)
	}
	fay := p.as("fay")
	assertIsolated(t, fay.get("/operations/new?kind=transfer_funds&sub_account_id="+url.QueryEscape(sub.ID)), name)
	// The picker's line: name, display name, unit, balance and id side by side.
	assertIsolated(t, fay.get("/operations/pick/sub-accounts?sub_account_id="+url.QueryEscape(sub.ID)), name)
	id := fay.transfer(sub.ID, "1.00")
	page := p.as("abby").get("/operations/" + id)
	assertIsolated(t, page, name)
	if got := page.testid(t, "snap-sub-account"); !strings.Contains(got, sub.ID) {
		t.Fatalf("the snapshot's sub-account %q lacks its id", got)
	}
}

func eventTarget(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// assertIsolated fails unless text appears on the page and every element whose own text
// holds it is, or sits inside, a <bdi>.
func assertIsolated(t *testing.T, r response, text string) {
	t.Helper()
	found := 0
	r.doc(t).Find("body *").Each(func(_ int, s *goquery.Selection) {
		own := s.Contents().FilterFunction(func(_ int, n *goquery.Selection) bool { return goquery.NodeName(n) == "#text" }).Text()
		if !strings.Contains(own, text) {
			return
		}
		found++
		// Inside a composed line (a timeline summary) the value carries its own isolate
		// marks, FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE: the plain-text <bdi>.
		marked := strings.Contains(own, "\u2068"+text+"\u2069")
		if !marked && goquery.NodeName(s) != "bdi" && s.Closest("bdi").Length() == 0 {
			h, _ := goquery.OuterHtml(s)
			t.Errorf("%q shown without bidi isolation: %s", text, h)
		}
	})
	if found == 0 {
		t.Fatalf("%q is not on the page", text)
	}
}
