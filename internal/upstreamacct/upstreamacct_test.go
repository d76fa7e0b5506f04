package upstreamacct

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testKey = bytes.Repeat([]byte{7}, 32)

func service(t *testing.T, db *store.DB) *Service {
	t.Helper()
	s, err := New(db, testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func auditEvents(t *testing.T, db *store.DB) []store.AuditEvent {
	t.Helper()
	evs, err := db.ListAudit(context.Background(), store.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func input() Input {
	return Input{Name: "Main", Endpoint: "https://bss.myhuaweicloud.com/", AK: "AKIDEXAMPLE1234", SK: "very-secret-sk-value",
		DomainID: "dom1", Enabled: true}
}

func TestCreateUpdateDeleteAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		m := audit.System("test")
		op := auth.Operator()

		if _, err := s.Create(ctx, input(), m, auth.StepUp{}); !errors.Is(err, auth.ErrStepUpRequired) {
			t.Fatalf("without step-up: %v", err)
		}
		bad := input()
		bad.SK, bad.Endpoint, bad.Generation = "", "ftp://x", "v3"
		var ve *ValidationError
		if _, err := s.Create(ctx, bad, m, op); !errors.As(err, &ve) || len(ve.Fields) != 3 || MessageID(err) != "upstream.err.invalid" {
			t.Fatalf("validation: %v", err)
		}
		a, err := s.Create(ctx, input(), m, op)
		if err != nil {
			t.Fatal(err)
		}
		if a.AKLast4 != "1234" || !a.HasSecret || a.Endpoint != "https://bss.myhuaweicloud.com" || a.Generation != "v2" {
			t.Fatalf("created %+v", a)
		}
		if _, err := s.Create(ctx, input(), m, op); !errors.Is(err, ErrExists) {
			t.Fatalf("duplicate: %v", err)
		}
		stored, _ := db.UpstreamAccountByID(ctx, a.ID)
		if strings.Contains(stored.SK, "very-secret") {
			t.Fatal("SK stored in clear")
		}
		list, err := db.ListUpstreamAccounts(ctx)
		if err != nil || len(list) != 1 || list[0].SK == stored.SK {
			t.Fatalf("store list leaks the ciphertext: %+v %v", list, err)
		}

		// Update without SK keeps it; with SK replaces it.
		in := input()
		in.SK, in.Name, in.Region = "", "Main CN", "cn-north-4"
		if _, err := s.Update(ctx, a.ID, in, m, op); err != nil {
			t.Fatal(err)
		}
		again, _ := db.UpstreamAccountByID(ctx, a.ID)
		if again.SK != stored.SK || again.Name != "Main CN" {
			t.Fatalf("SK not kept: %+v", again)
		}
		in.SK = "new-secret-sk"
		if _, err := s.Update(ctx, a.ID, in, m, op); err != nil {
			t.Fatal(err)
		}
		again, _ = db.UpstreamAccountByID(ctx, a.ID)
		if sk, _ := s.Box.Open(again.SK); sk != "new-secret-sk" {
			t.Fatalf("SK not replaced: %q", sk)
		}

		// A sub-account credential needs an existing master; its master cannot be deleted first.
		sub := input()
		sub.Name, sub.Kind, sub.DomainID = "Sub 1", KindSub, "sub-dom"
		if _, err := s.Create(ctx, sub, m, op); !errors.As(err, &ve) {
			t.Fatalf("sub without master: %v", err)
		}
		sub.MasterID = &a.ID
		sa, err := s.Create(ctx, sub, m, op)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, a.ID, m, op); !errors.Is(err, ErrInUse) {
			t.Fatalf("delete master in use: %v", err)
		}
		if err := s.Delete(ctx, sa.ID, m, op); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, a.ID, m, op); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, a.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}

		var acts []string
		evs := auditEvents(t, db)
		for i := len(evs) - 1; i >= 0; i-- {
			acts = append(acts, evs[i].Action)
			d := string(evs[i].Details)
			if strings.Contains(d, "secret-sk") || strings.Contains(d, "AKIDEXAMPLE") {
				t.Fatalf("credential in audit details: %s", d)
			}
		}
		want := "upstream_account.create,upstream_account.update,upstream_account.update,upstream_account.create,upstream_account.delete,upstream_account.delete"
		if got := strings.Join(acts, ","); got != want {
			t.Fatalf("audit %s", got)
		}
		// The update event carries before and after.
		var upd string
		for _, e := range evs {
			if e.Action == audit.UpstreamAccountUpdate {
				upd = string(e.Details)
				break
			}
		}
		if !strings.Contains(upd, `"before"`) || !strings.Contains(upd, `"after"`) || !strings.Contains(upd, `"credentials_replaced":true`) {
			t.Fatalf("update details %s", upd)
		}
	})
}

