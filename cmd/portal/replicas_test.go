package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
)

// Issue 12, point 9: two `portal serve` processes on one Postgres database, behind a
// reverse proxy that alternates between them, with one upstream (the sandbox, run here
// so that its ledger can be read). The test proves that a session made on one replica
// works on the other, that 100 transfers approved through both execute exactly once
// each although the River leader is SIGKILLed while they execute, that the periodic sync
// and the audit checkpoint run once per period across both, and that the audit chain
// verifies afterwards.
//
// It takes about 100 s under -race, most of it idle: the dead replica's executions run
// again only once River's rescuer finds them stuck, a minute after their attempt began
// (jobs.DefaultRescueAfter), at the next 30-second pass of the rescuer on the leader that
// replaced the dead one (elected 10–20 s after the kill). The first scheduled sync (the
// shortest PORTAL_SYNC_INTERVAL is a minute) falls in the same window.

const (
	replicaTransfers      = 100
	replicaSyncInterval   = time.Minute // the shortest PORTAL_SYNC_INTERVAL
	replicaCheckpointEach = 2 * time.Second
	replicaPassword       = "replica test password"
)

// replicaUser is a user made with `portal user add`, with an API token.
type replicaUser struct {
	name, role, secret, token string
}

type replicaRig struct {
	t        *testing.T
	db       *store.DB
	sb       *sandbox.Running
	env      []string
	cliVars  map[string]string
	a, b     *replica
	lb       *lbProxy
	users    map[string]*replicaUser
	began    time.Time
	deadline time.Time // no wait of the test goes past it
}

func TestTwoReplicasOnePostgres(t *testing.T) {
	t.Parallel()
	dbURL := requirePostgresURL(t)
	rig := &replicaRig{t: t, began: time.Now(), users: map[string]*replicaUser{}}
	rig.deadline = rig.began.Add(170 * time.Second)
	rig.setUp(dbURL)

	session := rig.signInOnA()
	rig.waitStartupSync()
	// B joins A once A has synced, as when a deployment scales out.
	rig.b.start(t, rig.env)
	rig.b.waitReady(t, time.Now().Add(60*time.Second))
	t.Logf("A synced, B ready %s after the start", time.Since(rig.began).Round(100*time.Millisecond))
	rig.sessionOnB(session)

	// Half the transfers are drafted through the proxy (so by both replicas) and
	// approved on River's leader; it is SIGKILLed while they execute. The other half is
	// drafted and approved after the kill, on the survivor, while the dead replica's
	// executions wait for River's rescuer.
	half := replicaTransfers / 2
	first := rig.draftTransfers(0, half, true)
	leader := rig.leader()
	rig.approve("approver1", leader.url, first, leader.name)
	t.Logf("%d transfers drafted and approved on the leader %s %s after the start", half, leader.name, time.Since(rig.began).Round(100*time.Millisecond))
	rig.killMidExecution(leader, first)
	victim, survivor := leader, rig.a
	if survivor == victim {
		survivor = rig.b
	}
	second := rig.draftTransfers(half, replicaTransfers, false)
	if by := rig.approve("approver2", rig.lb.srv.URL, second, ""); by != survivor.name {
		t.Fatalf("the second approval was served by %q, want the survivor %s", by, survivor.name)
	}
	ids := append(first, second...)
	rig.waitAllSucceeded(ids)
	rig.waitScheduledSync()

	rig.assertExactlyOnce(ids, victim)
	rig.assertSyncOncePerPeriod()
	rig.assertCheckpointOncePerPeriod()
	rig.assertAuditVerifies()
	t.Logf("two replicas: %d transfers, leader %s killed, all checks done %s after the start",
		len(ids), victim.name, time.Since(rig.began).Round(100*time.Millisecond))
}

