package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func appendN(t *testing.T, db *store.DB, n int, action string) []store.AuditEvent {
	t.Helper()
	out := make([]store.AuditEvent, 0, n)
	for i := range n {
		e := store.AuditEvent{ActorName: "alice", Action: action, TargetType: "operation",
			TargetID: fmt.Sprint(i), Outcome: store.OutcomeSuccess,
			Details: json.RawMessage(fmt.Sprintf(`{ "i": %d }`, i))}
		if err := db.AppendAudit(context.Background(), &e); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
		out = append(out, e)
	}
	return out
}

func mustVerify(t *testing.T, db *store.DB, wantChecked int64) {
	t.Helper()
	v, err := db.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK || v.Checked != wantChecked || v.BrokenID != 0 {
		t.Fatalf("VerifyAudit = %+v, want OK with %d checked", v, wantChecked)
	}
}

func TestAuditAppendAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mustVerify(t, db, 0) // empty chain is intact

		before, _ := db.Now(ctx)
		actor := int64(7)
		first := store.AuditEvent{ActorID: &actor, ActorName: "alice", IP: "10.0.0.1", UserAgent: "ua",
			RequestID: "req-1", Action: "auth.login", Outcome: store.OutcomeSuccess,
			Details: json.RawMessage("{\n  \"method\": \"password\"\n}")}
		if err := db.AppendAudit(ctx, &first); err != nil {
			t.Fatal(err)
		}
		if first.ID != 1 || first.PrevHash != "" || len(first.Hash) != 64 ||
			first.Time.Location() != time.UTC || first.Time.Before(before.Add(-time.Second)) ||
			string(first.Details) != `{"method":"password"}` || first.Hash != store.AuditHash(first) {
			t.Fatalf("first event = %+v", first)
		}
		sys := store.AuditEvent{Action: "sync.run", Outcome: store.OutcomeFailure}
		if err := db.AppendAudit(ctx, &sys); err != nil {
			t.Fatal(err)
		}
		if sys.ID != 2 || sys.PrevHash != first.Hash || sys.ActorName != store.SystemActor || string(sys.Details) != "{}" {
			t.Fatalf("system event = %+v", sys)
		}

		// Refused input.
		for _, bad := range []store.AuditEvent{
			{Action: "", Outcome: store.OutcomeSuccess},
			{Action: "x.y", Outcome: "ok"},
			{Action: "x.y", Outcome: store.OutcomeDenied, Details: json.RawMessage("{nope")},
		} {
			if err := db.AppendAudit(ctx, &bad); err == nil {
				t.Fatalf("AppendAudit(%+v) accepted", bad)
			}
		}

		// Round trip: what is read back hashes to what was stored.
		got, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != 2 || got[1].ID != 1 {
			t.Fatalf("ListAudit = %+v", got)
		}
		r := got[1]
		if r.ActorID == nil || *r.ActorID != 7 || r.IP != "10.0.0.1" || r.RequestID != "req-1" ||
			!r.Time.Equal(first.Time) || r.Hash != first.Hash || store.AuditHash(r) != r.Hash {
			t.Fatalf("read back %+v, want %+v", r, first)
		}

		appendN(t, db, 60, "operation.approve")
		mustVerify(t, db, 62)

		// Default limit, max limit, keyset paging.
		page, _ := db.ListAudit(ctx, store.AuditFilter{})
		if len(page) != store.AuditDefaultLimit || page[0].ID != 62 {
			t.Fatalf("default page: %d events, first %d", len(page), page[0].ID)
		}
		page, _ = db.ListAudit(ctx, store.AuditFilter{Limit: 10000})
		if len(page) != 62 {
			t.Fatalf("big page: %d", len(page))
		}
		page, _ = db.ListAudit(ctx, store.AuditFilter{BeforeID: 10, Limit: 5})
		if len(page) != 5 || page[0].ID != 9 || page[4].ID != 5 {
			t.Fatalf("keyset page: %+v", page)
		}

		// Filters.
		cases := []struct {
			f    store.AuditFilter
			want int
		}{
			{store.AuditFilter{Action: "auth.login"}, 1},
			{store.AuditFilter{ActorName: "system"}, 1},
			{store.AuditFilter{Outcome: store.OutcomeFailure}, 1},
			{store.AuditFilter{TargetType: "operation", TargetID: "3"}, 1},
			{store.AuditFilter{Action: "operation.approve", Limit: 500}, 60},
			{store.AuditFilter{Since: first.Time, Limit: 500}, 62},
			{store.AuditFilter{Until: first.Time}, 0},
			{store.AuditFilter{Since: first.Time.Add(time.Hour)}, 0},
		}
		for _, c := range cases {
			got, err := db.ListAudit(ctx, c.f)
			if err != nil || len(got) != c.want {
				t.Fatalf("ListAudit(%+v) = %d events, %v; want %d", c.f, len(got), err, c.want)
			}
		}
	})
}

