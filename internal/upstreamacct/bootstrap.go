package upstreamacct

import (
	"context"
	"net/url"
	"strings"

	"github.com/purser-finance/purser/internal/config"
)

// warnStoredWins tells an operator who changed PORTAL_UPSTREAM after the first start that
// the change has no effect: the master accounts stored under /admin/upstream are what the
// portal talks to, and PORTAL_UPSTREAM / PORTAL_HW_* only seed the first one (with
// sandbox, they are still talked to beside the in-process sandbox). It names the
// endpoints, never a credential.
func (s *Service) warnStoredWins(ctx context.Context, cfg config.Config) error {
	if s.Log == nil {
		return nil
	}
	want := strings.TrimRight(strings.TrimSpace(cfg.Upstream), "/")
	rows, err := s.DB.ListUpstreamAccounts(ctx)
	if err != nil {
		return err
	}
	var inUse []string
	for _, r := range rows {
		if r.Kind != KindMaster || !r.Enabled {
			continue
		}
		if r.Endpoint == want {
			return nil
		}
		inUse = append(inUse, redacted(r.Endpoint))
	}
	if len(inUse) == 0 {
		return nil // every stored master is disabled: the registry warns that none is usable
	}
	msg := "PORTAL_UPSTREAM differs from the stored master account, which wins: edit the endpoint under /admin/upstream"
	if cfg.Sandbox() {
		// The in-process sandbox is added beside the stored masters, which stay connected
		// (synced, executed for): switching to sandbox does not disconnect Huawei Cloud.
		msg = "PORTAL_UPSTREAM is sandbox, but the stored master accounts are still used beside it: disable them under /admin/upstream"
	}
	s.Log.Warn(msg, "endpoint_in_use", strings.Join(inUse, ","), "configured", redacted(want))
	return nil
}

// redacted drops any user:password an endpoint URL might carry.
func redacted(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	return u.String()
}
