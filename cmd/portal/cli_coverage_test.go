package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/store"
)

// TestEveryCLIMutationIsAudited runs each command that changes something and checks the
// audit events it wrote: the expected actions, in order, each with the system actor (the
// command line has no signed-in user), the command as user agent, a target and an
// outcome. Failed commands that changed nothing write nothing.
func TestEveryCLIMutationIsAudited(t *testing.T) {
	t.Parallel()
	eachCLIDB(t, func(t *testing.T, d cliDB) {
		keyFile := filepath.Join(t.TempDir(), "new.key")
		if err := os.WriteFile(keyFile, []byte("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			stdin string
			args  []string
			want  []string // actions, in order
		}{
			{"a long password\n", d.args("user add", "--username", "eve", "--role", "finance", "--role", "viewer"), []string{"user.create", "role.grant", "role.grant"}},
			{"", d.args("user reset-totp", "eve"), []string{"user.update"}},
			{"", d.args("user token", "eve"), []string{"user.update"}},
			{"", d.args("user disable", "eve"), []string{"user.disable"}},
			{"", d.args("user enable", "eve"), []string{"user.update"}},
			{"", d.args("secrets rotate", "--new-key-file", keyFile), []string{"secrets.rotate"}},
			// Refused: nothing changes, nothing is written.
			{"short\n", d.args("user add", "--username", "x", "--role", "viewer"), nil},
			{"", d.args("user disable", "nobody"), nil},
		}
		db := d.open(t)
		var seen int64
		for _, c := range cases {
			r := runCLI(t, c.stdin, nil, c.args...)
			if (c.want == nil) == (r.code == exitOK) {
				t.Fatalf("%v: unexpected exit\n%s", c.args, r)
			}
			evs, err := db.ListAudit(context.Background(), store.AuditFilter{AfterID: seen, Ascending: true, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, e.Action)
				if e.ActorName != "system" || !strings.HasPrefix(e.UserAgent, "portal ") || e.TargetType == "" || e.Outcome != "success" || e.Time.IsZero() {
					t.Errorf("%v: incomplete event %+v", c.args, e)
				}
				seen = e.ID
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("%v wrote %v, want %v", c.args, got, c.want)
			}
		}
	})
}
