// Package sso signs people in with OpenID Connect (authorization code flow with PKCE,
// github.com/coreos/go-oidc/v3 and golang.org/x/oauth2). BeginLogin gives the caller the
// provider's URL and the state, nonce and PKCE verifier to keep in the session; Complete
// checks them, exchanges the code, verifies the ID token and returns the local user: the
// one linked to the subject, the one whose user name is the verified e-mail (when
// LinkByEmail), or a user created just in time with mapped roles and scopes (when JIT).
// Every outcome is audited: auth.login with factor "oidc", or auth.login_failed.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/users"
)

// Errors; MessageID translates them. Every failure of Complete is also audited with a
// precise reason, while users see one of these few sentences.
var (
	ErrDisabled       = errors.New("sso: single sign-on is not enabled")
	ErrState          = errors.New("sso: the sign-in request expired or was tampered with")
	ErrProvider       = errors.New("sso: the identity provider could not be reached or refused the sign-in")
	ErrToken          = errors.New("sso: the identity provider's answer could not be verified")
	ErrNoAccount      = errors.New("sso: no Purser account for this identity")
	ErrNoRole         = errors.New("sso: the identity maps to no Purser role")
	ErrUserDisabled   = errors.New("sso: the account is disabled")
	ErrEmailUnverfied = errors.New("sso: the identity has no verified e-mail address")
)

// MessageID returns the i18n id of an error of this package ("" when none).
func MessageID(err error) string {
	switch {
	case errors.Is(err, ErrDisabled):
		return "sso.err.disabled"
	case errors.Is(err, ErrState):
		return "sso.err.state"
	case errors.Is(err, ErrProvider):
		return "sso.err.provider"
	case errors.Is(err, ErrToken):
		return "sso.err.token"
	case errors.Is(err, ErrNoAccount), errors.Is(err, ErrEmailUnverfied):
		return "sso.err.no_account"
	case errors.Is(err, ErrNoRole):
		return "sso.err.no_role"
	case errors.Is(err, ErrUserDisabled):
		return "sso.err.user_disabled"
	}
	return ""
}

// Pending is what the caller keeps in the (pre-login) session between BeginLogin and
// Complete. None of it may reach the browser except State (in the URL).
type Pending struct {
	State    string
	Nonce    string
	Verifier string
}

// Service runs the flow. Providers are discovered once per issuer and cached.
type Service struct {
	DB         *store.DB
	HTTPClient *http.Client // nil: a client with a 15 s timeout
	Now        func() time.Time

	mu        sync.Mutex
	providers map[string]*oidc.Provider
}

// New returns a Service over db.
func New(db *store.DB) *Service { return &Service{DB: db} }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) client() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return &http.Client{Timeout: 15 * time.Second}
}

func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	p := s.providers[issuer]
	s.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.client()), issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery: %w", ErrProvider, err)
	}
	s.mu.Lock()
	if s.providers == nil {
		s.providers = map[string]*oidc.Provider{}
	}
	s.providers[issuer] = p
	s.mu.Unlock()
	return p, nil
}

func oauthConfig(cfg Config, p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: cfg.Scopes}
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// BeginLogin returns the provider URL to redirect the browser to and what to keep in the
// session for Complete.
func (s *Service) BeginLogin(ctx context.Context, cfg Config) (string, Pending, error) {
	cfg.Normalize()
	if !cfg.Enabled {
		return "", Pending{}, ErrDisabled
	}
	p, err := s.provider(ctx, cfg.Issuer)
	if err != nil {
		return "", Pending{}, err
	}
	pend := Pending{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier()}
	u := oauthConfig(cfg, p).AuthCodeURL(pend.State, oidc.Nonce(pend.Nonce), oauth2.S256ChallengeOption(pend.Verifier))
	return u, pend, nil
}

// Callback is what the provider sent back to the redirect URL.
type Callback struct {
	Code  string
	State string
	// Error and ErrorDescription are the provider's refusal, if any.
	Error, ErrorDescription string
}

