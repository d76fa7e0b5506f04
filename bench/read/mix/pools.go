package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The URL classes: what a user does, each a pool of distinct real URLs.
const (
	clSearch = iota
	clStatus
	clOrg
	clSuggest
	clDeep
	clDetail
	clDashboard
	clAPI
	nClasses
)

var classNames = [nClasses]string{"search", "status", "org", "org-suggest", "deep", "detail", "dashboard", "api"}

// classWhat says what each class requests, for the report.
var classWhat = [nClasses]string{
	"`/sub-accounts?q=…`: Latin and Chinese, 1–2 characters and longer, matching and not; a third sorted",
	"`/sub-accounts?status=…`: each status × sort × runway filter, and statuses with a search",
	"`/sub-accounts?org_id=…` (every unit, plain, sorted, with a status), `?org=NAME&org_id=…` (the box keeping a unit), `?org=TEXT` (typed, not picked)",
	"`/sub-accounts/units?org=…`: the type-ahead's fragment while a name is typed",
	"`/sub-accounts?…&cursor=…`: pages 2–30, their previous links and the last page of each sort × status and runway filter, of short searches and of typed unit kinds, through the pager's real links",
	"`/sub-accounts/{id}`: random sub-accounts",
	"`/`: the dashboard",
	"`/api/v1/sub-accounts?…` with a bearer token: limits, searches, statuses, sorts, real next cursors",
}

// mixWeights is how often the mix sends each class (percent).
var mixWeights = [nClasses]int{20, 10, 12, 8, 12, 20, 10, 8}

var (
	sorts    = []string{"", "-name", "balance", "-balance", "runway", "-runway"}
	statuses = []string{"1", "2", "3", "4", "101", "102"}
	runways  = []string{"", "7", "14", "30"}
	// misses are searches that match nothing (and their numbered variants).
	misses = []string{"zzq", "qx", "xylophone", "no-such-team", "无此", "不存在的项目", "鑫", "Ω", "9999x", "éclair"}
)

// urlTable interns every distinct path the run may request.
type urlTable struct {
	paths []string
	index map[string]uint32
}

func (t *urlTable) add(path string) uint32 {
	if i, ok := t.index[path]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[string]uint32{}
	}
	i := uint32(len(t.paths))
	t.paths = append(t.paths, path)
	t.index[path] = i
	return i
}

// group is the users who see the same sub-accounts (the whole enterprise, or one
// scoped user): the portal's read cache keys its entries by scope, so the group is
// what "the same URL" means to it.
type group struct {
	name     string
	sessions []int // indexes into plan.sessions
	tokens   []int // indexes into plan.tokens
	subs     []subAccount
	pools    [nClasses][]uint32
}

// plan is everything the load needs: the credentials, the groups and their pools.
type plan struct {
	urls     urlTable
	sessions []credential
	tokens   []credential
	groupOf  []int // session index → group
	tokGroup []int // token index → group
	groups   []*group
	eligible [nClasses][]int // sessions whose group has URLs of the class
}

