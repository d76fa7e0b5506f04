package authz

import "testing"

func TestCanMatrix(t *testing.T) {
	tests := []struct {
		role Role
		act  Action
		want bool
	}{
		{Viewer, ViewDashboard, true},
		{Viewer, ViewSubAccounts, true},
		{Viewer, CreateOperation, false},
		{Viewer, ViewAudit, false},
		{Auditor, ViewAudit, true},
		{Auditor, ExportAudit, true},
		{Auditor, CreateOperation, false},
		{Auditor, ManageUsers, false},
		{Finance, CreateOperation, true},
		{Finance, ApproveOperation, false},
		{Finance, ViewAudit, false},
		{Approver, ApproveOperation, true},
		{Approver, CreateOperation, false},
		{Admin, ManageUsers, true},
		{Admin, ApproveOperation, false}, // admins approve only when they also hold approver
		{Admin, CreateOperation, false},
	}
	for _, tt := range tests {
		got := Can(Subject{UserID: 1, Roles: []Role{tt.role}}, tt.act, Target{}).Allowed
		if got != tt.want {
			t.Errorf("%s %s = %v, want %v", tt.role, tt.act, got, tt.want)
		}
	}
}

func TestDenyByDefault(t *testing.T) {
	if Can(Subject{}, ViewDashboard, Target{}).Allowed {
		t.Error("anonymous must be denied")
	}
	if Can(Subject{UserID: 1, Roles: []Role{Admin}}, "", Target{}).Allowed {
		t.Error("an empty action must be denied")
	}
	if Can(Subject{UserID: 1, Roles: []Role{"root"}}, ViewDashboard, Target{}).Allowed {
		t.Error("an unknown role grants nothing")
	}
	if Can(Subject{UserID: 1, Roles: []Role{Admin}}, "made.up", Target{}).Allowed {
		t.Error("an unknown action must be denied")
	}
	if !Can(Subject{}, ViewHealth, Target{}).Allowed || !Can(Subject{}, AuthenticatePublic, Target{}).Allowed {
		t.Error("probes and sign-in pages are public")
	}
	if !Can(Subject{UserID: 9}, ManageOwnProfile, Target{}).Allowed {
		t.Error("a user without roles still manages their own profile")
	}
}

func TestNoSelfApproval(t *testing.T) {
	s := Subject{UserID: 7, Roles: []Role{Finance, Approver, Admin}}
	d := Can(s, ApproveOperation, Target{OwnerID: 7})
	if d.Allowed || d.Reason == "" {
		t.Fatalf("self approval allowed: %+v", d)
	}
	if !Can(s, ApproveOperation, Target{OwnerID: 8}).Allowed {
		t.Fatal("approving someone else's operation must be allowed")
	}
}

func TestOrgScope(t *testing.T) {
	scoped := Subject{UserID: 1, Roles: []Role{Finance}, Scopes: []string{"org-b"}}
	if !Can(scoped, ViewSubAccounts, Target{OrgPath: []string{"root", "org-b", "org-b1"}}).Allowed {
		t.Error("a scope covers units below it")
	}
	if Can(scoped, ViewSubAccounts, Target{OrgPath: []string{"root", "org-a"}}).Allowed {
		t.Error("a unit outside the scope must be denied")
	}
	if Can(scoped, ViewSubAccounts, Target{OrgPath: []string{"root"}}).Allowed {
		t.Error("a parent unit is outside a child's scope")
	}
	for _, r := range []Role{Admin, Auditor} {
		s := Subject{UserID: 1, Roles: []Role{r}, Scopes: []string{"org-b"}}
		if !Can(s, ViewSubAccounts, Target{OrgPath: []string{"root", "org-a"}}).Allowed {
			t.Errorf("%s sees every unit", r)
		}
	}
	unscoped := Subject{UserID: 1, Roles: []Role{Finance}}
	if !Can(unscoped, ViewSubAccounts, Target{OrgPath: []string{"root", "org-a"}}).Allowed {
		t.Error("no scopes means the whole enterprise")
	}
}

func TestReadOnlyRolesHoldNoMutation(t *testing.T) {
	for _, r := range []Role{Auditor, Viewer} {
		for _, a := range Granted(r) {
			if a.Mutating() {
				t.Errorf("%s holds mutating action %s", r, a)
			}
		}
	}
}
