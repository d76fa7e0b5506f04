package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/purser-finance/purser/internal/store"
)

// dataset generates event i (1-based) as a pure function of i and the seed, so that
// the queries can pick values that exist (an actor's window, a request id, a target).
type dataset struct {
	n      int64
	actors int
	runs   int
	seed   uint64
	start  time.Time     // time of event 1
	step   time.Duration // between consecutive events
	end    time.Time     // time of event n
}

func newDataset(o options) *dataset {
	span := time.Duration(o.days) * 24 * time.Hour
	end := time.Now().UTC().Truncate(time.Second)
	step := (span / time.Duration(o.events-1)).Truncate(time.Microsecond)
	return &dataset{
		n: o.events, actors: o.actors, runs: o.runs, seed: uint64(o.seed),
		start: end.Add(-step * time.Duration(o.events-1)), step: step, end: end,
	}
}

// splitmix64 is a fast, well-mixed hash of x.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var (
	actions = []struct{ action, target string }{
		{"auth.login", "user"}, {"auth.logout", "user"}, {"auth.login_failed", "user"},
		{"subaccount.view", "subaccount"}, {"subaccount.list", "subaccount"}, {"subaccount.quota_change", "subaccount"},
		{"subaccount.freeze", "subaccount"}, {"subaccount.unfreeze", "subaccount"},
		{"operation.request", "operation"}, {"operation.approve", "operation"}, {"operation.reject", "operation"},
		{"coupon.assign", "coupon"}, {"coupon.revoke", "coupon"}, {"budget.change", "subaccount"},
		{"export.download", "export"}, {"audit.search", "audit"}, {"audit.view", "audit"},
		{"sync.run", "sync_run"}, {"user.create", "user"}, {"user.role_change", "user"},
		{"token.create", "token"}, {"settings.change", "settings"},
	}
	userAgents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
		"purser-cli/1.4",
	}
	reasons = []string{"quarterly budget", "month-end close", "project kickoff", "cost review", "auditor request", "renewal"}
)

// actor is the name and id of actor a (0 is "system", without an id).
func (d *dataset) actor(a int) (string, *int64) {
	if a == 0 {
		return store.SystemActor, nil
	}
	id := int64(a)
	return fmt.Sprintf("user%03d", a), &id
}

func (d *dataset) rnd(i int64) uint64 { return splitmix64(d.seed<<40 ^ uint64(i)) }

// requestID: two consecutive events share a request (a change and its audit view).
func (d *dataset) requestID(i int64) string {
	var b [16]byte
	r1, r2 := splitmix64(d.seed^uint64(i/2)), splitmix64(^d.seed^uint64(i/2))
	for k := range 8 {
		b[k], b[8+k] = byte(r1>>(8*k)), byte(r2>>(8*k))
	}
	return hex.EncodeToString(b[:])
}

func (d *dataset) targetID(i int64) string { return strconv.FormatUint(d.rnd(i)>>24%20000+1, 10) }

func (d *dataset) time(i int64) time.Time { return d.start.Add(d.step * time.Duration(i-1)) }

// event i without its hashes.
func (d *dataset) event(i int64) store.AuditEvent {
	r := d.rnd(i)
	a := 0
	if r%10 != 0 { // 10% system events
		a = int(r>>8%uint64(d.actors-1)) + 1
	}
	name, actorID := d.actor(a)
	act := actions[r>>16%uint64(len(actions))]
	outcome := store.OutcomeSuccess
	switch p := r >> 40 % 100; {
	case p >= 99:
		outcome = store.OutcomeDenied
	case p >= 95:
		outcome = store.OutcomeFailure
	}
	ip, ua := "", ""
	if a != 0 {
		ip = fmt.Sprintf("10.%d.%d.%d", r>>48&0xff, r>>56, a)
		ua = userAgents[r>>20%uint64(len(userAgents))]
	}
	target := d.targetID(i)
	old, nw := r>>28%100000, r>>36%100000
	details := fmt.Sprintf(`{"target":"%s-%s","amount":{"old":"%d.%02d","new":"%d.%02d","currency":"CNY"},"reason":%q,"region":"cn-north-4"}`,
		act.target, target, old/100, old%100, nw/100, nw%100, reasons[r>>44%uint64(len(reasons))])
	return store.AuditEvent{
		ID: i, Time: d.time(i), ActorID: actorID, ActorName: name, IP: ip, UserAgent: ua,
		RequestID: d.requestID(i), Action: act.action, TargetType: act.target, TargetID: target,
		Outcome: outcome, Details: []byte(details),
	}
}

