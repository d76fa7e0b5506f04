package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/cachesync"
)

// The end checks of TestTwoReplicasOnePostgres, read from the database and the sandbox.

func jsonDecode(b []byte, v any) error { return json.Unmarshal(b, v) }

// assertExactlyOnce: every transfer succeeded, the upstream applied each trans_id once
// and nothing else, each has one succeed event, and the kill did hit work in flight (a
// job of the dead replica was rescued and run again).
func (g *replicaRig) assertExactlyOnce(ids []int64, victim *replica) {
	t := g.t
	var ops []struct {
		ID      int64
		TransID string
		State   string
	}
	if err := g.db.Gorm().Raw(`SELECT id, trans_id, state FROM operations WHERE id IN ? ORDER BY id`, ids).Scan(&ops).Error; err != nil {
		t.Fatal(err)
	}
	if len(ops) != len(ids) {
		t.Fatalf("want %d operations, found %d", len(ids), len(ops))
	}
	applied := map[string]int{}
	for _, e := range g.sb.Server().Ledger() {
		applied[e.TransID]++
		if e.Kind != "transfer" {
			t.Errorf("upstream ledger has a %s (%s); the test made transfers only", e.Kind, e.TransID)
		}
	}
	ours := 0
	for _, op := range ops {
		if op.State != string(approval.StateSucceeded) {
			t.Errorf("operation %d is %s, want succeeded", op.ID, op.State)
		}
		if n := applied[op.TransID]; n != 1 {
			t.Errorf("operation %d (trans_id %s) applied %d times upstream, want once", op.ID, op.TransID, n)
		}
		ours += applied[op.TransID]
		var succeed int64
		if err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND target_type = ? AND target_id = ?`,
			approval.ActionSucceed, approval.TargetOperation, strconv.FormatInt(op.ID, 10)).Scan(&succeed).Error; err != nil {
			t.Fatal(err)
		}
		if succeed != 1 {
			t.Errorf("operation %d has %d %s events, want 1", op.ID, succeed, approval.ActionSucceed)
		}
	}
	if total := len(g.sb.Server().Ledger()); total != ours {
		t.Errorf("upstream ledger holds %d movements, %d of them the test's", total, ours)
	}
	var rescued, byVictim int64
	if err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM river_job WHERE kind = 'execute_operation' AND errors::text LIKE '%Stuck job rescued%'`).
		Scan(&rescued).Error; err != nil {
		t.Fatal(err)
	}
	if err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM river_job WHERE kind = 'execute_operation' AND ? = ANY(attempted_by)`, victim.riverClientID()).
		Scan(&byVictim).Error; err != nil {
		t.Fatal(err)
	}
	if rescued == 0 || byVictim == 0 {
		t.Errorf("the kill should have left executions of replica %s in flight: %d jobs attempted by it, %d rescued", victim.name, byVictim, rescued)
	}
	t.Logf("exactly once: %d transfers, %d executions attempted by the killed replica, %d rescued", len(ops), byVictim, rescued)
}

// periodicRuns are the scheduled jobs of one kind, by the time River scheduled them.
func (g *replicaRig) periodicRuns(kind string) []time.Time {
	var at []time.Time
	if err := g.db.Gorm().Raw(`SELECT scheduled_at FROM river_job WHERE kind = ? ORDER BY scheduled_at`, kind).Scan(&at).Error; err != nil {
		g.t.Fatal(err)
	}
	return at
}

// assertSpaced fails when two of at are closer than min: a period run twice.
func (g *replicaRig) assertSpaced(what string, at []time.Time, min time.Duration) {
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < min {
			g.t.Errorf("%s: runs %d and %d are %s apart, want at least %s (once per period): %v", what, i-1, i, gap, min, at)
		}
	}
}

// syncRun is one top-level run of an area (not a one-sub-account refresh).
type syncRun struct {
	Area, Trigger         string
	StartedAt, FinishedAt time.Time
}

func (r syncRun) periodic() bool {
	return r.Trigger == cachesync.TriggerStartup || r.Trigger == cachesync.TriggerSchedule
}

// assertSyncOncePerPeriod: in the window there were exactly two periodic full syncs,
// the startup one and the first scheduled one, although both replicas queue a startup
// sync and either may be the leader that queues the scheduled one; no area ran twice
// for them in one period; and every area ran in each (the catalogue, whose interval is a
// day, at the start only). An area that was already running when a full sync reached it
// (the master's amounts, re-read after each transfer) counts as run: the full sync
// leaves it to the running one.
func (g *replicaRig) assertSyncOncePerPeriod() {
	t := g.t
	var runs []syncRun
	if err := g.db.Gorm().Raw(`SELECT area, trigger, started_at, finished_at FROM sync_runs
		WHERE sub_account_id = '' AND status <> 'running' ORDER BY started_at`).Scan(&runs).Error; err != nil {
		t.Fatal(err)
	}
	periodic := map[string][]time.Time{}
	var fulls []syncRun
	for _, r := range runs {
		if !r.periodic() {
			continue
		}
		periodic[r.Area] = append(periodic[r.Area], r.StartedAt)
		if r.Area == cachesync.AreaFull {
			fulls = append(fulls, r)
		}
	}
	if len(fulls) != 2 || fulls[0].Trigger != cachesync.TriggerStartup || fulls[1].Trigger != cachesync.TriggerSchedule {
		t.Errorf("want one startup and then one scheduled full sync, got %+v", fulls)
	}
	for _, area := range append([]string{cachesync.AreaFull}, cachesync.Areas...) {
		// The tick counts a run as due a few seconds early (cachesync's interval slack).
		g.assertSpaced("sync area "+area, periodic[area], replicaSyncInterval-5*time.Second)
	}
	for i, f := range fulls {
		for _, area := range cachesync.Areas {
			if area == cachesync.AreaCatalog && i > 0 {
				continue
			}
			ran := slices.ContainsFunc(runs, func(r syncRun) bool {
				return r.Area == area && !r.StartedAt.Before(f.StartedAt) && !r.StartedAt.After(f.FinishedAt)
			})
			if !ran {
				t.Errorf("area %s did not run during the %s full sync", area, f.Trigger)
			}
		}
	}
	if n := len(periodic[cachesync.AreaCatalog]); n != 1 {
		t.Errorf("the catalogue ran %d times, want once (its interval is a day)", n)
	}
	if t.Failed() {
		g.logSyncRuns()
	}
	ticks := g.periodicRuns("sync_tick")
	g.assertSpaced("sync_tick", ticks, replicaSyncInterval)
	if len(ticks) == 0 {
		t.Errorf("no sync_tick job ran")
	}
}

// assertCheckpointOncePerPeriod: the checkpoint job was scheduled once per interval
// across both replicas (River's leader alone inserts it), and made at most one
// checkpoint each time.
func (g *replicaRig) assertCheckpointOncePerPeriod() {
	t := g.t
	jobs := g.periodicRuns("audit_checkpoint")
	g.assertSpaced("audit_checkpoint", jobs, replicaCheckpointEach)
	var ran, checkpoints int64 // a job that ran on the killed replica may have checkpointed without completing
	if err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM river_job WHERE kind = 'audit_checkpoint' AND attempted_at IS NOT NULL`).Scan(&ran).Error; err != nil {
		t.Fatal(err)
	}
	if err := g.db.Gorm().Raw(`SELECT COUNT(*) FROM audit_checkpoints`).Scan(&checkpoints).Error; err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(g.began)
	if max := int64(elapsed/replicaCheckpointEach) + 1; int64(len(jobs)) > max || checkpoints > ran {
		t.Errorf("%d checkpoint jobs (%d ran) and %d checkpoints in %s; want at most %d jobs, at most one checkpoint per job that ran",
			len(jobs), ran, checkpoints, elapsed.Round(time.Second), max)
	}
	if checkpoints < 3 {
		t.Errorf("only %d checkpoints in %s while events kept arriving", checkpoints, elapsed.Round(time.Second))
	}
	t.Logf("checkpoints: %d jobs, %d checkpoints in %s", len(jobs), checkpoints, elapsed.Round(time.Second))
}

// logSyncRuns shows every sync run, for a failure of the sync checks.
func (g *replicaRig) logSyncRuns() {
	var rows []struct {
		ID                                  int64
		Area, SubAccountID, Trigger, Status string
		Error                               string
		StartedAt                           time.Time
		FinishedAt                          *time.Time
	}
	if err := g.db.Gorm().Raw(`SELECT id, area, sub_account_id, trigger, status, error, started_at, finished_at FROM sync_runs ORDER BY id`).Scan(&rows).Error; err != nil {
		g.t.Fatal(err)
	}
	for _, r := range rows {
		fin := "-"
		if r.FinishedAt != nil {
			fin = r.FinishedAt.Sub(g.began).Round(10 * time.Millisecond).String()
		}
		g.t.Logf("sync run %d: %s %q %s %s %s→%s %s", r.ID, r.Area, r.SubAccountID, r.Trigger, r.Status,
			r.StartedAt.Sub(g.began).Round(10*time.Millisecond), fin, r.Error)
	}
}
