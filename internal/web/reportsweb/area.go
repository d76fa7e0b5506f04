// Package reportsweb is the scheduled reports' page (issue 15): a person's subscriptions
// to daily, weekly or monthly reports, and the reports made for them, to download. It
// declares its routes with their permissions (Routes) and receives its collaborators as
// Deps; package web mounts it, like auditweb. Subscribing and downloading are the
// person's own business (profile.manage); who may download which report is the use
// case's rule (internal/reports), as is everything audited.
package reportsweb

import (
	"context"
	"errors"
	"log/slog"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Reports is the use case as the page needs it (*reports.Service).
type Reports interface {
	Subscriptions(ctx context.Context, a reports.Actor) ([]store.ReportSubscription, error)
	Subscribe(ctx context.Context, a reports.Actor, f reports.Frequency) (*store.ReportSubscription, error)
	Unsubscribe(ctx context.Context, a reports.Actor, id int64) error
	Reports(ctx context.Context, a reports.Actor, limit int) ([]store.Report, error)
	Download(ctx context.Context, a reports.Actor, id int64) (*store.Report, error)
	SectionKeys(sub authz.Subject) []string
}

// Deps are the area's collaborators, all required.
type Deps struct {
	Core    webcore.Core
	Reports Reports
	Log     *slog.Logger
}

// Area serves the reports page.
type Area struct {
	core    webcore.Core
	reports Reports
	log     *slog.Logger
}

// New builds the area.
func New(d Deps) (*Area, error) {
	if d.Core == nil || d.Reports == nil || d.Log == nil {
		return nil, errors.New("reportsweb: Deps.Core, Reports and Log are required")
	}
	return &Area{core: d.Core, reports: d.Reports, log: d.Log}, nil
}

// Routes are the page, its two forms and the downloads.
func (a *Area) Routes() []webcore.Route {
	return []webcore.Route{
		{Method: "GET", Path: "/reports", Action: authz.ManageOwnProfile, Handle: a.page},
		{Method: "POST", Path: "/reports/subscriptions", Action: authz.ManageOwnProfile, Handle: a.subscribe},
		{Method: "POST", Path: "/reports/subscriptions/:id/cancel", Action: authz.ManageOwnProfile, Handle: a.unsubscribe},
		{Method: "GET", Path: "/reports/:id/download", Action: authz.ManageOwnProfile, Handle: a.download},
	}
}
