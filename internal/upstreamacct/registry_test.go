package upstreamacct

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The registry hands out one client per enabled master, keeps it while the account is
// unchanged, builds a new one after an edit, drops disabled masters, and adds in-process
// masters (the demo sandbox) unless a stored one has the same domain id.
func TestRegistry(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	s := service(t, db)
	reg := NewRegistry(s)
	if err := reg.Ping(ctx); !errors.Is(err, ErrNoMaster) {
		t.Fatalf("ping without masters = %v", err)
	}
	a, err := s.Create(ctx, input(), audit.System("test"), auth.Operator())
	if err != nil {
		t.Fatal(err)
	}
	other := input()
	other.Name, other.DomainID = "Second", "dom2"
	if _, err := s.Create(ctx, other, audit.System("test"), auth.Operator()); err != nil {
		t.Fatal(err)
	}
	c1, err := reg.Client(ctx, "dom1")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := reg.Client(ctx, "dom1"); again != c1 {
		t.Fatal("an unchanged account got a new client (and a new rate limiter)")
	}
	if c2, _ := reg.Client(ctx, "dom2"); c2 == c1 || c2 == nil {
		t.Fatal("two masters share a client")
	}
	time.Sleep(5 * time.Millisecond) // updated_at must move
	in := input()
	in.Region = "cn-north-4"
	if _, err := s.Update(ctx, a.ID, in, audit.System("test"), auth.Operator()); err != nil {
		t.Fatal(err)
	}
	if c3, _ := reg.Client(ctx, "dom1"); c3 == c1 {
		t.Fatal("an edited account kept its old client")
	}
	in.Enabled = false
	if _, err := s.Update(ctx, a.ID, in, audit.System("test"), auth.Operator()); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Client(ctx, "dom1"); !errors.Is(err, ErrUnknownMaster) {
		t.Fatalf("a disabled master's client: %v", err)
	}
	var fake bss.Upstream = &bss.Client{}
	reg.Register("dom-sandbox", "Sandbox", fake)
	reg.Register("dom2", "Shadowed", fake)
	ms, err := reg.Masters(ctx)
	if err != nil || len(ms) != 2 {
		t.Fatalf("masters = %+v, %v", ms, err)
	}
	for _, m := range ms {
		if m.DomainID == "dom2" && m.Name != "Second" {
			t.Fatalf("an in-process master shadowed the stored one: %+v", m)
		}
	}
	if c, err := reg.Client(ctx, "dom-sandbox"); err != nil || c != fake {
		t.Fatalf("in-process master: %v", err)
	}
}

// Sub-account credentials: the registry builds a client per enabled sub credential of a
// master (kept while unchanged, rebuilt after an edit, gone once disabled), and a
// master's lookup does not drop the sub clients.
func TestRegistrySubCredentials(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	s := service(t, db)
	reg := NewRegistry(s)
	m, err := s.Create(ctx, input(), audit.System("test"), auth.Operator())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.SubClient(ctx, "sub1"); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("no credential stored: %v", err)
	}
	sub := input()
	sub.Name, sub.Kind, sub.MasterID, sub.DomainID, sub.AK = "Sub one", KindSub, &m.ID, "sub1", "AKSUBEXAMPLE9876"
	sa, err := s.Create(ctx, sub, audit.System("test"), auth.Operator())
	if err != nil {
		t.Fatal(err)
	}
	c1, err := reg.SubClient(ctx, "sub1")
	if err != nil || c1 == nil {
		t.Fatalf("sub client: %v", err)
	}
	if _, err := reg.Masters(ctx); err != nil {
		t.Fatal(err)
	}
	subs, err := reg.Subs(ctx, "dom1")
	if err != nil || len(subs) != 1 || subs[0].DomainID != "sub1" || subs[0].Upstream != c1 || subs[0].Err != nil {
		t.Fatalf("subs of dom1 = %+v, %v (want the same client as SubClient)", subs, err)
	}
	if mc, _ := reg.Client(ctx, "dom1"); mc == c1 {
		t.Fatal("the sub-account shares the master's client")
	}
	if other, _ := reg.Subs(ctx, "dom-other"); len(other) != 0 {
		t.Fatalf("subs of another master: %+v", other)
	}
	time.Sleep(5 * time.Millisecond)
	sub.Region = "cn-north-4"
	sub.SK = ""
	if _, err := s.Update(ctx, sa.ID, sub, audit.System("test"), auth.Operator()); err != nil {
		t.Fatal(err)
	}
	if c2, err := reg.SubClient(ctx, "sub1"); err != nil || c2 == c1 {
		t.Fatalf("an edited credential kept its old client (%v)", err)
	}
	sub.Enabled = false
	if _, err := s.Update(ctx, sa.ID, sub, audit.System("test"), auth.Operator()); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.SubClient(ctx, "sub1"); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("a disabled credential's client: %v", err)
	}
	if subs, _ := reg.Subs(ctx, "dom1"); len(subs) != 0 {
		t.Fatalf("disabled credential still listed: %+v", subs)
	}
}
