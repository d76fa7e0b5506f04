package web_test

import (
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/testkit/webdeps"
	"github.com/purser-finance/purser/internal/web"
)

// TestNewNeedsItsCollaborators: the server builds none of its collaborators itself; one
// left out is named, not replaced by a private copy.
func TestNewNeedsItsCollaborators(t *testing.T) {
	t.Parallel()
	db := testkit.SQLite(t)
	full, _ := webdeps.Deps(t, webdeps.Config(t, nil), db, testkit.NewClock(testkit.Start), nil)
	if _, err := web.New(full); err != nil {
		t.Fatalf("all collaborators given: %v", err)
	}
	for name, drop := range map[string]func(d *web.Deps){
		"Auth":           func(d *web.Deps) { d.Auth = nil },
		"Sessions":       func(d *web.Deps) { d.Sessions = nil },
		"TOTPSecrets":    func(d *web.Deps) { d.TOTPSecrets = nil },
		"Admin.Users":    func(d *web.Deps) { d.Admin.Users = nil },
		"Admin.Settings": func(d *web.Deps) { d.Admin.Settings = nil },
	} {
		d := full
		drop(&d)
		if _, err := web.New(d); err == nil || !strings.Contains(err.Error(), "Deps."+name) {
			t.Errorf("without %s: %v", name, err)
		}
	}
}