const seedBatch = 10_000

// seed COPYs the chain into audit_events, with the secondary indexes dropped during the
// load and rebuilt after it, then VACUUM ANALYZE (visibility map, statistics).
func seed(ctx context.Context, benchURL string, d *dataset) error {
	conn, err := pgx.Connect(ctx, benchURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, s := range []string{"SET maintenance_work_mem = '2GB'", "SET max_parallel_maintenance_workers = 2", "SET synchronous_commit = off"} {
		if _, err := conn.Exec(ctx, s); err != nil {
			return err
		}
	}
	var names, defs []string
	rows, err := conn.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'audit_events' AND indexname <> 'audit_events_pkey'`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n, def string
		if err := rows.Scan(&n, &def); err != nil {
			return err
		}
		names, defs = append(names, n), append(defs, def)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := conn.Exec(ctx, "DROP INDEX "+pgx.Identifier{n}.Sanitize()); err != nil {
			return err
		}
	}

	t0 := time.Now()
	batches := make(chan [][]any, 4)
	go func() { // generate and hash on one core while Postgres ingests on the other
		defer close(batches)
		prev := ""
		for lo := int64(1); lo <= d.n; lo += seedBatch {
			hi := min(lo+seedBatch-1, d.n)
			b := make([][]any, 0, hi-lo+1)
			for i := lo; i <= hi; i++ {
				e := d.event(i)
				e.PrevHash = prev
				e.Hash = store.AuditHash(e)
				prev = e.Hash
				var actorID any
				if e.ActorID != nil {
					actorID = *e.ActorID
				}
				b = append(b, []any{e.ID, e.Time, actorID, e.ActorName, e.IP, e.UserAgent, e.RequestID, e.Action,
					e.TargetType, e.TargetID, e.Outcome, string(e.Details), e.PrevHash, e.Hash})
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	var cur [][]any
	var pos int
	var done int64
	next := time.Now().Add(10 * time.Second)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for pos == len(cur) {
			b, ok := <-batches
			if !ok {
				return nil, nil
			}
			cur, pos = b, 0
		}
		pos++
		done++
		if time.Now().After(next) {
			fmt.Printf("  seeded %d / %d events (%.0f/s)\n", done, d.n, float64(done)/time.Since(t0).Seconds())
			next = next.Add(10 * time.Second)
		}
		return cur[pos-1], nil
	})
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"audit_events"}, []string{"id", "time", "actor_id", "actor_name", "ip",
		"user_agent", "request_id", "action", "target_type", "target_id", "outcome", "details", "prev_hash", "hash"}, src)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	copied := time.Since(t0)
	fmt.Printf("copied %d events in %s (%.0f events/s)\n", n, copied.Round(time.Millisecond), float64(n)/copied.Seconds())

	t1 := time.Now()
	for i, def := range defs {
		t := time.Now()
		if _, err := conn.Exec(ctx, def); err != nil {
			return fmt.Errorf("%s: %w", def, err)
		}
		fmt.Printf("  index %s in %s\n", names[i], time.Since(t).Round(time.Millisecond))
	}
	indexed := time.Since(t1)
	t2 := time.Now()
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) audit_events"); err != nil {
		return err
	}
	fmt.Printf("seed: copy %s + indexes %s + vacuum analyze %s = %s\n", copied.Round(time.Second), indexed.Round(time.Second),
		time.Since(t2).Round(time.Second), time.Since(t0).Round(time.Second))
	return nil
}
