package web

import (
	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/web/reportsweb"
)

// mountReports builds the scheduled reports' page (internal/web/reportsweb), mounted like
// the other areas (areas.go). Without Deps.Reports the page gets a use case of its own
// over the database: subscriptions and downloads need no mail server; the job that
// sends the reports holds the one that does.
func (s *Server) mountReports(d Deps) (*reportsweb.Area, error) {
	rs := d.Reports
	if rs == nil {
		var err error
		if rs, err = reports.New(reports.Deps{DB: d.DB, Reader: s.read, Now: s.now, Log: s.log}); err != nil {
			return nil, err
		}
	}
	return reportsweb.New(reportsweb.Deps{Core: areaCore{s}, Reports: rs, Log: s.log})
}

func (s *Server) reportRoutes() []route { return coreRoutes(s.reportsWeb.Routes()) }