// setUp adds the users, starts the sandbox, the proxy and replica A.
func (g *replicaRig) setUp(dbURL string) {
	t := g.t
	key := newSecretKey()
	g.cliVars = map[string]string{"PORTAL_DATABASE_URL": dbURL, "PORTAL_SECRET_KEY": key, "PORTAL_DATA_DIR": t.TempDir()}
	for i, u := range []*replicaUser{{name: "maker", role: "finance"}, {name: "approver1", role: "approver"}, {name: "approver2", role: "approver"}} {
		u.secret = []string{"JBSWY3DPEHPK3PXP", "KRSXG5CTMVRXEZLU", "GEZDGNBVGY3TQOJQ"}[i]
		addCLIUser(t, g.cliVars, replicaPassword, u.name, u.role, u.secret)
		r := runCLI(t, "", g.cliVars, "user", "token", u.name)
		if r.code != exitOK {
			t.Fatalf("user token %s\n%s", u.name, r)
		}
		u.token = strings.TrimSpace(r.stdout)
		g.users[u.name] = u
	}
	db, err := store.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	g.db = db

	// Six sub-accounts, five active: a full sync takes a second or two at the client's rate limit.
	sb, opts := startTestSandbox(t, 6)
	g.sb = sb
	t.Logf("users and sandbox ready %s after the start", time.Since(g.began).Round(100*time.Millisecond))

	// The proxy is the public address of both replicas.
	g.a, g.b = newReplica(t, "A"), newReplica(t, "B")
	g.lb = newLBProxy(t, g.a, g.b)
	g.env = []string{
		"HOME=" + t.TempDir(),
		"PORTAL_DATABASE_URL=" + dbURL,
		"PORTAL_SECRET_KEY=" + key,
		"PORTAL_PUBLIC_URL=" + g.lb.srv.URL,
		"PORTAL_TRUSTED_PROXIES=127.0.0.1",
		"PORTAL_SYNC_INTERVAL=" + replicaSyncInterval.String(),
		"PORTAL_AUDIT_CHECKPOINT_INTERVAL=" + replicaCheckpointEach.String(),
	}
	for k, v := range sandboxUpstream(sb, opts) {
		g.env = append(g.env, k+"="+v)
	}
	g.a.start(t, g.env)
	g.a.waitReady(t, time.Now().Add(60*time.Second))
	t.Logf("A ready %s after the start", time.Since(g.began).Round(100*time.Millisecond))
}

