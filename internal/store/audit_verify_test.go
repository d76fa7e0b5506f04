package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

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
