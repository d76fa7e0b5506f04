package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestSubAccountEventsIncludeItsOperations: what happened to a sub-account's money is
// part of its story. Its detail page's audit panel and its audit timeline list the events of
// the operations that target it — and not those of another sub-account's operations.
func TestSubAccountEventsIncludeItsOperations(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(2)
	fay := p.as("fay")
	mine := fay.transfer(subs[0].ID, "1.00")
	fay.transfer(subs[1].ID, "2.00")
	p.addUser("audra", testSecret, "auditor")

	panel := fay.get("/sub-accounts/" + url.PathEscape(subs[0].ID))
	if panel.status != http.StatusOK {
		t.Fatalf("detail: %d", panel.status)
	}
	if n := strings.Count(panel.testid(t, "sa-events"), "Operation drafted"); n != 1 {
		t.Fatalf("the panel lists %d drafted operations, want 1:\n%s", n, panel.testid(t, "sa-events"))
	}

	tl := p.as("audra").get("/audit/timeline?" + url.Values{"target_type": {"sub_account"}, "target_id": {subs[0].ID}}.Encode())
	if tl.status != http.StatusOK {
		t.Fatalf("timeline: %d", tl.status)
	}
	var drafted []string
	tl.doc(t).Find(`[data-testid="timeline"] li`).Each(func(_ int, li *goquery.Selection) {
		if strings.Contains(li.Find(".what").Text(), "Operation drafted") {
			href, _ := li.Find(".what a").Attr("href")
			drafted = append(drafted, href)
		}
	})
	if len(drafted) != 1 || !strings.Contains(drafted[0], mine) {
		t.Fatalf("timeline drafted events %v, want one of operation %s", drafted, mine)
	}
}
