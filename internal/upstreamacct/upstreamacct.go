// Package upstreamacct manages the credentials of the Huawei Cloud accounts Purser talks
// to: master accounts (several are supported) and optional sub-account credentials for
// resource operations. The secret key (SK) is sealed with secretbox (purpose
// "upstream-sk") and leaves this package only inside a *bss.Client; lists show whether a
// secret is set and the access key's last four characters. Every change is audited with
// before/after in the transaction that makes it, and needs a step-up (auth.StepUp).
package upstreamacct

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
)

// Purpose is the secretbox purpose of stored SKs.
const Purpose = "upstream-sk"

// Kinds.
const (
	KindMaster = store.UpstreamMaster
	KindSub    = store.UpstreamSub
)

// Errors. Each error's MessageID names its translated text (internal/i18n, admin.*.json).
var (
	ErrNotFound = errors.New("upstreamacct: no such upstream account")
	ErrExists   = errors.New("upstreamacct: an account with this name or domain id exists")
	ErrDisabled = errors.New("upstreamacct: the account is disabled")
	ErrInUse    = errors.New("upstreamacct: the account still has sub-account credentials")
	// ErrSecret: the stored SK cannot be opened with the current PORTAL_SECRET_KEY.
	ErrSecret = errors.New("upstreamacct: the stored secret key cannot be decrypted")
)

// MessageID returns the i18n message id for an error of this package ("" when err is
// not one of them). auth.ErrStepUpRequired is covered too.
func MessageID(err error) string {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		return "upstream.err.invalid"
	case errors.Is(err, ErrNotFound):
		return "upstream.err.not_found"
	case errors.Is(err, ErrExists):
		return "upstream.err.exists"
	case errors.Is(err, ErrDisabled):
		return "upstream.err.disabled"
	case errors.Is(err, ErrInUse):
		return "upstream.err.in_use"
	case errors.Is(err, ErrSecret):
		return "upstream.err.secret"
	case errors.Is(err, auth.ErrStepUpRequired):
		return "admin.err.step_up"
	}
	return ""
}

// ValidationError maps a form field to the message id of what is wrong with it.
type ValidationError struct{ Fields map[string]string }

func (e *ValidationError) Error() string {
	var parts []string
	for k, v := range e.Fields {
		parts = append(parts, k+": "+v)
	}
	return "upstreamacct: invalid input (" + strings.Join(parts, "; ") + ")"
}

// Input is what an admin enters. On Update an empty SK keeps the stored one.
type Input struct {
	Name       string
	Kind       string // KindMaster (default) or KindSub
	MasterID   *int64 // required for KindSub
	Endpoint   string
	Region     string
	AK         string
	SK         string
	DomainID   string
	Generation string // bss.GenerationV2 (default) or bss.GenerationLegacy
	Enabled    bool
}