func TestAuditConcurrentWritersNoFork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const writers, each = 16, 12
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					e := store.AuditEvent{ActorName: fmt.Sprintf("w%d", w), Action: "test.write",
						Outcome: store.OutcomeSuccess, TargetID: fmt.Sprint(i)}
					var err error
					if i%3 == 0 {
						// Some appends inside a business transaction, one of
						// which rolls back: ids must stay gap-free.
						err = db.InTx(ctx, func(tx *store.DB) error {
							if err := tx.AppendAudit(ctx, &e); err != nil {
								return err
							}
							if i == 3 {
								return errRollback
							}
							return nil
						})
						if errors.Is(err, errRollback) {
							err = nil
						}
					} else {
						err = db.AppendAudit(ctx, &e)
					}
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		const committed = writers * (each - 1)
		events, err := db.ListAudit(ctx, store.AuditFilter{Limit: store.AuditMaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != committed {
			t.Fatalf("%d events, want %d", len(events), committed)
		}
		seen := map[string]int64{}
		for _, e := range events {
			if other, dup := seen[e.PrevHash]; dup {
				t.Fatalf("fork: events %d and %d share prev_hash %q", e.ID, other, e.PrevHash)
			}
			seen[e.PrevHash] = e.ID
		}
		mustVerify(t, db, committed)
	})
}

var errRollback = errors.New("roll back")

func TestAuditInTxRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		appendN(t, db, 2, "before")
		var inside store.AuditEvent
		err := db.InTx(ctx, func(tx *store.DB) error {
			if err := tx.CreateUser(ctx, &store.User{Username: "ghost"}); err != nil {
				return err
			}
			inside = store.AuditEvent{Action: "user.create", Outcome: store.OutcomeSuccess, TargetType: "user", TargetID: "ghost"}
			if err := tx.AppendAudit(ctx, &inside); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("InTx = %v", err)
		}
		if got, _ := db.ListAudit(ctx, store.AuditFilter{Action: "user.create"}); len(got) != 0 {
			t.Fatalf("rolled-back audit event visible: %+v", got)
		}
		if _, err := db.UserByUsername(ctx, "ghost"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rolled-back user visible: %v", err)
		}
		// Committed transaction keeps both.
		err = db.InTx(ctx, func(tx *store.DB) error {
			if err := tx.CreateUser(ctx, &store.User{Username: "real"}); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &store.AuditEvent{Action: "user.create", Outcome: store.OutcomeSuccess, TargetID: "real"})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := db.ListAudit(ctx, store.AuditFilter{Action: "user.create"})
		if len(got) != 1 || got[0].TargetID != "real" || got[0].ID != 3 {
			t.Fatalf("committed audit event: %+v", got)
		}
		mustVerify(t, db, 3)
	})
}

func TestAuditAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		appendN(t, db, 3, "x.y")
		g := db.Gorm().WithContext(ctx)
		stmts := []string{
			"UPDATE audit_events SET actor_name = 'mallory' WHERE id = 2",
			"DELETE FROM audit_events WHERE id = 2",
			"DELETE FROM audit_events",
		}
		if db.Dialect() == store.DialectPostgres {
			stmts = append(stmts, "TRUNCATE audit_events")
		}
		for _, s := range stmts {
			err := g.Exec(s).Error
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: err = %v, want the trigger's refusal", s, err)
			}
		}
		mustVerify(t, db, 3)
	})
}

