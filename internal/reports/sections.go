package reports

import (
	"context"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
)

// Section is one sheet of a report. A report holds, in order, every section whose
// permission its subscriber has; another area adds its own section to the list
// (builtinSections) with a function of this shape.
type Section struct {
	// Key names the section: its sheet is titled by the message "reports.sheet.<Key>".
	Key string
	// Action is the permission the section needs (authz.Can without a target); "" is
	// every subscriber's. Reads within a section are limited to Input.Scope in SQL.
	Action authz.Action
	// Write fills the sheet: a header row in the subscriber's language, then rows.
	Write func(ctx context.Context, in *Input, sh export.Rows) error
}

// Input is what the sections of one report read.
type Input struct {
	User    store.User
	Subject authz.Subject
	Scope   authz.QueryScope // authz.ScopeOf(Subject)
	Period  Period
	Now     time.Time // when the report is made: balances and runways are as of then
	T       *i18n.Translator

	units    map[string]store.Organization // every unit by id, to name a path; read once
	accounts []account                     // the sub-accounts in scope with their runways; read once
	loaded   bool
}

// builtinSections are the report's sections. The automatic top-ups are operations, and
// show their operations' states and ids: they need what the operation sheets need. The
// alerts are about balances and runways: they need what the balance sheets need.
func (s *Service) builtinSections() []Section {
	return []Section{
		{Key: "cover", Write: s.writeCover},
		{Key: "units", Action: authz.ViewSubAccounts, Write: s.writeUnits},
		{Key: "sub_accounts", Action: authz.ViewSubAccounts, Write: s.writeSubAccounts},
		{Key: "operations", Action: authz.ViewOperations, Write: s.writeOperations},
		{Key: "problems", Action: authz.ViewOperations, Write: s.writeProblems},
		{Key: "topups", Action: authz.ViewOperations, Write: s.writeTopUps},
		{Key: "alerts", Action: authz.ViewSubAccounts, Write: s.writeAlerts},
		{Key: "audit", Action: authz.ViewAudit, Write: s.writeAuditSummary},
		{Key: "integrity", Action: authz.ViewAudit, Write: s.writeIntegrity},
	}
}

// sectionsFor are the sections sub may read.
func (s *Service) sectionsFor(sub authz.Subject) []Section {
	var out []Section
	for _, sec := range s.sections {
		if sec.Action == "" || authz.Allowed(sub, sec.Action, authz.Target{}) {
			out = append(out, sec)
		}
	}
	return out
}

// header writes a header row of message ids.
func header(sh export.Rows, tr *i18n.Translator, ids ...string) error {
	cols := make([]string, len(ids))
	for i, id := range ids {
		cols[i] = tr.T("reports.col." + id)
	}
	return sh.Header(cols...)
}

// label translates id, or answers fallback when the catalogue has no such message (an
// audit action another version added, an upstream code).
func label(tr *i18n.Translator, id, fallback string) string {
	if s := tr.T(id); !strings.HasPrefix(s, "[") {
		return s
	}
	return fallback
}

// timeCell is a date-time cell in Beijing time; the zero time is empty.
func timeCell(t time.Time) export.Cell { return export.Time(&t, Zone) }

// timePtrCell is timeCell of an optional time.
func timePtrCell(t *time.Time) export.Cell { return export.Time(t, Zone) }

// unitPath names a unit by the names along its path: "Group / East / Sales".
func (in *Input) unitPath(path []string, fallback string) string {
	if len(path) == 0 {
		return fallback
	}
	names := make([]string, 0, len(path))
	for _, id := range path {
		if u, ok := in.units[id]; ok && u.Name != "" {
			names = append(names, u.Name)
		} else {
			names = append(names, id)
		}
	}
	return strings.Join(names, " / ")
}

// SectionKeys names the sections sub's reports hold, in order (the page lists their
// titles, "reports.sheet.<key>").
func (s *Service) SectionKeys(sub authz.Subject) []string {
	secs := s.sectionsFor(sub)
	out := make([]string, len(secs))
	for i, sec := range secs {
		out[i] = sec.Key
	}
	return out
}
