package authz

import (
	"slices"
	"strings"
)

// QueryScope is what a subject's reads are limited to, computed once per request by
// ScopeOf and handed to every list, count, facet and export, which apply it in SQL. The
// zero QueryScope sees nothing: a scope that was never computed denies, it does not allow.
type QueryScope struct {
	// All: no limit (admins, auditors, and users without organisation scopes).
	All bool
	// OrgIDs are the organisation units visible when not All, each with every unit below
	// it; sorted and without duplicates.
	OrgIDs []string
}

// Everything is the scope of the system itself (sync, execution, the command line) and of
// subjects who see everything.
var Everything = QueryScope{All: true}

// ScopeOf is the one place that says whose reads are limited: admins and auditors see
// everything, so does anyone without organisation scopes; everyone else sees their units.
func ScopeOf(s Subject) QueryScope {
	if s.Has(Admin) || s.Has(Auditor) || len(s.Scopes) == 0 {
		return Everything
	}
	ids := slices.Clone(s.Scopes)
	slices.Sort(ids)
	return QueryScope{OrgIDs: slices.Compact(ids)}
}

// Limited reports whether the scope hides anything.
func (q QueryScope) Limited() bool { return !q.All }

// Covers reports whether an object in the organisation path (root first) is inside the
// scope. When limited, an object without a known unit is outside: deny by default.
func (q QueryScope) Covers(orgPath []string) bool {
	if q.All {
		return true
	}
	for _, id := range q.OrgIDs {
		if slices.Contains(orgPath, id) {
			return true
		}
	}
	return false
}

// Key names the scope in cache keys: "*" for everything, the units otherwise ("" for
// the zero scope, which sees nothing).
func (q QueryScope) Key() string {
	if q.All {
		return "*"
	}
	return strings.Join(q.OrgIDs, "\x1f")
}
