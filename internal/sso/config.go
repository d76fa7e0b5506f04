package sso

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/purser-finance/purser/internal/authz"
)

// Config is the single-sign-on configuration an admin keeps in the settings (internal/
// settings stores it, with ClientSecret sealed).
type Config struct {
	Enabled      bool     `json:"enabled"`
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"-"`
	RedirectURL  string   `json:"redirect_url"` // e.g. https://purser.example.com/login/oidc/callback
	Scopes       []string `json:"scopes"`       // "openid" is always added
	// RoleClaim names the ID-token claim (a string or a list of strings, e.g. "groups")
	// whose values RoleMap turns into Purser roles.
	RoleClaim string              `json:"role_claim"`
	RoleMap   map[string][]string `json:"role_map"`
	// ScopeClaim and ScopeMap do the same for organisation scopes (org ids).
	ScopeClaim string              `json:"scope_claim"`
	ScopeMap   map[string][]string `json:"scope_map"`
	// JIT creates a local user at the first sign-in of an unknown subject (off by default).
	JIT bool `json:"jit"`
	// LinkByEmail links an unknown subject to the existing local user whose user name is
	// its verified e-mail address.
	LinkByEmail bool `json:"link_by_email"`
	// LocalOnlyAdmins: while SSO is enabled, only admins may sign in with a local password.
	LocalOnlyAdmins bool `json:"local_only_admins"`

	HasClientSecret bool `json:"-"` // views: a secret is stored
}

// ValidationError maps a field to the message id of what is wrong.
type ValidationError struct{ Fields map[string]string }

func (e *ValidationError) Error() string {
	var p []string
	for k, v := range e.Fields {
		p = append(p, k+": "+v)
	}
	return "sso: invalid configuration (" + strings.Join(p, "; ") + ")"
}

// Normalize trims fields and makes sure "openid" is among the scopes.
func (c *Config) Normalize() {
	c.Issuer = strings.TrimRight(strings.TrimSpace(c.Issuer), "/")
	c.ClientID = strings.TrimSpace(c.ClientID)
	c.RedirectURL = strings.TrimSpace(c.RedirectURL)
	c.RoleClaim, c.ScopeClaim = strings.TrimSpace(c.RoleClaim), strings.TrimSpace(c.ScopeClaim)
	var scopes []string
	for _, s := range c.Scopes {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	if !slices.Contains(scopes, "openid") {
		scopes = append([]string{"openid"}, scopes...)
	}
	c.Scopes = scopes
}

// Validate checks a configuration; a disabled one may be incomplete.
func (c Config) Validate() error {
	f := map[string]string{}
	for claimValue, roles := range c.RoleMap {
		for _, r := range roles {
			if !authz.Role(r).Valid() {
				f["role_map"] = "sso.field.role_map"
				_ = claimValue
			}
		}
	}
	if !c.Enabled {
		if len(f) > 0 {
			return &ValidationError{Fields: f}
		}
		return nil
	}
	if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) {
		f["issuer"] = "sso.field.issuer"
	}
	if c.ClientID == "" {
		f["client_id"] = "sso.field.client_id"
	}
	if u, err := url.Parse(c.RedirectURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		f["redirect_url"] = "sso.field.redirect_url"
	}
	if len(c.RoleMap) > 0 && c.RoleClaim == "" {
		f["role_claim"] = "sso.field.claim"
	}
	if len(c.ScopeMap) > 0 && c.ScopeClaim == "" {
		f["scope_claim"] = "sso.field.claim"
	}
	if len(f) > 0 {
		return &ValidationError{Fields: f}
	}
	return nil
}

func loopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

// LocalSignInAllowed says whether a user may sign in with a local password under c: always,
// unless SSO is enabled with LocalOnlyAdmins and the user is not an admin. The web layer
// asks it after the password check and before completing the sign-in.
func (c Config) LocalSignInAllowed(roles []string) bool {
	return !c.Enabled || !c.LocalOnlyAdmins || slices.Contains(roles, string(authz.Admin))
}

// claimValues reads a claim that is a string or a list of strings.
func claimValues(claims map[string]any, name string) []string {
	switch v := claims[name].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// mapped returns the sorted distinct values m gives for the claim's values.
func mapped(claims map[string]any, claim string, m map[string][]string) []string {
	if claim == "" {
		return nil
	}
	var out []string
	for _, v := range claimValues(claims, claim) {
		for _, r := range m[v] {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (c Config) String() string {
	return fmt.Sprintf("sso.Config{issuer=%s client_id=%s enabled=%v}", c.Issuer, c.ClientID, c.Enabled)
}