// disableAuditTriggers lets a test tamper with the trail the way an attacker
// with DDL rights could.
func disableAuditTriggers(t *testing.T, db *store.DB) {
	t.Helper()
	g := db.Gorm()
	var stmts []string
	if db.Dialect() == store.DialectPostgres {
		stmts = []string{"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete"}
	} else {
		stmts = []string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"}
	}
	for _, s := range stmts {
		if err := g.Exec(s).Error; err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name     string
		sql      string
		brokenID int64
	}{
		{"changed actor", "UPDATE audit_events SET actor_name = 'mallory' WHERE id = 5", 5},
		{"changed details", `UPDATE audit_events SET details = '{"i":999}' WHERE id = 7`, 7},
		{"changed actor id", "UPDATE audit_events SET actor_id = 42 WHERE id = 3", 3},
		{"changed time", "UPDATE audit_events SET time = '2000-01-01 00:00:00+00:00' WHERE id = 4", 4},
		{"deleted middle", "DELETE FROM audit_events WHERE id = 6", 6},
		{"deleted first", "DELETE FROM audit_events WHERE id = 1", 1},
		{"relinked", "UPDATE audit_events SET prev_hash = 'x' WHERE id = 8", 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				appendN(t, db, 10, "x.y")
				disableAuditTriggers(t, db)
				if err := db.Gorm().Exec(c.sql).Error; err != nil {
					t.Fatal(err)
				}
				v, err := db.VerifyAudit(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if v.OK || v.BrokenID != c.brokenID || v.Reason == "" || v.Checked != c.brokenID-1 {
					t.Fatalf("VerifyAudit = %+v, want broken at %d", v, c.brokenID)
				}
			})
		})
	}
}

