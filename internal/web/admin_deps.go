package web

import (
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
