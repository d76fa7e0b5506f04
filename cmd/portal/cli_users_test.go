package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// userTable parses `user list`: one map of column → cell per user, by user name. The
// columns are cut at the header's offsets (tabwriter aligns cells under their header),
// so an empty cell cannot shift the others.
func userTable(t *testing.T, r cliResult) map[string]map[string]string {
	t.Helper()
	lines := nonEmptyLines(r.stdout)
	if len(lines) == 0 {
		t.Fatalf("user list printed nothing\n%s", r)
	}
	header := lines[0]
	names := []string{"USERNAME", "DISPLAY NAME", "EMAIL", "ROLES", "SCOPES", "TOTP", "STATUS", "LAST SIGN-IN"}
	starts := make([]int, len(names))
	for i, n := range names {
		starts[i] = strings.Index(header, n)
		if starts[i] < 0 || (i > 0 && starts[i] <= starts[i-1]) {
			t.Fatalf("user list header %q lacks column %q\n%s", header, n, r)
		}
	}
	out := map[string]map[string]string{}
	for _, l := range lines[1:] {
		row := map[string]string{}
		for i, n := range names {
			end := len(l)
			if i+1 < len(starts) {
				end = min(starts[i+1], len(l))
			}
			if starts[i] < len(l) {
				row[n] = strings.TrimSpace(l[starts[i]:end])
			}
		}
		out[row["USERNAME"]] = row
	}
	return out
}

const alicePassword = "correct horse battery staple"

