package web

import (
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/web/rulesweb"
)

// mountRules builds the standing top-up rules' area over the maker-checker workflow (a
// rule changes only through an approved operation); without one its pages answer "not
// available".
func (s *Server) mountRules(d Deps) (*rulesweb.Area, error) {
	var svc *rules.Service
	if d.Operations != nil {
		svc = rules.NewService(d.DB, d.Operations, rules.Options{Clock: d.Now, Log: s.log})
	}
	return rulesweb.New(rulesweb.Deps{Core: areaCore{s}, Rules: svc, Log: s.log, Now: s.now})
}

func (s *Server) rulesRoutes() []route { return coreRoutes(s.rulesWeb.Routes()) }
