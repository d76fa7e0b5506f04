package cachesync_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// What a sync writes when nothing changed upstream: at 10,000 sub-accounts every pass
// used to rewrite every sub_accounts row (47,666 dead tuples on a database running
// without autovacuum) and to move the read cache's write version with every batch, so
// pages were rarely served from the cache while a sync ran (issue 16).

// tableStats is one table's counters in pg_stat_user_tables.
type tableStats struct{ ins, upd, hot, del, dead, bytes int64 }

// cacheTables are the tables a sync of the sub-account list and a balance pass write.
var cacheTables = []string{"sub_accounts", "sub_account_reads", "sub_account_credits", "coupons", "organizations", "balance_snapshots", "sync_runs"}

// pgTableStats reads the counters after this process's connections have reported theirs:
// a backend sends its counters at most once a second, and at the latest when it exits,
// so the idle connections are closed and the counters read until they stand still.
func pgTableStats(t *testing.T, db *store.DB) map[string]tableStats {
	t.Helper()
	sqlDB, err := db.SQL()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxIdleConns(0)
	sqlDB.SetMaxIdleConns(5)
	read := func() map[string]tableStats {
		rows, err := sqlDB.Query(`SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, n_dead_tup, pg_total_relation_size(relid) FROM pg_stat_user_tables`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]tableStats{}
		for rows.Next() {
			var name string
			var s tableStats
			if err := rows.Scan(&name, &s.ins, &s.upd, &s.hot, &s.del, &s.dead, &s.bytes); err != nil {
				t.Fatal(err)
			}
			out[name] = s
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	last := read()
	for stable := 0; stable < 3; {
		time.Sleep(400 * time.Millisecond)
		_, _ = sqlDB.Exec(`SELECT pg_stat_clear_snapshot()`)
		now := read()
		if equalStats(now, last) {
			stable++
		} else {
			stable = 0
		}
		last = now
	}
	return last
}

func equalStats(a, b map[string]tableStats) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRowsWrittenPerPass runs the organisations, the sub-account list and a balance pass
// twice over an upstream that does not change, on Postgres with autovacuum off for the
// cache tables, and counts what the second round wrote. PURSER_PASS_SUBS sets the number
// of sub-accounts (default 300) for the figures of docs/PERFORMANCE.md:
//
//	PURSER_PASS_SUBS=10000 go test -v -run TestRowsWrittenPerPass ./internal/cachesync/
func TestRowsWrittenPerPass(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PURSER_PASS_SUBS"))
	if n <= 0 {
		n = 300
	}
	db := storetest.Postgres(t)
	for _, tb := range cacheTables {
		// A table that does not exist (before migration 00073) is left out.
		_ = db.Gorm().Exec(`ALTER TABLE ` + tb + ` SET (autovacuum_enabled = false)`).Error
	}
	r := newRig(t, db, rigOpts{subs: n, rate: 3000, sync: cachesync.Options{BatchSize: 100}})
	round := func() {
		for _, area := range []string{"organizations", "sub_accounts", "balances"} {
			r.run(t, area, "")
		}
	}
	round()
	before, v0 := pgTableStats(t, db), db.WriteVersion()
	start := time.Now()
	round()
	took := time.Since(start)
	after, v1 := pgTableStats(t, db), db.WriteVersion()

	var report strings.Builder
	for _, tb := range cacheTables {
		b, a := before[tb], after[tb]
		report.WriteString("\n" + tb + ": inserted " + strconv.FormatInt(a.ins-b.ins, 10) + ", updated " + strconv.FormatInt(a.upd-b.upd, 10) +
			" (HOT " + strconv.FormatInt(a.hot-b.hot, 10) + "), deleted " + strconv.FormatInt(a.del-b.del, 10) +
			", dead tuples " + strconv.FormatInt(b.dead, 10) + " → " + strconv.FormatInt(a.dead, 10) +
			", size " + strconv.FormatInt(b.bytes>>10, 10) + " → " + strconv.FormatInt(a.bytes>>10, 10) + " KiB")
	}
	t.Logf("second round over %d unchanged sub-accounts (%s), write version moved %d:%s", n, took.Round(time.Millisecond), v1-v0, report.String())

	subs := after["sub_accounts"]
	if d := subs.upd - before["sub_accounts"].upd; d != 0 {
		t.Errorf("sub_accounts: %d rows updated by a round with nothing changed upstream, want 0", d)
	}
	if d := subs.dead - before["sub_accounts"].dead; d > 0 {
		t.Errorf("sub_accounts: %d more dead tuples after a round with nothing changed upstream, want none", d)
	}
	for _, tb := range []string{"sub_account_credits", "coupons", "organizations"} {
		if a, b := after[tb], before[tb]; a.upd+a.del+a.ins != b.upd+b.del+b.ins {
			t.Errorf("%s: %d inserted, %d updated, %d deleted with nothing changed upstream, want none", tb, a.ins-b.ins, a.upd-b.upd, a.del-b.del)
		}
	}
	// Each of the three runs opens and closes its sync_runs row and writes its audit
	// event, each its own transaction (a statement and its commit: 6 moves), and the
	// balance pass adds the totals' history point: a constant, whatever the number of
	// sub-accounts and batches (before: one move per statement, 23,227 at 10,000).
	if d := v1 - v0; d > 3*6+1 {
		t.Errorf("write version moved %d times in a round with nothing changed upstream, want at most %d", d, 3*6+1)
	}
}