// TestAuditVerifyBatches crosses the verifier's batch boundary (1000).
func TestAuditVerifyBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 1203
		err := db.InTx(ctx, func(tx *store.DB) error {
			for i := range n {
				if err := tx.AppendAudit(ctx, &store.AuditEvent{Action: "bulk", Outcome: store.OutcomeSuccess, TargetID: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		mustVerify(t, db, n)
		disableAuditTriggers(t, db)
		if err := db.Gorm().Exec("UPDATE audit_events SET target_id = 'x' WHERE id = 1101").Error; err != nil {
			t.Fatal(err)
		}
		v, err := db.VerifyAudit(ctx)
		if err != nil || v.OK || v.BrokenID != 1101 {
			t.Fatalf("VerifyAudit = %+v, %v", v, err)
		}
	})
}

func TestAuditHashCoversEveryField(t *testing.T) {
	actor := int64(1)
	base := store.AuditEvent{ID: 1, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ActorID: &actor,
		ActorName: "a", IP: "i", UserAgent: "u", RequestID: "r", Action: "x.y", TargetType: "t",
		TargetID: "1", Outcome: "success", Details: json.RawMessage(`{}`), PrevHash: "p"}
	h := store.AuditHash(base)
	other := int64(2)
	muts := map[string]func(e *store.AuditEvent){
		"id":        func(e *store.AuditEvent) { e.ID = 2 },
		"time":      func(e *store.AuditEvent) { e.Time = e.Time.Add(time.Microsecond) },
		"actor id":  func(e *store.AuditEvent) { e.ActorID = &other },
		"no actor":  func(e *store.AuditEvent) { e.ActorID = nil },
		"actor":     func(e *store.AuditEvent) { e.ActorName = "b" },
		"ip":        func(e *store.AuditEvent) { e.IP = "j" },
		"ua":        func(e *store.AuditEvent) { e.UserAgent = "v" },
		"request":   func(e *store.AuditEvent) { e.RequestID = "s" },
		"action":    func(e *store.AuditEvent) { e.Action = "x.z" },
		"type":      func(e *store.AuditEvent) { e.TargetType = "s" },
		"target":    func(e *store.AuditEvent) { e.TargetID = "2" },
		"outcome":   func(e *store.AuditEvent) { e.Outcome = "denied" },
		"details":   func(e *store.AuditEvent) { e.Details = json.RawMessage(`{"a":1}`) },
		"prev":      func(e *store.AuditEvent) { e.PrevHash = "q" },
		"ambiguous": func(e *store.AuditEvent) { e.IP, e.UserAgent = "iu", "" },
	}
	for name, mut := range muts {
		e := base
		mut(&e)
		if store.AuditHash(e) == h {
			t.Errorf("hash ignores %s", name)
		}
	}
	// Same instant in another zone hashes the same.
	e := base
	e.Time = e.Time.In(time.FixedZone("X", 3600))
	if store.AuditHash(e) != h {
		t.Error("hash depends on the time zone")
	}
}

// TestAuditHashGolden pins the v1 encoding byte for byte: stored chains depend on it,
// so a faster AuditHash must give exactly these values (computed with the original
// hash.Hash-and-closure implementation).
func TestAuditHashGolden(t *testing.T) {
	actor := int64(42)
	when := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.FixedZone("CST", 8*3600))
	for _, c := range []struct {
		e    store.AuditEvent
		want string
	}{
		{store.AuditEvent{ID: 1234567, Time: when, ActorID: &actor, ActorName: "张三", IP: "10.0.0.1", UserAgent: "Mozilla/5.0",
			RequestID: "req-1", Action: "operation.approve", TargetType: "operation", TargetID: "op-9", Outcome: "success",
			Details: json.RawMessage(`{"amount":"1234.50","note":"审批"}`), PrevHash: "ab12"},
			"1128f7fa07327f3d614acd359e80e49ecebd87b2bdb1c3adbd675ffd80743d9c"},
		{store.AuditEvent{ID: 1, Time: when, ActorName: "system", Action: "sync.run", Outcome: "failure"},
			"e0e97fe772e423442d7995f3bcae6431914bbd2df385317077b2d4642dae5371"},
	} {
		if got := store.AuditHash(c.e); got != c.want {
			t.Errorf("AuditHash(%d) = %s, want %s", c.e.ID, got, c.want)
		}
	}
}

// TestAuditVerifyEveryColumn tampers with each column in turn: on Postgres verification
// decodes every column from pgx's binary format itself, so a column decoded wrongly (or
// not at all) would either break the valid chain or miss the change.
func TestAuditVerifyEveryColumn(t *testing.T) {
	cases := []struct {
		name, sql string
		brokenID  int64
		shift     time.Duration // for "time": the event's time is moved by shift, passed as ?
	}{
		{"id", "UPDATE audit_events SET id = 100 WHERE id = 6", 6, 0},
		{"time by a microsecond", "UPDATE audit_events SET time = ? WHERE id = 4", 4, time.Microsecond},
		{"time by a second", "UPDATE audit_events SET time = ? WHERE id = 4", 4, -time.Second},
		{"time before 2000", "UPDATE audit_events SET time = ? WHERE id = 4", 4, -30 * 365 * 24 * time.Hour},
		{"actor id set", "UPDATE audit_events SET actor_id = 7 WHERE id = 2", 2, 0},
		{"actor id changed", "UPDATE audit_events SET actor_id = actor_id + 1 WHERE id = 3", 3, 0},
		{"actor id removed", "UPDATE audit_events SET actor_id = NULL WHERE id = 3", 3, 0},
		{"actor name", "UPDATE audit_events SET actor_name = 'alicE' WHERE id = 5", 5, 0},
		{"ip", "UPDATE audit_events SET ip = '10.0.0.2' WHERE id = 5", 5, 0},
		{"user agent", "UPDATE audit_events SET user_agent = 'curl' WHERE id = 5", 5, 0},
		{"request id", "UPDATE audit_events SET request_id = 'req-x' WHERE id = 5", 5, 0},
		{"action", "UPDATE audit_events SET action = 'x.z' WHERE id = 5", 5, 0},
		{"target type", "UPDATE audit_events SET target_type = 'user' WHERE id = 5", 5, 0},
		{"target id", "UPDATE audit_events SET target_id = '55' WHERE id = 5", 5, 0},
		{"outcome", "UPDATE audit_events SET outcome = 'denied' WHERE id = 5", 5, 0},
		{"details bytes", `UPDATE audit_events SET details = '{"i": 4}' WHERE id = 5`, 5, 0},
		{"prev hash", "UPDATE audit_events SET prev_hash = upper(prev_hash) WHERE id = 5", 5, 0},
		{"hash", "UPDATE audit_events SET hash = upper(hash) WHERE id = 5", 5, 0},
		{"last hash", "UPDATE audit_events SET hash = upper(hash) WHERE id = 10", 10, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				for i := range 10 {
					e := store.AuditEvent{ActorName: "alice", IP: "10.0.0.1", UserAgent: "Mozilla/5.0 浏览器",
						RequestID: fmt.Sprintf("req-%d", i), Action: "x.y", TargetType: "operation",
						TargetID: fmt.Sprint(i), Outcome: store.OutcomeSuccess, Details: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}
					if i != 1 { // event 2 has no actor id
						id := int64(1) << (3 * i)
						e.ActorID = &id
					}
					if err := db.AppendAudit(ctx, &e); err != nil {
						t.Fatal(err)
					}
				}
				mustVerify(t, db, 10)
				disableAuditTriggers(t, db)
				var args []any
				if c.shift != 0 {
					e, err := db.AuditEventByID(ctx, c.brokenID)
					if err != nil {
						t.Fatal(err)
					}
					args = append(args, e.Time.Add(c.shift))
				}
				if err := db.Gorm().Exec(c.sql, args...).Error; err != nil {
					t.Fatal(err)
				}
				v, err := db.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if v.OK || v.BrokenID != c.brokenID || v.Reason == "" || v.Checked != c.brokenID-1 {
					t.Fatalf("VerifyAudit = %+v, want broken at %d", v, c.brokenID)
				}
			})
		})
	}
}