func TestTestConnectionAgainstSandbox(t *testing.T) {
	ctx := context.Background()
	opts := sandbox.DefaultOptions()
	opts.SubAccounts = 2
	sb, err := sandbox.Start(ctx, "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		m, op := audit.System("test"), auth.Operator()
		good, err := s.Create(ctx, Input{Name: "Sandbox", Endpoint: sb.URL(), AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID, Enabled: true}, m, op)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.TestConnection(ctx, good.ID, m)
		if err != nil || !res.OK || res.MessageID != TestOK || res.Currency == "" {
			t.Fatalf("good credentials: %+v %v", res, err)
		}
		c, err := s.Client(ctx, good.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("client from stored credentials: %v", err)
		}
		bad, err := s.Create(ctx, Input{Name: "Wrong SK", Endpoint: sb.URL(), AK: opts.AK, SK: "not-the-sk", DomainID: "other", Enabled: false}, m, op)
		if err != nil {
			t.Fatal(err)
		}
		res, err = s.TestConnection(ctx, bad.ID, m)
		if err != nil || res.OK || res.MessageID != TestAuthFailed {
			t.Fatalf("wrong SK: %+v %v", res, err)
		}
		if _, err := s.Client(ctx, bad.ID); !errors.Is(err, ErrDisabled) {
			t.Fatalf("disabled account built a client: %v", err)
		}
		// Nothing listens here.
		down, err := s.Create(ctx, Input{Name: "Down", Endpoint: "http://127.0.0.1:1", AK: "a", SK: "b", DomainID: "d3", Enabled: true}, m, op)
		if err != nil {
			t.Fatal(err)
		}
		res, err = s.TestConnection(ctx, down.ID, m)
		if err != nil || res.OK || res.MessageID != TestUnreachable {
			t.Fatalf("unreachable: %+v %v", res, err)
		}
		// A key that cannot open the SK says so instead of calling out.
		other, _ := New(db, bytes.Repeat([]byte{9}, 32))
		res, err = other.TestConnection(ctx, good.ID, m)
		if err != nil || res.OK || res.MessageID != TestSecret {
			t.Fatalf("wrong portal key: %+v %v", res, err)
		}
		outcomes := map[string]int{}
		for _, e := range auditEvents(t, db) {
			if e.Action == audit.UpstreamAccountTest {
				outcomes[e.Outcome]++
			}
		}
		if outcomes[audit.Success] != 1 || outcomes[audit.Failure] != 3 {
			t.Fatalf("test events %v", outcomes)
		}
	})
}

func TestEnsureFromConfig(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		cfg := config.Config{Upstream: "https://bss.myhuaweicloud.com", UpstreamAPI: "v2", HWAK: "AK0001", HWSK: "SK0001", HWDomainID: "dom"}
		if ok, err := s.EnsureFromConfig(ctx, config.Config{Upstream: config.UpstreamSandbox}); ok || err != nil {
			t.Fatalf("sandbox: %v %v", ok, err)
		}
		if ok, err := s.EnsureFromConfig(ctx, cfg); !ok || err != nil {
			t.Fatalf("first start: %v %v", ok, err)
		}
		cfg.HWSK = "changed"
		if ok, err := s.EnsureFromConfig(ctx, cfg); ok || err != nil {
			t.Fatalf("second start: %v %v", ok, err)
		}
		list, _ := s.List(ctx)
		if len(list) != 1 || list[0].AKLast4 != "0001" || list[0].Kind != KindMaster {
			t.Fatalf("%+v", list)
		}
		a, _ := db.UpstreamAccountByID(ctx, list[0].ID)
		if sk, _ := s.Box.Open(a.SK); sk != "SK0001" {
			t.Fatal("bootstrap overwrote or lost the SK")
		}
	})
}

// Sub-account credentials filed under a master that does not list the sub-account are
// refused: both masters' syncs would otherwise fight over its resources.
func TestSubCredentialUnderItsOwnMaster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		m, op := audit.System("test"), auth.Operator()
		a, err := s.Create(ctx, input(), m, op)
		if err != nil {
			t.Fatal(err)
		}
		other := input()
		other.Name, other.DomainID, other.AK = "Other", "dom2", "AKIDEXAMPLE5678"
		b, err := s.Create(ctx, other, m, op)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.UpsertSubAccounts(ctx, "dom2", 0, []store.SubAccountInfo{{ID: "sub-of-b", Name: "b1"}}, time.Now()); err != nil {
			t.Fatal(err)
		}

		sub := input()
		sub.Name, sub.Kind, sub.DomainID, sub.MasterID = "B's sub", KindSub, "sub-of-b", &a.ID
		var ve *ValidationError
		if _, err := s.Create(ctx, sub, m, op); !errors.As(err, &ve) || ve.Fields["master_id"] != "upstream.field.sub_master" {
			t.Fatalf("credentials under the wrong master: %v", err)
		}
		sub.MasterID = &b.ID
		created, err := s.Create(ctx, sub, m, op)
		if err != nil {
			t.Fatalf("credentials under the listing master: %v", err)
		}
		sub.MasterID = &a.ID
		if _, err := s.Update(ctx, created.ID, sub, m, op); !errors.As(err, &ve) || ve.Fields["master_id"] != "upstream.field.sub_master" {
			t.Fatalf("moved to the wrong master: %v", err)
		}
		// A sub-account the cache does not know yet cannot be checked: accepted.
		unknown := input()
		unknown.Name, unknown.Kind, unknown.DomainID, unknown.MasterID = "Not synced", KindSub, "sub-unknown", &a.ID
		if _, err := s.Create(ctx, unknown, m, op); err != nil {
			t.Fatalf("not yet synced sub-account: %v", err)
		}
	})
}
