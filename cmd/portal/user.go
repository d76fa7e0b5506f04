package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/users"
)

// multi collects a repeatable flag (--role a --role b).
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

const userUsage = "user: want 'user add|list|reset-totp|disable|enable|token' (see README)"

func runUser(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef(userUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	getenv := configFlags(fs, e.getenv)
	var (
		username, display, email, totpSecret, name string
		roles, scopes                              multi
		expires                                    time.Duration
	)
	switch sub {
	case "add":
		fs.StringVar(&username, "username", "", "user name (required)")
		fs.StringVar(&display, "display-name", "", "name shown in the portal")
		fs.StringVar(&email, "email", "", "e-mail address for operation notifications (optional; one bare address)")
		fs.Var(&roles, "role", "role: admin, approver, finance, auditor or viewer (repeatable, at least one)")
		fs.Var(&scopes, "scope", "organisation unit id the user is limited to (repeatable; none = whole enterprise)")
		fs.StringVar(&totpSecret, "totp-secret", "", "base32 TOTP secret to enrol at once (optional)")
	case "token":
		fs.StringVar(&name, "name", "cli", "a name to recognise the token by")
		fs.DurationVar(&expires, "expires", 0, "lifetime, e.g. 720h (0 = no expiry)")
	case "list", "reset-totp", "disable", "enable":
	default:
		return usagef(userUsage)
	}
	if err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	positional := fs.Args()
	switch sub {
	case "add", "list":
		if len(positional) > 0 {
			return usagef("user %s: unexpected argument %q", sub, positional[0])
		}
		if sub == "add" && username == "" {
			return usagef("user add: --username is required")
		}
		if sub == "add" && len(roles) == 0 {
			return usagef("user add: at least one --role is required")
		}
	default:
		if len(positional) != 1 {
			return usagef("user %s: want exactly one user name", sub)
		}
		username = positional[0]
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if _, err := config.EnsureSecretKey(&cfg); err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := userService(cfg, db)
	if err != nil {
		return err
	}
	m := audit.System("portal user " + sub)

	switch sub {
	case "add":
		password, err := readPassword(e)
		if err != nil {
			return err
		}
		u, err := svc.Create(ctx, users.NewUser{Username: username, DisplayName: display, Email: email, Password: password,
			Roles: roles, Scopes: scopes, TOTPSecret: totpSecret}, m)
		if err != nil {
			return userError(err, username)
		}
		fmt.Fprintf(e.stdout, "created user %s (id %d) with roles %s\n", u.Username, u.ID, strings.Join(u.Roles, ", "))
	case "list":
		list, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "USERNAME\tDISPLAY NAME\tEMAIL\tROLES\tSCOPES\tTOTP\tSTATUS\tLAST SIGN-IN")
		for _, u := range list {
			status, totp, last := "active", "no", "never"
			if u.Disabled {
				status = "disabled"
			}
			if u.TOTPSecret != "" {
				totp = "yes"
			}
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, dash(u.Email), strings.Join(u.Roles, ","),
				dash(strings.Join(u.Scopes, ",")), totp, status, last)
		}
		return w.Flush()
	case "reset-totp":
		if err := svc.ResetTOTP(ctx, username, m); err != nil {
			return userError(err, username)
		}
		fmt.Fprintf(e.stdout, "second factor of %s removed and their sessions ended; they enrol again at next sign-in\n", username)
	case "disable", "enable":
		if err := svc.SetDisabled(ctx, username, sub == "disable", m); err != nil {
			return userError(err, username)
		}
		fmt.Fprintf(e.stdout, "user %s %sd\n", username, sub)
	case "token":
		var exp *time.Time
		if expires > 0 {
			t := time.Now().Add(expires)
			exp = &t
		}
		raw, err := svc.CreateToken(ctx, username, name, exp, m)
		if err != nil {
			return userError(err, username)
		}
		// The token itself on stdout, alone, so that scripts can capture it.
		fmt.Fprintln(e.stdout, raw)
		fmt.Fprintln(e.stderr, "portal: this token is shown once; store it now (use it as 'Authorization: Bearer <token>')")
	}
	return nil
}

// readPassword takes the first line of standard input: never a flag, which would land in
// shell history and process lists.
func readPassword(e env) (string, error) {
	sc := bufio.NewScanner(e.stdin)
	if !sc.Scan() {
		return "", usagef("user add: the password is read from standard input (e.g. printf '%%s\\n' \"$PW\" | portal user add …)")
	}
	return strings.TrimRight(sc.Text(), "\r"), nil
}

func userError(err error, username string) error {
	var ve *users.ValidationError
	switch {
	case errors.As(err, &ve):
		return usagef("user: %s", ve.Error())
	case errors.Is(err, users.ErrExists):
		return exitError{fmt.Sprintf("user %s already exists", username)}
	case errors.Is(err, store.ErrNotFound):
		return exitError{fmt.Sprintf("no user named %s", username)}
	}
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
