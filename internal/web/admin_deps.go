package web

import (
	"context"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/users"
)

// AdminDeps are the use cases behind the administration and account pages. wiring builds
// them; mountAdmin and mountAccount (areas_identity.go) hand each area what it uses.
type AdminDeps struct {
	Users    *users.Service
	Accounts *upstreamacct.Service
	Settings *settings.Service
	SSO      *sso.Service
}

// lowBalanceDefault is the default low-balance threshold of the settings, or the built-in
// one when none is set.
func (s *Server) lowBalanceDefault(ctx context.Context) money.Amount {
	if s.admin.Settings != nil {
		if st, err := s.admin.Settings.Get(ctx); err == nil && st.Balance.LowThreshold.IsPositive() {
			return st.Balance.LowThreshold
		}
	}
	return defaultLowBalance
}