// Complete finishes the sign-in: it checks the state, exchanges the code with the PKCE
// verifier, verifies the ID token and its nonce, and finds (or creates) the local user.
// The caller then starts the session as after a password sign-in.
func (s *Service) Complete(ctx context.Context, cfg Config, cb Callback, pend Pending, m audit.Meta) (*store.User, error) {
	cfg.Normalize()
	fail := func(err error, reason string, userID *int64, subject string) (*store.User, error) {
		target := subject
		if userID != nil {
			target = fmt.Sprint(*userID)
		}
		if aerr := audit.Record(ctx, s.DB, m, audit.Entry{Action: audit.AuthLoginFailed, TargetType: "user", TargetID: target,
			Outcome: audit.Failure, Details: map[string]any{"factor": "oidc", "reason": reason, "issuer": cfg.Issuer, "subject": subject}}); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if !cfg.Enabled {
		return fail(ErrDisabled, "single sign-on disabled", nil, "")
	}
	if pend.State == "" || subtle.ConstantTimeCompare([]byte(cb.State), []byte(pend.State)) != 1 {
		return fail(ErrState, "state mismatch", nil, "")
	}
	if cb.Error != "" {
		return fail(ErrProvider, "provider error: "+cb.Error+" "+cb.ErrorDescription, nil, "")
	}
	p, err := s.provider(ctx, cfg.Issuer)
	if err != nil {
		return fail(err, "discovery failed", nil, "")
	}
	cctx := oidc.ClientContext(ctx, s.client())
	tok, err := oauthConfig(cfg, p).Exchange(cctx, cb.Code, oauth2.VerifierOption(pend.Verifier))
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrProvider, err), "code exchange failed", nil, "")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return fail(ErrToken, "no id_token in the token response", nil, "")
	}
	idt, err := p.VerifierContext(cctx, &oidc.Config{ClientID: cfg.ClientID, Now: s.now}).Verify(cctx, raw)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrToken, err), "id_token verification failed", nil, "")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pend.Nonce)) != 1 {
		return fail(ErrToken, "nonce mismatch", nil, idt.Subject)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrToken, err), "claims unreadable", nil, idt.Subject)
	}
	email, _ := claims["email"].(string)
	verified, _ := claims["email_verified"].(bool)
	email = strings.ToLower(strings.TrimSpace(email))

	u, how, err := s.resolve(ctx, cfg, idt.Issuer, idt.Subject, email, verified, claims, m)
	if err != nil {
		var uid *int64
		if u != nil {
			uid = &u.ID
		}
		reason := err.Error()
		if errors.Is(err, ErrNoAccount) || errors.Is(err, ErrNoRole) || errors.Is(err, ErrUserDisabled) || errors.Is(err, ErrEmailUnverfied) {
			return fail(err, reason, uid, idt.Subject)
		}
		return nil, err
	}
	am := m.WithActor(u.ID, u.Username)
	err = s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := tx.TouchLastLogin(ctx, u.ID, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, am, audit.Entry{Action: audit.AuthLogin, TargetType: "user", TargetID: fmt.Sprint(u.ID),
			Outcome: audit.Success, Details: map[string]any{"factor": "oidc", "issuer": idt.Issuer, "subject": idt.Subject, "account": how}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// resolve finds or creates the local user of an identity; how says which ("linked",
// "email", "created").
func (s *Service) resolve(ctx context.Context, cfg Config, issuer, subject, email string, verified bool, claims map[string]any, m audit.Meta) (*store.User, string, error) {
	var (
		u   *store.User
		how string
	)
	err := s.DB.InTx(ctx, func(tx *store.DB) error {
		id, err := tx.IdentityBySubject(ctx, issuer, subject)
		switch {
		case err == nil:
			if u, err = tx.UserByID(ctx, id.UserID); err != nil {
				return err
			}
			how = "linked"
		case !errors.Is(err, store.ErrNotFound):
			return err
		case cfg.LinkByEmail && email != "" && verified:
			existing, err := tx.UserByUsername(ctx, email)
			if err == nil {
				u, how = existing, "email"
				if err := tx.CreateIdentity(ctx, &store.Identity{Issuer: issuer, Subject: subject, UserID: u.ID, Email: email}); err != nil {
					return err
				}
				return audit.Record(ctx, tx, m.WithActor(u.ID, u.Username), audit.Entry{Action: audit.UserUpdate, TargetType: "user",
					TargetID: fmt.Sprint(u.ID), Outcome: audit.Success,
					Details: map[string]any{"username": u.Username, "change": "single sign-on identity linked", "issuer": issuer, "subject": subject}})
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			fallthrough
		default:
			if !cfg.JIT {
				return ErrNoAccount
			}
			created, err := s.create(ctx, tx, cfg, issuer, subject, email, verified, claims, m)
			if err != nil {
				return err
			}
			u, how = created, "created"
		}
		if u.Disabled {
			return ErrUserDisabled
		}
		return nil
	})
	return u, how, err
}

// create makes the just-in-time user: user name = verified e-mail, else
// preferred_username; no password (they sign in through the provider only).
func (s *Service) create(ctx context.Context, tx *store.DB, cfg Config, issuer, subject, email string, verified bool, claims map[string]any, m audit.Meta) (*store.User, error) {
	roles := mapped(claims, cfg.RoleClaim, cfg.RoleMap)
	if len(roles) == 0 {
		return nil, ErrNoRole
	}
	scopes := mapped(claims, cfg.ScopeClaim, cfg.ScopeMap)
	username := ""
	if email != "" && verified {
		username = email
	} else if pu, _ := claims["preferred_username"].(string); pu != "" {
		username = strings.ToLower(strings.TrimSpace(pu))
	}
	if username == "" || strings.ContainsAny(username, " \t\r\n/\\") || len(username) > 64 {
		return nil, ErrEmailUnverfied
	}
	name, _ := claims["name"].(string)
	u := &store.User{Username: username, DisplayName: name, Email: notifyAddress(email), Roles: roles, Scopes: scopes}
	if err := tx.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// A local user of that name exists but is not linked: an admin links it.
			return nil, ErrNoAccount
		}
		return nil, err
	}
	if err := tx.CreateIdentity(ctx, &store.Identity{Issuer: issuer, Subject: subject, UserID: u.ID, Email: email}); err != nil {
		return nil, err
	}
	am := m.WithActor(u.ID, u.Username)
	id := fmt.Sprint(u.ID)
	if err := audit.Record(ctx, tx, am, audit.Entry{Action: audit.UserCreate, TargetType: "user", TargetID: id, Outcome: audit.Success,
		Details: map[string]any{"username": u.Username, "display_name": name, "email": u.Email, "scopes": u.Scopes, "via": "single sign-on (just in time)",
			"issuer": issuer, "subject": subject}}); err != nil {
		return nil, err
	}
	for _, r := range u.Roles {
		if err := audit.Record(ctx, tx, am, audit.Entry{Action: audit.RoleGrant, TargetType: "user", TargetID: id, Outcome: audit.Success,
			Details: map[string]any{"username": u.Username, "role": r, "via": "single sign-on claim mapping"}}); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// notifyAddress is the e-mail address a just-in-time user gets for notifications: the
// email claim when it is one valid address, verified or not (users may set their own
// address on their profile anyway, so verification would protect nothing here; it does
// matter for user names and linking, above). "" otherwise: an admin or the user sets it.
func notifyAddress(email string) string {
	addr, err := users.NormalizeEmail(email)
	if err != nil {
		return ""
	}
	return addr
}