// TestAuditVerifyDecodesEdgeValues verifies a hand-written chain whose values are at the
// edges of what the Postgres binary decoding handles (times before 1970 and 2000, with
// microseconds; extreme actor ids; multi-byte text; JSON with spaces), and gives the
// same result inside a transaction (the database/sql path).
func TestAuditVerifyDecodesEdgeValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := []*int64{nil, ptrInt64(0), ptrInt64(-1), ptrInt64(1<<63 - 1), ptrInt64(-1 << 63), ptrInt64(42)}
		times := []time.Time{
			time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 1000, time.UTC),
			time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(1900, 2, 28, 12, 0, 0, 500000000, time.UTC),
			time.Date(2026, 11, 25, 20, 1, 2, 345678000, time.UTC),
			time.Date(2999, 1, 1, 0, 0, 0, 1000, time.UTC),
		}
		prev := ""
		for i := range times {
			e := store.AuditEvent{ID: int64(i + 1), Time: times[i], ActorID: ids[i], ActorName: "张三 " + fmt.Sprint(i),
				IP: "::1", UserAgent: "", RequestID: "r\x01" + fmt.Sprint(i), Action: "a.b", TargetType: "t", TargetID: "",
				Outcome: store.OutcomeFailure, Details: json.RawMessage(fmt.Sprintf(`{ "n" : %d, "s": "审批 \u00e9" }`, i)), PrevHash: prev}
			e.Hash = store.AuditHash(e)
			prev = e.Hash
			err := db.Gorm().Exec(`INSERT INTO audit_events (id, time, actor_id, actor_name, ip, user_agent, request_id, action,
				target_type, target_id, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.ID, e.Time, e.ActorID, e.ActorName, e.IP, e.UserAgent, e.RequestID, e.Action, e.TargetType, e.TargetID,
				e.Outcome, string(e.Details), e.PrevHash, e.Hash).Error
			if err != nil {
				t.Fatal(err)
			}
		}
		mustVerify(t, db, int64(len(times)))
		err := db.InTx(ctx, func(tx *store.DB) error {
			v, err := tx.VerifyAudit(ctx)
			if err == nil && (!v.OK || v.Checked != int64(len(times))) {
				err = fmt.Errorf("VerifyAudit in a transaction = %+v", v)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func ptrInt64(n int64) *int64 { return &n }

// TestAuditVerifyPgBatches crosses the Postgres verifier's batch boundaries (set to 7
// rows), ending exactly on one, with progress reported per batch; and checks that a
// transaction-bound DB (database/sql path) sees its own uncommitted events.
func TestAuditVerifyPgBatches(t *testing.T) {
	restore := store.SetAuditVerifyPgBatch(7)
	defer restore()
	db := storetest.Postgres(t)
	ctx := context.Background()
	appendN(t, db, 28, "x.y")
	var seen []int64
	v, err := db.VerifyAuditRange(ctx, 0, 0, func(n int64) { seen = append(seen, n) })
	if err != nil || !v.OK || v.Checked != 28 {
		t.Fatalf("VerifyAuditRange = %+v, %v", v, err)
	}
	if fmt.Sprint(seen) != "[7 14 21 28 28]" {
		t.Errorf("progress %v, want [7 14 21 28 28]", seen)
	}
	if v, err := db.VerifyAuditRange(ctx, 9, 23, nil); err != nil || !v.OK || v.Checked != 15 {
		t.Fatalf("VerifyAuditRange(9, 23) = %+v, %v", v, err)
	}
	err = db.InTx(ctx, func(tx *store.DB) error {
		appendN(t, tx, 3, "x.z")
		v, err := tx.VerifyAudit(ctx)
		if err == nil && (!v.OK || v.Checked != 31) {
			err = fmt.Errorf("VerifyAudit in a transaction = %+v", v)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	disableAuditTriggers(t, db)
	if err := db.Gorm().Exec("UPDATE audit_events SET request_id = 'x' WHERE id = 15").Error; err != nil {
		t.Fatal(err)
	}
	if v, err := db.VerifyAudit(ctx); err != nil || v.OK || v.BrokenID != 15 || v.Checked != 14 {
		t.Fatalf("VerifyAudit = %+v, %v, want broken at 15", v, err)
	}
}