// discover builds the plan: the enterprise's sub-accounts through the JSON API (an
// unscoped token), each scoped session's own through its list pages, the pager's real
// cursors by following "next" links, then every class's URLs from what it found.
func discover(ctx context.Context, f *fetcher, sessions, tokens []credential, rng *rand.Rand, logf func(string, ...any)) (*plan, error) {
	tok, ok := firstUnscoped(tokens)
	if !ok {
		return nil, fmt.Errorf("no unscoped token: the enterprise's sub-accounts are read through the JSON API")
	}
	var admin credential
	for _, s := range sessions {
		if !s.scoped() {
			admin = s
			break
		}
	}
	if admin.User == "" {
		return nil, fmt.Errorf("no unscoped session")
	}
	all, _, err := f.apiWalk(ctx, tok, url.Values{"limit": {"500"}}, 1000)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("the JSON API lists no sub-accounts")
	}
	logf("discovery: %d sub-accounts through the JSON API", len(all))
	byID := make(map[string]subAccount, len(all))
	for _, s := range all {
		byID[s.ID] = s
	}
	p := &plan{sessions: sessions, tokens: tokens}
	ent := &group{name: "enterprise", subs: all}
	p.groups = append(p.groups, ent)
	scopedGroup := map[string]int{} // user → group
	for i, s := range sessions {
		if !s.scoped() {
			p.groupOf = append(p.groupOf, 0)
			ent.sessions = append(ent.sessions, i)
			continue
		}
		w, err := f.htmlWalk(ctx, s, "/sub-accounts", 400)
		if err != nil {
			return nil, err
		}
		g := &group{name: "scoped " + s.User, sessions: []int{i}}
		for _, id := range w.ids {
			if sa, ok := byID[id]; ok {
				g.subs = append(g.subs, sa)
			}
		}
		if len(g.subs) == 0 {
			return nil, fmt.Errorf("%s (scope %s) sees no sub-account", s.User, s.Scope)
		}
		logf("discovery: %s (scope %s) sees %d sub-accounts", s.User, s.Scope, len(g.subs))
		scopedGroup[s.User] = len(p.groups)
		p.groupOf = append(p.groupOf, len(p.groups))
		p.groups = append(p.groups, g)
	}
	for i, t := range tokens {
		gi := 0
		if t.scoped() {
			var ok bool
			if gi, ok = scopedGroup[t.User]; !ok {
				return nil, fmt.Errorf("token of scoped user %s without a session of that user", t.User)
			}
		}
		p.tokGroup = append(p.tokGroup, gi)
		p.groups[gi].tokens = append(p.groups[gi].tokens, i)
	}
	for gi, g := range p.groups {
		if len(g.sessions) == 0 {
			continue
		}
		sess := sessions[g.sessions[0]]
		size := 1.0
		if gi > 0 {
			size = 0.1 // a scoped user's lists are short: fewer URLs suffice
		}
		if err := p.fill(ctx, f, g, sess, rng, size, logf); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// fill builds a group's pools; size scales how many URLs of each kind it makes.
func (p *plan) fill(ctx context.Context, f *fetcher, g *group, sess credential, rng *rand.Rand, size float64, logf func(string, ...any)) error {
	n := func(k int) int { return max(int(float64(k)*size), 10) }
	add := func(c int, path string) { g.pools[c] = append(g.pools[c], p.urls.add(path)) }
	list := func(kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				q.Add(kv[i], kv[i+1])
			}
		}
		if len(q) == 0 {
			return "/sub-accounts"
		}
		return "/sub-accounts?" + q.Encode()
	}
	maybeSort := func() string {
		if rng.IntN(3) == 0 {
			return sorts[1+rng.IntN(len(sorts)-1)]
		}
		return ""
	}
	terms := searchTerms(rng, g.subs, n(6000))
	for _, t := range terms {
		add(clSearch, list("q", t, "sort", maybeSort()))
	}
	for _, st := range statuses {
		for _, so := range sorts {
			for _, rw := range runways {
				add(clStatus, list("status", st, "sort", so, "runway_below", rw))
			}
		}
	}
	for range n(3000) {
		add(clStatus, list("q", terms[rng.IntN(len(terms))], "status", statuses[rng.IntN(len(statuses))], "sort", maybeSort()))
	}
	orgs := map[string]string{}
	for _, s := range g.subs {
		if s.OrgID != "" {
			orgs[s.OrgID] = s.OrgName
		}
	}
	ids := make([]string, 0, len(orgs))
	for id := range orgs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, so := range sorts {
			add(clOrg, list("org_id", id, "sort", so))
		}
		add(clOrg, list("org_id", id, "status", statuses[rng.IntN(2)], "sort", maybeSort()))
		if rng.IntN(3) == 0 {
			add(clOrg, list("org", orgs[id], "org_id", id))
		}
	}
	prefixes := map[string]bool{}
	for _, id := range ids {
		r := []rune(orgs[id])
		for l := 1; l <= len(r); l++ {
			prefixes[strings.TrimSpace(string(r[:l]))] = true
		}
		// The name without its number: a unit's kind, matching many units.
		if i := strings.LastIndexByte(orgs[id], ' '); i > 0 {
			prefixes[orgs[id][:i]] = true
		}
	}
	typed := make([]string, 0, len(prefixes))
	for t := range prefixes {
		if t != "" {
			typed = append(typed, t)
		}
	}
	slices.Sort(typed)
	rng.Shuffle(len(typed), func(i, j int) { typed[i], typed[j] = typed[j], typed[i] })
	for i, t := range typed {
		if i < n(2000) {
			add(clOrg, list("org", t, "sort", maybeSort()))
		}
		if i < n(6000) {
			add(clSuggest, "/sub-accounts/units?"+url.Values{"org": {t}}.Encode())
		}
	}
	add(clSuggest, "/sub-accounts/units?org=")

	// Deep pages: the pager's own links, walked as a user would.
	walks := []string{}
	for _, so := range sorts {
		walks = append(walks, list("sort", so), list("sort", so, "status", "1"), list("sort", so, "runway_below", "30"))
	}
	// Searches and typed unit kinds ("Data Platform", matching many units) that fill pages.
	for _, t := range terms {
		if len(walks) < 30 && len([]rune(t)) <= 2 {
			walks = append(walks, list("q", t, "sort", maybeSort()))
		}
	}
	for _, id := range ids[:min(len(ids), 40)] {
		if kind := orgs[id]; len(walks) < 36 && strings.LastIndexByte(kind, ' ') > 0 {
			walks = append(walks, list("org", kind[:strings.LastIndexByte(kind, ' ')]))
		}
	}
	depth := n(30)
	for _, start := range walks {
		w, err := f.htmlWalk(ctx, sess, start, depth)
		if err != nil {
			return err
		}
		for _, pth := range append(append(w.pages, w.prevs...), w.last) {
			if pth != "" {
				add(clDeep, pth)
			}
		}
	}
	perm := rng.Perm(len(g.subs))
	for _, i := range perm[:min(len(perm), n(10000))] {
		add(clDetail, "/sub-accounts/"+url.PathEscape(g.subs[i].ID))
	}
	add(clDashboard, "/")

	if len(g.tokens) > 0 {
		tok := p.tokens[g.tokens[0]]
		api := func(kv ...string) string {
			q := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] != "" {
					q.Set(kv[i], kv[i+1])
				}
			}
			return "/api/v1/sub-accounts?" + q.Encode()
		}
		for _, lim := range []string{"25", "50", "100"} {
			for _, so := range sorts {
				for _, st := range append([]string{""}, statuses...) {
					add(clAPI, api("limit", lim, "sort", so, "status", st))
				}
			}
		}
		for range n(4000) {
			add(clAPI, api("limit", []string{"25", "50", "100"}[rng.IntN(3)], "q", terms[rng.IntN(len(terms))], "sort", maybeSort()))
		}
		walks := []url.Values{{"limit": {"50"}}, {"limit": {"100"}, "status": {"1"}}}
		for _, so := range sorts[1:] {
			walks = append(walks, url.Values{"limit": {"25"}, "sort": {so}}, url.Values{"limit": {"50"}, "sort": {so}})
		}
		for _, w := range walks {
			_, pages, err := f.apiWalk(ctx, tok, w, n(40))
			if err != nil {
				return err
			}
			for _, pth := range pages {
				add(clAPI, pth)
			}
		}
	}
	counts := make([]string, 0, nClasses)
	for c := range nClasses {
		counts = append(counts, classNames[c]+" "+strconv.Itoa(len(g.pools[c])))
	}
	logf("discovery: %s: %s", g.name, strings.Join(counts, ", "))
	return nil
}

// searchTerms draws n distinct search terms from the sub-accounts' names and display
// names (Latin and Chinese; a fifth one or two characters long, most longer) and a few
// that match nothing.
func searchTerms(rng *rand.Rand, subs []subAccount, n int) []string {
	var out []string
	seen := map[string]bool{}
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		var t string
		if rng.IntN(100) < 15 {
			t = misses[rng.IntN(len(misses))]
			if rng.IntN(2) == 0 {
				t += strconv.Itoa(rng.IntN(1000))
			}
		} else {
			s := subs[rng.IntN(len(subs))]
			src := s.DisplayName
			if src == "" || rng.IntN(4) == 0 {
				src = s.Name
			}
			r := []rune(src)
			var l int
			switch x := rng.IntN(100); {
			case x < 10:
				l = 1
			case x < 22:
				l = 2
			case x < 55:
				l = 3 + rng.IntN(3)
			default:
				l = 6 + rng.IntN(9)
			}
			l = min(l, len(r))
			at := rng.IntN(len(r) - l + 1)
			t = strings.TrimSpace(string(r[at : at+l]))
		}
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