// waitStartupSync waits for the first full sync: drafts need the cached sub-accounts.
func (g *replicaRig) waitStartupSync() {
	waitFor(g.t, "the startup sync", g.deadline, func() (bool, string) {
		var n int64
		err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM sync_runs WHERE area = ? AND status = 'succeeded'`, cachesync.AreaFull).Scan(&n).Error
		return err == nil && n > 0, fmt.Sprintf("%d succeeded full syncs (%v)", n, err)
	})
}

// signInOnA signs the maker in on A: password, then TOTP.
func (g *replicaRig) signInOnA() *apiClient {
	t := g.t
	maker := g.users["maker"]
	onA := newAPIClient(g.a.url, "")
	r := onA.json(t, http.MethodPost, "/login", url.Values{"username": {maker.name}, "password": {replicaPassword}}, http.StatusSeeOther, nil)
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/login/totp") {
		t.Fatalf("password step on A went to %q, want /login/totp", loc)
	}
	onA.keepCookies(r)
	code, err := auth.Code(maker.secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r = onA.json(t, http.MethodPost, "/login/totp", url.Values{"code": {code}}, http.StatusSeeOther, nil)
	if loc := r.header.Get("Location"); loc != "/" {
		t.Fatalf("code step on A went to %q, want /", loc)
	}
	onA.keepCookies(r)
	return onA
}

// sessionOnB uses the session made on A on B, and signs out on B: the session then no
// longer works on A either.
func (g *replicaRig) sessionOnB(onA *apiClient) {
	t := g.t
	maker := g.users["maker"]
	onB := newAPIClient(g.b.url, "")
	onB.cookies = onA.cookies
	r := onB.json(t, http.MethodGet, "/", nil, http.StatusOK, nil)
	if !strings.Contains(string(r.body), `data-testid="dashboard-heading"`) || !strings.Contains(string(r.body), maker.name) {
		t.Fatalf("B does not show the dashboard of the session made on A:\n%.2000s", r.body)
	}
	onB.json(t, http.MethodPost, "/logout", url.Values{}, http.StatusSeeOther, nil)
	r = onA.json(t, http.MethodGet, "/", nil, http.StatusSeeOther, nil)
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Fatalf("after sign-out on B, A answers / with a redirect to %q, want /login", loc)
	}
}

// draftTransfers drafts transfers from to to (exclusive) through the proxy with the
// maker's token, eight at a time; both says that both replicas must have taken part.
func (g *replicaRig) draftTransfers(from, to int, both bool) []int64 {
	t := g.t
	maker := newAPIClient(g.lb.srv.URL, g.users["maker"].token)
	var subs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	maker.json(t, http.MethodGet, "/api/v1/sub-accounts?status=1&limit=500", nil, http.StatusOK, &subs)
	if len(subs.Items) < 3 {
		t.Fatalf("want at least 3 active sub-accounts, got %d", len(subs.Items))
	}
	ids := make([]int64, to-from)
	served := map[string]int{}
	var mu sync.Mutex
	errs := make(chan error, len(ids))
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range work {
				in := map[string]any{"kind": "transfer_funds", "sub_account_id": subs.Items[i%len(subs.Items)].ID,
					"amount": fmt.Sprintf("%d.%02d", 1+i%3, i), "reason": fmt.Sprintf("replica test %d", i)}
				r, err := maker.do(context.Background(), http.MethodPost, "/api/v1/operations", in, "Idempotency-Key", fmt.Sprintf("replicas-%03d", i))
				var op struct {
					ID    int64  `json:"id"`
					State string `json:"state"`
				}
				switch {
				case err != nil:
					errs <- fmt.Errorf("draft %d: %w", i, err)
					continue
				case r.status != http.StatusCreated:
					errs <- fmt.Errorf("draft %d: %s", i, r)
					continue
				}
				if err := jsonDecode(r.body, &op); err != nil || op.State != "pending" {
					errs <- fmt.Errorf("draft %d: state %q (%v): %s", i, op.State, err, r)
					continue
				}
				mu.Lock()
				ids[i-from] = op.ID
				served[r.replica]++
				mu.Unlock()
			}
		})
	}
	for i := from; i < to; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := joinErrs(errs); err != nil {
		t.Fatal(err)
	}
	if both && (served["A"] == 0 || served["B"] == 0) {
		t.Fatalf("the drafts should have gone through both replicas, got %v", served)
	}
	return ids
}

// approve approves ids as user in one batch request to base (a replica, or the proxy),
// and answers which replica served it (the proxy says; direct is the caller's name).
func (g *replicaRig) approve(user, base string, ids []int64, direct string) string {
	t := g.t
	u := g.users[user]
	code, err := auth.Code(u.secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	items := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		items = append(items, map[string]any{"id": id})
	}
	var res struct {
		Items []struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
			Error *struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"items"`
	}
	r := newAPIClient(base, u.token).json(t, http.MethodPost, "/api/v1/approvals",
		map[string]any{"code": code, "comment": "replica test", "operations": items}, http.StatusOK, &res)
	if len(res.Items) != len(ids) {
		t.Fatalf("%s approved %d operations, want %d: %s", user, len(res.Items), len(ids), r)
	}
	for _, it := range res.Items {
		if it.Error != nil || it.State != "approved" {
			t.Fatalf("%s: operation %d is %q (error %+v), want approved", user, it.ID, it.State, it.Error)
		}
	}
	if r.replica != "" {
		return r.replica
	}
	return direct
}

// leader is the replica that is River's leader: it inserts the periodic jobs and runs
// the rescuer of stuck jobs.
func (g *replicaRig) leader() *replica {
	t := g.t
	var leader string
	if err := g.db.Gorm().Raw(`SELECT leader_id FROM river_leader`).Scan(&leader).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range []*replica{g.a, g.b} {
		if id := r.riverClientID(); id != "" && id == leader {
			return r
		}
	}
	t.Fatalf("River's leader %q is neither replica (A %q, B %q)", leader, g.a.riverClientID(), g.b.riverClientID())
	return nil
}

// killMidExecution waits until some of ids have executed, then SIGKILLs victim while it
// is executing one of the others, and takes it out of the proxy. So that the kill cannot
// fall between two executions, the upstream answers transfers 3 s late from then on and
// the kill waits for an execution the victim began after that: it is still in flight.
func (g *replicaRig) killMidExecution(victim *replica, ids []int64) {
	t := g.t
	waitFor(t, "the first executions", g.deadline, func() (bool, string) {
		st := g.states(ids)
		return st["succeeded"] >= 3, fmt.Sprint(st)
	})
	slowFrom := time.Now()
	g.sb.Server().SetFaults(sandbox.Faults{LatencyMS: 3000, Paths: []string{"/v2/enterprises/multi-accounts/transfer-amount"}})
	waitFor(t, "an execution of the victim in flight", g.deadline, func() (bool, string) {
		var n int64
		if err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM river_job WHERE kind = 'execute_operation' AND state = 'running'
			AND attempted_at > ? AND attempted_by[array_length(attempted_by, 1)] = ?`, slowFrom, victim.riverClientID()).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n > 0, fmt.Sprint(g.states(ids))
	})
	victim.kill(t)
	g.sb.Server().SetFaults(sandbox.Faults{})
	g.lb.markDown(victim)
	st := g.states(ids)
	if st["succeeded"] >= len(ids) {
		t.Fatalf("every transfer had executed before the kill (%v): the kill must land mid-execution", st)
	}
	t.Logf("killed %s at %s with its transfers at %v", victim.name, time.Since(g.began).Round(100*time.Millisecond), st)
}

// waitAllSucceeded waits for every transfer to settle: the survivor runs what the dead
// replica held once River's rescuer finds it stuck (jobs.DefaultRescueAfter, a minute
// after its attempt began, at the rescuer's next pass). The progress is logged when the
// number settled first reaches each quarter, so a stall shows where it began.
func (g *replicaRig) waitAllSucceeded(ids []int64) {
	logged := 0
	waitFor(g.t, "every transfer settled after the kill", g.deadline, func() (bool, string) {
		st := g.states(ids)
		if q := st["succeeded"] * 4 / len(ids); q > logged {
			g.t.Logf("%s: %v", time.Since(g.began).Round(100*time.Millisecond), st)
			logged = q
		}
		return st["succeeded"] == len(ids), fmt.Sprint(st)
	})
}

// waitScheduledSync waits for the first scheduled full sync (one interval after the
// startup one, queued by the leader that survived).
func (g *replicaRig) waitScheduledSync() {
	waitFor(g.t, "the scheduled full sync", g.deadline, func() (bool, string) {
		var n int64
		err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM sync_runs WHERE area = ? AND trigger = ? AND status <> 'running'`,
			cachesync.AreaFull, cachesync.TriggerSchedule).Scan(&n).Error
		return err == nil && n > 0, fmt.Sprintf("%d finished scheduled full syncs (%v)", n, err)
	})
}

// states counts the operations of ids by state.
func (g *replicaRig) states(ids []int64) map[string]int {
	var rows []struct {
		State string
		N     int
	}
	if err := g.db.Gorm().Raw(`SELECT state, COUNT(*) AS n FROM operations WHERE id IN ? GROUP BY state`, ids).Scan(&rows).Error; err != nil {
		g.t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out
}

var verifiedEvents = regexp.MustCompile(`audit trail intact: (\d+) events verified`)

// assertAuditVerifies runs `portal audit verify` with the replicas' configuration.
func (g *replicaRig) assertAuditVerifies() {
	t := g.t
	var before int64
	if err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM audit_events`).Scan(&before).Error; err != nil {
		t.Fatal(err)
	}
	out, err := portalCommand(t, g.env, "audit", "verify").CombinedOutput()
	m := verifiedEvents.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("portal audit verify: %v\n%s", err, out)
	}
	// The survivor goes on writing events (syncs, checkpoints) while verify reads.
	if n, _ := strconv.ParseInt(m[1], 10, 64); n < before {
		t.Errorf("portal audit verify checked %d events, but %d were there before it started: %s", n, before, out)
	}
}