func TestCLIUsersAndAudit(t *testing.T) {
	t.Parallel()
	eachCLIDB(t, func(t *testing.T, d cliDB) {
		// Verify on a fresh database: intact, nothing checked yet.
		r := runCLI(t, "", nil, d.args("audit verify")...)
		if r.code != exitOK || !strings.Contains(r.stdout, "audit trail intact: 0 events verified") {
			t.Fatalf("audit verify on a fresh database\n%s", r)
		}

		r = runCLI(t, alicePassword+"\n", nil, d.args("user add", "--username", "alice", "--role", "finance",
			"--scope", "org-1", "--display-name", "Alice Li", "--email", "alice.li@example.com", "--totp-secret", "JBSWY3DPEHPK3PXP")...)
		if r.code != exitOK {
			t.Fatalf("user add\n%s", r)
		}
		if !strings.Contains(r.stdout, "created user alice") || !strings.Contains(r.stdout, "finance") {
			t.Errorf("user add should confirm the user and roles\n%s", r)
		}

		r = runCLI(t, alicePassword+"\n", nil, d.args("user add", "--username", "alice", "--role", "viewer")...)
		if r.code != exitFailure {
			t.Fatalf("adding alice again: want exit 1\n%s", r)
		}
		wantOneErrorLine(t, r, "alice", "already exists")

		for _, tc := range []struct {
			name, stdin string
			args        []string
			wants       []string
		}{
			{"bad role", alicePassword + "\n", []string{"--username", "bob", "--role", "treasurer"}, []string{"treasurer"}},
			{"short password", "short\n", []string{"--username", "bob", "--role", "viewer"}, []string{"password"}},
			{"missing username", alicePassword + "\n", []string{"--role", "viewer"}, []string{"--username"}},
			{"missing role", alicePassword + "\n", []string{"--username", "bob"}, []string{"--role"}},
			{"bad e-mail", alicePassword + "\n", []string{"--username", "bob", "--role", "viewer", "--email", "Bob <bob@example.com>"}, []string{"email"}},
			{"no password on stdin", "", []string{"--username", "bob", "--role", "viewer"}, []string{"standard input"}},
			{"unknown flag", alicePassword + "\n", []string{"--username", "bob", "--role", "viewer", "--colour", "red"}, nil},
		} {
			r := runCLI(t, tc.stdin, nil, d.args("user add", tc.args...)...)
			if r.code != exitUsage {
				t.Errorf("user add, %s: want exit 2\n%s", tc.name, r)
				continue
			}
			if tc.name != "unknown flag" { // the flag package prints usage after the line
				wantOneErrorLine(t, r, tc.wants...)
			}
		}

		r = runCLI(t, "", nil, d.args("user list")...)
		if r.code != exitOK {
			t.Fatalf("user list\n%s", r)
		}
		users := userTable(t, r)
		if _, ok := users["bob"]; ok {
			t.Errorf("a refused user add created bob\n%s", r)
		}
		alice, ok := users["alice"]
		if !ok || len(users) != 1 {
			t.Fatalf("user list should show alice only (no demo users from the CLI)\n%s", r)
		}
		for col, want := range map[string]string{"DISPLAY NAME": "Alice Li", "EMAIL": "alice.li@example.com", "ROLES": "finance", "SCOPES": "org-1",
			"TOTP": "yes", "STATUS": "active", "LAST SIGN-IN": "never"} {
			if alice[col] != want {
				t.Errorf("alice's %s = %q, want %q\n%s", col, alice[col], want, r)
			}
		}

		r = runCLI(t, "", nil, d.args("user token", "--name", "ci", "alice")...)
		if r.code != exitOK {
			t.Fatalf("user token\n%s", r)
		}
		tok := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(tok, "pst_") || len(tok) < 24 || strings.ContainsAny(tok, " \n") {
			t.Fatalf("user token should print only a pst_… token on stdout, got %q\n%s", tok, r)
		}
		r2 := runCLI(t, "", nil, d.args("user token", "alice")...)
		if tok2 := strings.TrimSpace(r2.stdout); r2.code != exitOK || tok2 == tok || !strings.HasPrefix(tok2, "pst_") {
			t.Errorf("a second token should be new\n%s", r2)
		}
		db := d.open(t)
		var tokens []struct {
			Name, TokenHash string
		}
		if err := db.Gorm().Raw(`SELECT t.name, t.token_hash FROM api_tokens t JOIN users u ON u.id = t.user_id
			WHERE u.username = 'alice' ORDER BY t.id`).Scan(&tokens).Error; err != nil {
			t.Fatal(err)
		}
		if len(tokens) != 2 || tokens[0].Name != "ci" || tokens[1].Name != "cli" {
			t.Errorf("want alice's tokens named ci and cli (default), got %+v", tokens)
		}
		for _, tk := range tokens {
			if tk.TokenHash == "" || strings.Contains(tk.TokenHash, strings.TrimPrefix(tok, "pst_")) {
				t.Errorf("the token must be stored hashed, got %q", tk.TokenHash)
			}
		}

		r = runCLI(t, "", nil, d.args("user reset-totp", "alice")...)
		if r.code != exitOK {
			t.Fatalf("user reset-totp\n%s", r)
		}
		r = runCLI(t, "", nil, d.args("user disable", "alice")...)
		if r.code != exitOK {
			t.Fatalf("user disable\n%s", r)
		}
		r = runCLI(t, "", nil, d.args("user list")...)
		alice = userTable(t, r)["alice"]
		if alice["STATUS"] != "disabled" || alice["TOTP"] != "no" {
			t.Errorf("after reset-totp and disable, want TOTP no and STATUS disabled, got %v\n%s", alice, r)
		}
		r = runCLI(t, "", nil, d.args("user enable", "alice")...)
		if r.code != exitOK {
			t.Fatalf("user enable\n%s", r)
		}
		if got := userTable(t, runCLI(t, "", nil, d.args("user list")...))["alice"]["STATUS"]; got != "active" {
			t.Errorf("after enable, STATUS = %q, want active", got)
		}

		for _, sub := range []string{"disable", "enable", "reset-totp", "token"} {
			r := runCLI(t, "", nil, d.args("user "+sub, "nobody")...)
			if r.code != exitFailure {
				t.Errorf("user %s of an unknown user: want exit 1\n%s", sub, r)
				continue
			}
			wantOneErrorLine(t, r, "nobody")
		}
		r = runCLI(t, "", nil, d.args("user disable")...)
		if r.code != exitUsage {
			t.Errorf("user disable without a name: want exit 2\n%s", r)
		}

		// Every successful user command wrote audit events, and verify counts all of them.
		var count int64
		if err := db.Gorm().Raw(`SELECT COUNT(*) FROM audit_events`).Scan(&count).Error; err != nil {
			t.Fatal(err)
		}
		var actions []string
		if err := db.Gorm().Raw(`SELECT DISTINCT action FROM audit_events ORDER BY action`).Scan(&actions).Error; err != nil {
			t.Fatal(err)
		}
		if count < 5 || !slices.Contains(actions, "user.create") || !slices.Contains(actions, "user.disable") {
			t.Errorf("the user commands should have written audit events (user.create, user.disable, …); got %d: %v", count, actions)
		}
		r = runCLI(t, "", nil, d.args("audit verify")...)
		if r.code != exitOK {
			t.Fatalf("audit verify\n%s", r)
		}
		if want := fmt.Sprintf("audit trail intact: %d events verified", count); !strings.Contains(r.stdout, want) {
			t.Errorf("want %q\n%s", want, r)
		}

		// Tamper with one event in the middle of the chain. The append-only trigger refuses
		// first; with it out of the way, verify names exactly that event.
		target := count/2 + 1
		update := `UPDATE audit_events SET details = '{"tampered":true}' WHERE id = ?`
		if err := db.Gorm().Exec(update, target).Error; err == nil {
			t.Fatalf("the append-only trigger allowed an UPDATE of audit_events")
		}
		if d.dialect == "sqlite" {
			if err := db.Gorm().Exec(`DROP TRIGGER audit_events_no_update`).Error; err != nil {
				t.Fatal(err)
			}
		} else {
			if err := db.Gorm().Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`).Error; err != nil {
				t.Fatal(err)
			}
		}
		res := db.Gorm().Exec(update, target)
		if res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("tamper with event %d: %v (rows %d)", target, res.Error, res.RowsAffected)
		}
		r = runCLI(t, "", nil, d.args("audit verify")...)
		if r.code != exitFailure {
			t.Fatalf("audit verify after tampering: want exit 1\n%s", r)
		}
		wantOneErrorLine(t, r, fmt.Sprintf("event %d:", target))
		if strings.Contains(r.stdout, "intact") {
			t.Errorf("a broken trail must not be reported intact\n%s", r)
		}
	})
}
