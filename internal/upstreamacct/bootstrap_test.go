package upstreamacct

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestChangedUpstreamIsNamedAtStart: after the first start the stored master account wins
// over PORTAL_UPSTREAM. A changed value is not silently ignored: the start logs a warning
// naming the endpoint really in use and the configured one, and never a credential.
func TestChangedUpstreamIsNamedAtStart(t *testing.T) {
	db := storetest.SQLite(t)
	s := service(t, db)
	var logs bytes.Buffer
	s.Log = slog.New(slog.NewTextHandler(&logs, nil))
	ctx := context.Background()
	cfg := config.Config{Upstream: "https://bss.myhuaweicloud.com", UpstreamAPI: "v2", HWAK: "AK0001", HWSK: "SK-secret-0001", HWDomainID: "dom"}
	if ok, err := s.EnsureFromConfig(ctx, cfg); !ok || err != nil {
		t.Fatalf("first start: %v %v", ok, err)
	}
	if ok, err := s.EnsureFromConfig(ctx, cfg); ok || err != nil {
		t.Fatalf("same start: %v %v", ok, err)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("a warning with an unchanged PORTAL_UPSTREAM:\n%s", logs.String())
	}
	cfg.Upstream, cfg.HWSK = "https://bss-intl.myhuaweicloud.com", "SK-secret-0002"
	if ok, err := s.EnsureFromConfig(ctx, cfg); ok || err != nil {
		t.Fatalf("changed start: %v %v", ok, err)
	}
	out := logs.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "PORTAL_UPSTREAM") ||
		!strings.Contains(out, "endpoint_in_use=https://bss.myhuaweicloud.com") ||
		!strings.Contains(out, "configured=https://bss-intl.myhuaweicloud.com") {
		t.Fatalf("no warning naming the endpoint in use:\n%s", out)
	}
	for _, secret := range []string{"SK-secret-0001", "SK-secret-0002", "AK0001"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log shows a credential %q:\n%s", secret, out)
		}
	}
	list, _ := s.List(ctx)
	if len(list) != 1 || list[0].Endpoint != "https://bss.myhuaweicloud.com" {
		t.Fatalf("the stored account changed: %+v", list)
	}
}

// TestSandboxBesideStoredMasterIsNamedAtStart: PORTAL_UPSTREAM switched to sandbox after a
// start on Huawei Cloud does not disconnect the stored master, which is still synced and
// executed for beside the in-process sandbox. The start says so, naming its endpoint.
func TestSandboxBesideStoredMasterIsNamedAtStart(t *testing.T) {
	db := storetest.SQLite(t)
	s := service(t, db)
	var logs bytes.Buffer
	s.Log = slog.New(slog.NewTextHandler(&logs, nil))
	ctx := context.Background()
	cfg := config.Config{Upstream: config.UpstreamSandbox}
	if ok, err := s.EnsureFromConfig(ctx, cfg); ok || err != nil {
		t.Fatalf("sandbox start on an empty database: %v %v", ok, err)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("a warning with no stored master:\n%s", logs.String())
	}
	in := input()
	if _, err := s.Create(ctx, in, audit.System("test"), auth.Operator()); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.EnsureFromConfig(ctx, cfg); ok || err != nil {
		t.Fatalf("sandbox start beside a stored master: %v %v", ok, err)
	}
	out := logs.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "PORTAL_UPSTREAM") ||
		!strings.Contains(out, "endpoint_in_use=https://bss.myhuaweicloud.com") || !strings.Contains(out, "configured=sandbox") {
		t.Fatalf("no warning naming the stored master still in use:\n%s", out)
	}
	if strings.Contains(out, in.SK) || strings.Contains(out, in.AK) {
		t.Fatalf("the log shows a credential:\n%s", out)
	}
}
