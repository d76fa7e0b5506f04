package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// fetcher reads the portal during discovery, one request at a time, following no
// redirect (a redirect to /login is a failed sign-in, not a page).
type fetcher struct {
	base string
	hc   *http.Client
}

func newFetcher(base string) *fetcher {
	return &fetcher{base: strings.TrimRight(base, "/"), hc: &http.Client{Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get returns the body of path, or an error naming the status when it is not 200.
func (f *fetcher) get(ctx context.Context, path string, cred credential) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(cred.Header, cred.Value)
	resp, err := f.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s as %s: %d", path, cred.User, resp.StatusCode)
	}
	return b, err
}

// subAccount is what discovery keeps of a sub-account (the JSON API's fields).
type subAccount struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Status      int    `json:"status"`
	OrgID       string `json:"org_id"`
	OrgName     string `json:"org_name"`
}

// apiWalk follows the JSON list's next_cursor from /api/v1/sub-accounts?query for up to
// pages pages and returns the items and the paths of the pages after the first.
func (f *fetcher) apiWalk(ctx context.Context, cred credential, query url.Values, pages int) ([]subAccount, []string, error) {
	var (
		items []subAccount
		paths []string
	)
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	for n := 1; n <= pages; n++ {
		b, err := f.get(ctx, "/api/v1/sub-accounts?"+q.Encode(), cred)
		if err != nil {
			return nil, nil, err
		}
		var page struct {
			Items      []subAccount `json:"items"`
			NextCursor string       `json:"next_cursor"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, nil, fmt.Errorf("api page %d: %w", n, err)
		}
		items = append(items, page.Items...)
		if page.NextCursor == "" {
			break
		}
		q.Set("cursor", page.NextCursor)
		if n < pages {
			paths = append(paths, "/api/v1/sub-accounts?"+q.Encode())
		}
	}
	return items, paths, nil
}

var (
	// The pager's links: <a … href="…" rel="next" data-testid="page-next">.
	pagerLink = regexp.MustCompile(`href="([^"]+)"[^>]*?data-testid="page-(next|prev|last|first)"`)
	// A row's link to its detail page.
	detailLink = regexp.MustCompile(`href="/sub-accounts/([^"/?]+)"`)
)

// walked is what following a list's "next" links found.
type walked struct {
	ids   []string // sub-account ids on the pages, in order
	pages []string // paths of pages 2…n, through the pager's real cursors
	last  string   // the first page's "last" link
	prevs []string // "previous" links seen on the way
}

// htmlWalk follows the HTML list's "next" links from path for up to pages pages.
func (f *fetcher) htmlWalk(ctx context.Context, cred credential, path string, pages int) (walked, error) {
	var w walked
	seen := map[string]bool{}
	for n := 1; n <= pages; n++ {
		b, err := f.get(ctx, path, cred)
		if err != nil {
			return w, err
		}
		for _, m := range detailLink.FindAllSubmatch(b, -1) {
			id := string(m[1])
			if id != "export" && id != "units" && !seen[id] {
				seen[id] = true
				w.ids = append(w.ids, id)
			}
		}
		next := ""
		for _, m := range pagerLink.FindAllSubmatch(b, -1) {
			link := html.UnescapeString(string(m[1]))
			switch string(m[2]) {
			case "next":
				next = link
			case "last":
				if n == 1 {
					w.last = link
				}
			case "prev":
				if n > 2 { // page 2's previous is the first page without a cursor
					w.prevs = append(w.prevs, link)
				}
			}
		}
		if next == "" {
			break
		}
		path = next
		if n < pages {
			w.pages = append(w.pages, next)
		}
	}
	return w, nil
}

// units prints two organisation unit ids for run.sh to scope bench users to: the two
// units holding most sub-accounts directly (a scoped user should have pages to page through).
func units(ctx context.Context, args []string) error {
	fs := newFlags("units")
	base := fs.String("base", "http://127.0.0.1:18080", "portal base URL")
	tokens := fs.String("tokens", "", "tokens file (user<TAB>scope<TAB>token); an unscoped one is used")
	if err := fs.Parse(args); err != nil {
		return err
	}
	creds, err := readCredentials(*tokens, "Authorization")
	if err != nil {
		return err
	}
	tok, ok := firstUnscoped(creds)
	if !ok {
		return fmt.Errorf("%s: no unscoped token", *tokens)
	}
	subs, _, err := newFetcher(*base).apiWalk(ctx, tok, url.Values{"limit": {"500"}}, 1000)
	if err != nil {
		return err
	}
	count := map[string]int{}
	var ids []string
	for _, s := range subs {
		if s.OrgID != "" {
			if count[s.OrgID] == 0 {
				ids = append(ids, s.OrgID)
			}
			count[s.OrgID]++
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("no sub-account has an organisation unit")
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(count[b]-count[a], strings.Compare(a, b)) })
	fmt.Println(ids[0], ids[min(1, len(ids)-1)])
	return nil
}

func firstUnscoped(creds []credential) (credential, bool) {
	for _, c := range creds {
		if !c.scoped() {
			return c, true
		}
	}
	return credential{}, false
}