// Account is what lists and forms show: never the SK.
type Account struct {
	ID         int64
	Name       string
	Kind       string
	MasterID   *int64
	Endpoint   string
	Region     string
	AKLast4    string // the access key's last four characters
	HasSecret  bool
	DomainID   string
	Generation string
	Enabled    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Service manages upstream accounts.
type Service struct {
	DB  *store.DB
	Box *secretbox.Box // purpose Purpose
	// ClientConfig, when set, adjusts the bss.Config of every client built here (logger,
	// timeouts, rate). Do not set Metrics on clients built per request: one registry
	// accepts each client's metrics once.
	ClientConfig func(*bss.Config)
	Log          *slog.Logger
}

// New returns a Service whose box is derived from the portal's secret key.
func New(db *store.DB, secretKey []byte) (*Service, error) {
	box, err := secretbox.New(secretKey, Purpose)
	if err != nil {
		return nil, err
	}
	return &Service{DB: db, Box: box}, nil
}

func last4(ak string) string {
	if utf8.RuneCountInString(ak) <= 4 {
		return ak
	}
	r := []rune(ak)
	return string(r[len(r)-4:])
}

func view(a store.UpstreamAccount) Account {
	return Account{
		ID: a.ID, Name: a.Name, Kind: a.Kind, MasterID: a.MasterID, Endpoint: a.Endpoint, Region: a.Region,
		AKLast4: last4(a.AK), HasSecret: a.SK != "", DomainID: a.DomainID, Generation: a.Generation,
		Enabled: a.Enabled, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

// details is the audit form of an account: the AK masked, the SK absent.
func details(a store.UpstreamAccount) map[string]any {
	d := map[string]any{
		"name": a.Name, "kind": a.Kind, "endpoint": a.Endpoint, "region": a.Region, "ak": "…" + last4(a.AK),
		"domain_id": a.DomainID, "generation": a.Generation, "enabled": a.Enabled,
	}
	if a.MasterID != nil {
		d["master_id"] = *a.MasterID
	}
	return d
}

func normalize(in *Input) {
	in.Name = strings.TrimSpace(in.Name)
	in.Endpoint = strings.TrimRight(strings.TrimSpace(in.Endpoint), "/")
	in.Region = strings.TrimSpace(in.Region)
	in.AK = strings.TrimSpace(in.AK)
	in.SK = strings.TrimSpace(in.SK)
	in.DomainID = strings.TrimSpace(in.DomainID)
	if in.Kind == "" {
		in.Kind = KindMaster
	}
	if in.Generation == "" {
		in.Generation = bss.GenerationV2
	}
}

func validate(in Input, creating bool) error {
	f := map[string]string{}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		f["name"] = "upstream.field.name"
	}
	switch in.Kind {
	case KindMaster:
		if in.MasterID != nil {
			f["master_id"] = "upstream.field.master_id"
		}
	case KindSub:
		if in.MasterID == nil {
			f["master_id"] = "upstream.field.master_id"
		}
	default:
		f["kind"] = "upstream.field.kind"
	}
	if u, err := url.Parse(in.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" {
		f["endpoint"] = "upstream.field.endpoint"
	}
	if in.AK == "" || len(in.AK) > 128 || strings.ContainsAny(in.AK, " \t\r\n") {
		f["ak"] = "upstream.field.ak"
	}
	if (creating && in.SK == "") || len(in.SK) > 256 || strings.ContainsAny(in.SK, " \t\r\n") {
		f["sk"] = "upstream.field.sk"
	}
	if in.DomainID == "" || len(in.DomainID) > 64 || strings.ContainsAny(in.DomainID, " \t\r\n/") {
		f["domain_id"] = "upstream.field.domain_id"
	}
	if in.Generation != bss.GenerationV2 && in.Generation != bss.GenerationLegacy {
		f["generation"] = "upstream.field.generation"
	}
	if len(in.Region) > 64 {
		f["region"] = "upstream.field.region"
	}
	if len(f) > 0 {
		return &ValidationError{Fields: f}
	}
	return nil
}

func (s *Service) checkMaster(ctx context.Context, tx *store.DB, in Input, selfID int64) error {
	if in.Kind != KindSub {
		return nil
	}
	m, err := tx.UpstreamAccountByID(ctx, *in.MasterID)
	if err != nil || m.Kind != KindMaster || m.ID == selfID {
		return &ValidationError{Fields: map[string]string{"master_id": "upstream.field.master_id"}}
	}
	// Credentials filed under the wrong master would have both masters' syncs delete and
	// re-add the sub-account's resources in turn. The cache knows which master lists the
	// sub-account (once synced); a sub-account not synced yet cannot be checked.
	sub, err := tx.SubAccountByID(ctx, in.DomainID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	case sub.MasterAccountID != "" && sub.MasterAccountID != m.DomainID:
		return &ValidationError{Fields: map[string]string{"master_id": "upstream.field.sub_master"}}
	}
	return nil
}

func mapErr(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%w: %w", ErrExists, err)
	}
	return err
}

// Create stores a new account and audits upstream_account.create.
func (s *Service) Create(ctx context.Context, in Input, m audit.Meta, up auth.StepUp) (Account, error) {
	if err := up.Require(m); err != nil {
		return Account{}, err
	}
	normalize(&in)
	if err := validate(in, true); err != nil {
		return Account{}, err
	}
	sealed, err := s.Box.Seal(in.SK)
	if err != nil {
		return Account{}, err
	}
	a := store.UpstreamAccount{Name: in.Name, Kind: in.Kind, MasterID: in.MasterID, Endpoint: in.Endpoint,
		Region: in.Region, AK: in.AK, SK: sealed, DomainID: in.DomainID, Generation: in.Generation, Enabled: in.Enabled}
	err = s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := s.checkMaster(ctx, tx, in, 0); err != nil {
			return err
		}
		if err := tx.CreateUpstreamAccount(ctx, &a); err != nil {
			return err
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.UpstreamAccountCreate, TargetType: "upstream_account", TargetID: fmt.Sprint(a.ID),
			Outcome: audit.Success, Details: map[string]any{"after": details(a)},
		})
	})
	if err != nil {
		return Account{}, mapErr(err)
	}
	return view(a), nil
}

// Update changes an account; an empty in.SK keeps the stored secret. Audits
// upstream_account.update with before and after (and whether the secret was replaced).
func (s *Service) Update(ctx context.Context, id int64, in Input, m audit.Meta, up auth.StepUp) (Account, error) {
	if err := up.Require(m); err != nil {
		return Account{}, err
	}
	normalize(&in)
	if err := validate(in, false); err != nil {
		return Account{}, err
	}
	var after store.UpstreamAccount
	err := s.DB.InTx(ctx, func(tx *store.DB) error {
		before, err := tx.UpstreamAccountByID(ctx, id)
		if err != nil {
			return err
		}
		if before.Kind != in.Kind {
			return &ValidationError{Fields: map[string]string{"kind": "upstream.field.kind_fixed"}}
		}
		if err := s.checkMaster(ctx, tx, in, id); err != nil {
			return err
		}
		after = *before
		after.Name, after.MasterID, after.Endpoint, after.Region, after.AK = in.Name, in.MasterID, in.Endpoint, in.Region, in.AK
		after.DomainID, after.Generation, after.Enabled = in.DomainID, in.Generation, in.Enabled
		replaced := in.SK != ""
		if replaced {
			if after.SK, err = s.Box.Seal(in.SK); err != nil {
				return err
			}
		}
		if err := tx.UpdateUpstreamAccount(ctx, &after); err != nil {
			return err
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.UpstreamAccountUpdate, TargetType: "upstream_account", TargetID: fmt.Sprint(id), Outcome: audit.Success,
			Details: map[string]any{"before": details(*before), "after": details(after), "credentials_replaced": replaced},
		})
	})
	if err != nil {
		return Account{}, mapErr(err)
	}
	return view(after), nil
}

