package testkit

import (
	"context"
	"testing"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/users"
)

// The demo users' password and TOTP secret.
const (
	Password = "correct horse battery"
	Secret   = "JBSWY3DPEHPK3PXP"
)

// Member is one demo user: a name and roles; every one has Password and Secret.
type Member struct {
	Name  string
	Roles []string
}

// OpsCast are the users of the maker-checker tests: two makers (finance), two approvers,
// an admin who also approves and a boss who holds every role (the self-approval case).
var OpsCast = []Member{{"fay", []string{"finance"}}, {"fred", []string{"finance"}}, {"abby", []string{"approver"}},
	{"alan", []string{"approver"}}, {"adam", []string{"admin", "approver"}}, {"boss", []string{"admin", "approver", "finance"}}}

// Passwords is the tests' password hasher: argon2id at its smallest cost. Tests hash and
// verify thousands of passwords; the hashes still go through the production code path,
// and a production hasher verifies them (the parameters are in each hash).
func Passwords() *auth.Passwords {
	return auth.NewPasswordsCost(4, auth.Cost{MemoryKiB: 64, Time: 1})
}

// System is the audit metadata of changes a test makes behind the portal's back.
func System() audit.Meta { return audit.System("test") }

// AddUser creates a user with Password; secret "" means no second factor.
func AddUser(t testing.TB, svc *users.Service, name, secret string, roles ...string) *store.User {
	t.Helper()
	u, err := svc.Create(context.Background(), users.NewUser{Username: name, Password: Password, Roles: roles, TOTPSecret: secret}, System())
	if err != nil {
		t.Fatal(err)
	}
	return u
}
