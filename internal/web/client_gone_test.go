package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// A client that hangs up (a browser tab closed, a load generator stopping) cancels its
// request's context wherever the handler is: in a database read, in the middle of
// rendering. The portal did nothing wrong: the request is logged at info as 499 ("client
// closed request"), never as an ERROR, and /metrics counts no 5xx for it.
func TestClientGoneIsNotAServerError(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := readPortalOn(t, db)
		b := p.signedIn("fiona")
		// How long a page takes here, to spread the hang-ups over the whole of a request.
		start := time.Now()
		for range 5 {
			if r := b.get("/sub-accounts?q=a"); r.status != http.StatusOK {
				t.Fatalf("list: status %d", r.status)
			}
		}
		per := time.Since(start) / 5
		const n = 120
		for i := range n {
			// Distinct filters miss the read cache (database reads, then the render);
			// the repeated one hits it (the session read, then the render).
			path := "/sub-accounts?sort=-balance"
			if i%2 == 1 {
				path = "/sub-accounts?q=" + strconv.Itoa(i)
			}
			ctx, cancel := context.WithTimeout(context.Background(), per*time.Duration(i%40)/30)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.http.URL+path, nil)
			if res, err := b.client.Do(req); err == nil {
				res.Body.Close()
			}
			cancel()
		}
		// A request that reached the server has been answered once the access log has its
		// line (one cancelled before it was sent never arrives): wait for the log to rest.
		for last, still := -1, 0; still < 10; time.Sleep(50 * time.Millisecond) {
			if got := strings.Count(p.logs.String(), "path=/sub-accounts "); got != last {
				last, still = got, 0
			} else {
				still++
			}
		}
		logs := p.logs.String()
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
				t.Errorf("a hang-up logged as a problem: %s", line)
			}
		}
		gone := strings.Count(logs, "status=499")
		if gone == 0 {
			t.Error("no request was logged as 499 (client closed request)")
		}
		metrics := b.get("/metrics").body
		if m := regexp.MustCompile(`purser_http_requests_total\{[^}]*status="5\d\d"\} \d+`).FindAllString(metrics, -1); len(m) > 0 {
			t.Errorf("/metrics counts hang-ups as server errors: %v", m)
		}
		t.Logf("%d of %d requests ended by the client (a page takes %s here)", gone, n, per)
	})
}