// Delete removes an account. A master that still has sub-account credentials is refused
// (ErrInUse): delete those first, so nothing disappears by surprise.
func (s *Service) Delete(ctx context.Context, id int64, m audit.Meta, up auth.StepUp) error {
	if err := up.Require(m); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.DB) error {
		before, err := tx.UpstreamAccountByID(ctx, id)
		if err != nil {
			return err
		}
		all, err := tx.ListUpstreamAccounts(ctx)
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.MasterID != nil && *a.MasterID == id {
				return ErrInUse
			}
		}
		if err := tx.DeleteUpstreamAccount(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.UpstreamAccountDelete, TargetType: "upstream_account", TargetID: fmt.Sprint(id),
			Outcome: audit.Success, Details: map[string]any{"before": details(*before)},
		})
	})
	return mapErr(err)
}

// List returns every account (masters first), never with a secret.
func (s *Service) List(ctx context.Context) ([]Account, error) {
	rows, err := s.DB.ListUpstreamAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Account, len(rows))
	for i, r := range rows {
		out[i] = view(r)
	}
	return out, nil
}

// Get returns one account, without its secret.
func (s *Service) Get(ctx context.Context, id int64) (Account, error) {
	a, err := s.DB.UpstreamAccountByID(ctx, id)
	if err != nil {
		return Account{}, mapErr(err)
	}
	return view(*a), nil
}

// Client builds an upstream client from an enabled account's stored credentials. It makes
// no network call. Long-lived users (sync, execution) should build one per account and
// keep it: each client has its own rate limiter.
func (s *Service) Client(ctx context.Context, id int64) (*bss.Client, error) {
	a, err := s.DB.UpstreamAccountByID(ctx, id)
	if err != nil {
		return nil, mapErr(err)
	}
	if !a.Enabled {
		return nil, ErrDisabled
	}
	return s.client(a)
}

func (s *Service) client(a *store.UpstreamAccount) (*bss.Client, error) {
	return s.build(a, s.ClientConfig)
}

// build makes a client of a stored account; configure (may be nil) adjusts its config.
func (s *Service) build(a *store.UpstreamAccount, configure func(*bss.Config)) (*bss.Client, error) {
	sk, err := s.Box.Open(a.SK)
	if err != nil || sk == "" {
		return nil, ErrSecret
	}
	cfg := bss.Config{Endpoint: a.Endpoint, AK: a.AK, SK: sk, DomainID: a.DomainID, Region: a.Region,
		Generation: a.Generation, Logger: s.Log}
	if configure != nil {
		configure(&cfg)
	}
	c, err := bss.New(cfg)
	if err != nil {
		// bss.New's message never quotes credentials, but keep it out of user-facing paths.
		return nil, &ValidationError{Fields: map[string]string{"endpoint": "upstream.field.endpoint"}}
	}
	return c, nil
}

// EnsureFromConfig creates the master account from PORTAL_HW_* on a start where none is
// stored yet (it never overwrites what an admin saved). It does nothing in sandbox mode
// (the in-process sandbox gets fresh credentials per process) or without PORTAL_HW_AK.
// It reports whether it created the account.
func (s *Service) EnsureFromConfig(ctx context.Context, cfg config.Config) (bool, error) {
	if cfg.Sandbox() {
		return false, s.warnStoredWins(ctx, cfg)
	}
	n, err := s.DB.CountUpstreamAccounts(ctx, KindMaster)
	if err != nil {
		return false, err
	}
	if n > 0 {
		return false, s.warnStoredWins(ctx, cfg)
	}
	if cfg.HWAK == "" {
		return false, nil
	}
	_, err = s.Create(ctx, Input{
		Name: "Master account", Kind: KindMaster, Endpoint: cfg.Upstream, AK: cfg.HWAK, SK: cfg.HWSK,
		DomainID: cfg.HWDomainID, Generation: cfg.UpstreamAPI, Enabled: true,
	}, audit.System("PORTAL_HW_* bootstrap"), auth.Operator())
	if errors.Is(err, ErrExists) {
		return false, nil // another replica bootstrapped at the same time
	}
	if err != nil {
		return false, fmt.Errorf("bootstrap master account from PORTAL_HW_*: %w", err)
	}
	return true, nil
}
