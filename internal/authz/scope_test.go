package authz

import (
	"slices"
	"testing"
)

func TestScopeOf(t *testing.T) {
	east := []string{"east", "east", "a-unit"}
	for _, tt := range []struct {
		name string
		sub  Subject
		all  bool
		ids  []string
	}{
		{"admin with scopes", Subject{UserID: 1, Roles: []Role{Admin}, Scopes: east}, true, nil},
		{"auditor with scopes", Subject{UserID: 1, Roles: []Role{Auditor}, Scopes: east}, true, nil},
		{"finance without scopes", Subject{UserID: 1, Roles: []Role{Finance}}, true, nil},
		{"finance with scopes", Subject{UserID: 1, Roles: []Role{Finance}, Scopes: east}, false, []string{"a-unit", "east"}},
		{"viewer and auditor", Subject{UserID: 1, Roles: []Role{Viewer, Auditor}, Scopes: east}, true, nil},
	} {
		q := ScopeOf(tt.sub)
		if q.All != tt.all || !slices.Equal(q.OrgIDs, tt.ids) {
			t.Errorf("%s: %+v", tt.name, q)
		}
	}
	if (QueryScope{}).Covers([]string{"root"}) || (QueryScope{}).Key() == Everything.Key() {
		t.Error("the zero scope must see nothing")
	}
	q := ScopeOf(Subject{UserID: 1, Roles: []Role{Viewer}, Scopes: []string{"east"}})
	switch {
	case !q.Covers([]string{"root", "east", "east-ops"}):
		t.Error("a unit below the scope is inside it")
	case q.Covers([]string{"root", "west"}):
		t.Error("a sibling unit is outside")
	case q.Covers(nil):
		t.Error("a limited scope must not cover an object without a unit")
	case !Everything.Covers(nil):
		t.Error("everything covers everything")
	}
	// Can keeps answering for objects without a unit as before.
	if !InScope(Subject{UserID: 1, Roles: []Role{Viewer}, Scopes: []string{"east"}}, nil) {
		t.Error("InScope of an object without a unit")
	}
}
