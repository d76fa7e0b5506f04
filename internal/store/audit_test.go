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
