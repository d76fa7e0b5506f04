package approval

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// Limits on drafting money movements (issue 15), set by admins. What they count and when
// they bite is limits_check.go; this file holds the settings and their changes, each
// behind a fresh second-factor code and audited with the values before and after.

// LimitMode says what a draft over a limit gets.
type LimitMode string

// The modes.
const (
	// LimitRefuse: the draft is refused, with the figures.
	LimitRefuse LimitMode = "refuse"
	// LimitExtraApproval: the draft needs one approval more than its policy asks, and
	// says why on its page.
	LimitExtraApproval LimitMode = "extra_approval"
)

// Valid reports whether m is a known mode.
func (m LimitMode) Valid() bool { return m == LimitRefuse || m == LimitExtraApproval }

// The kinds of limit (a LimitBreach's Limit, the message ids' last part).
const (
	LimitDaily      = "daily"       // a requester's drafts of one Beijing calendar day
	LimitMonthly    = "monthly"     // a requester's drafts of one Beijing calendar month
	LimitSubAccount = "sub_account" // transfers into one sub-account in a Beijing month
)

// LimitDefaults are the limits of every requester without their own, and the mode of
// each kind of limit. A nil amount is no limit.
type LimitDefaults struct {
	Daily, Monthly                         *money.Amount
	DailyMode, MonthlyMode, SubAccountMode LimitMode
	UpdatedAt                              time.Time
}

// UserLimit is one requester's own limits; a nil amount takes the default.
type UserLimit struct {
	UserID         int64
	Username       string
	Daily, Monthly *money.Amount
	UpdatedAt      time.Time
}

// InflowCap is the monthly cap on transfers into one sub-account.
type InflowCap struct {
	SubAccountID, Name string
	Monthly            money.Amount
	UpdatedAt          time.Time
}

// LimitSettings are every limit in force, for the admin page.
type LimitSettings struct {
	Defaults    LimitDefaults
	Users       []UserLimit
	SubAccounts []InflowCap
}

// ActionLimit is the audit action of a change of limits; its target is the defaults
// (draft_limits), a user or a sub-account.
const ActionLimit = "limit.update"

// Limits lists every limit in force (admins: ErrForbidden otherwise).
func (s *Service) Limits(ctx context.Context, a Actor) (LimitSettings, error) {
	if !authz.Allowed(a.Subject(), authz.ManagePolicy, authz.Target{}) {
		return LimitSettings{}, ErrForbidden
	}
	var out LimitSettings
	d, err := s.limitDefaults(ctx, s.db)
	if err != nil {
		return out, err
	}
	out.Defaults = d
	users, err := s.db.UserDraftLimits(ctx)
	if err != nil {
		return out, err
	}
	for _, u := range users {
		ul := UserLimit{UserID: u.UserID, Username: u.Username, UpdatedAt: u.UpdatedAt.UTC()}
		if ul.Daily, ul.Monthly, err = userLimits(&u); err != nil {
			return out, err
		}
		out.Users = append(out.Users, ul)
	}
	caps, err := s.db.InflowCaps(ctx)
	if err != nil {
		return out, err
	}
	for _, c := range caps {
		m, err := storedLimit(&c.Monthly)
		if err != nil {
			return out, err
		}
		if m != nil {
			out.SubAccounts = append(out.SubAccounts, InflowCap{SubAccountID: c.SubAccountID, Name: c.Name, Monthly: *m,
				UpdatedAt: c.UpdatedAt.UTC()})
		}
	}
	return out, nil
}

func (s *Service) limitDefaults(ctx context.Context, db *store.DB) (LimitDefaults, error) {
	row, err := db.DraftLimitDefaults(ctx)
	if err != nil {
		return LimitDefaults{}, err
	}
	d := LimitDefaults{DailyMode: LimitMode(row.DailyMode), MonthlyMode: LimitMode(row.MonthlyMode),
		SubAccountMode: LimitMode(row.SubAccountMode), UpdatedAt: row.UpdatedAt.UTC()}
	if d.Daily, err = storedLimit(row.Daily); err != nil {
		return d, err
	}
	d.Monthly, err = storedLimit(row.Monthly)
	return d, err
}

// userLimits reads a requester's own limits.
func userLimits(u *store.UserDraftLimit) (daily, monthly *money.Amount, err error) {
	if daily, err = storedLimit(u.Daily); err != nil {
		return nil, nil, err
	}
	monthly, err = storedLimit(u.Monthly)
	return daily, monthly, err
}

// SetLimitDefaults replaces the default limits and the modes, with a's fresh code.
func (s *Service) SetLimitDefaults(ctx context.Context, a Actor, code string, d LimitDefaults) error {
	ve := &ValidationError{}
	checkLimitAmount(ve, "daily", d.Daily)
	checkLimitAmount(ve, "monthly", d.Monthly)
	for field, m := range map[string]LimitMode{"daily_mode": d.DailyMode, "monthly_mode": d.MonthlyMode, "sub_account_mode": d.SubAccountMode} {
		if !m.Valid() {
			ve.add(field, "limit.err.mode", nil)
		}
	}
	if err := s.limitChange(ctx, a, code, ve); err != nil {
		return err
	}
	before, err := s.limitDefaults(ctx, s.db)
	if err != nil {
		return err
	}
	row := &store.DraftLimits{Daily: amountText(d.Daily), Monthly: amountText(d.Monthly), DailyMode: string(d.DailyMode),
		MonthlyMode: string(d.MonthlyMode), SubAccountMode: string(d.SubAccountMode), UpdatedAt: s.now()}
	return s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SaveDraftLimitDefaults(ctx, row); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: ActionLimit, TargetType: "draft_limits", TargetID: "default",
			Outcome: audit.Success, Details: map[string]any{"before": defaultsDetails(before), "after": defaultsDetails(d)}})
	})
}

// SetUserLimit sets a requester's own daily and monthly limits, with a's fresh code;
// both nil removes them (the defaults apply again).
func (s *Service) SetUserLimit(ctx context.Context, a Actor, code string, userID int64, daily, monthly *money.Amount) error {
	ve := &ValidationError{}
	checkLimitAmount(ve, "daily", daily)
	checkLimitAmount(ve, "monthly", monthly)
	if _, err := s.db.UserByID(ctx, userID); errors.Is(err, store.ErrNotFound) {
		ve.add("user", "limit.err.user", nil)
	} else if err != nil {
		return err
	}
	if err := s.limitChange(ctx, a, code, ve); err != nil {
		return err
	}
	before := map[string]any{"daily": "", "monthly": ""}
	switch cur, err := s.db.UserDraftLimitByID(ctx, userID); {
	case err == nil:
		before = map[string]any{"daily": ptrString(cur.Daily), "monthly": ptrString(cur.Monthly)}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	row := &store.UserDraftLimit{UserID: userID, Daily: amountText(daily), Monthly: amountText(monthly), UpdatedAt: s.now()}
	return s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SaveUserDraftLimit(ctx, row); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: ActionLimit, TargetType: "user", TargetID: strconv.FormatInt(userID, 10),
			Outcome: audit.Success, Details: map[string]any{"before": before,
				"after": map[string]any{"daily": ptrString(row.Daily), "monthly": ptrString(row.Monthly)}}})
	})
}

// SetInflowCap sets the monthly cap on transfers into a cached sub-account, with a's
// fresh code; nil removes it.
func (s *Service) SetInflowCap(ctx context.Context, a Actor, code, subAccountID string, monthly *money.Amount) error {
	subAccountID = strings.TrimSpace(subAccountID)
	ve := &ValidationError{}
	checkLimitAmount(ve, "monthly", monthly)
	if _, err := s.db.SubAccountByID(ctx, subAccountID); errors.Is(err, store.ErrNotFound) || subAccountID == "" {
		ve.add("sub_account_id", "op.err.sub_account_not_found", map[string]any{"id": subAccountID})
	} else if err != nil {
		return err
	}
	if err := s.limitChange(ctx, a, code, ve); err != nil {
		return err
	}
	before := ""
	switch cur, err := s.db.InflowCapByID(ctx, subAccountID); {
	case err == nil:
		before = cur.Monthly
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	row := &store.SubAccountInflowCap{SubAccountID: subAccountID, UpdatedAt: s.now()}
	if monthly != nil {
		row.Monthly = monthly.String()
	}
	return s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SaveInflowCap(ctx, row); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: ActionLimit, TargetType: "sub_account", TargetID: subAccountID,
			Outcome: audit.Success, Details: map[string]any{"before": map[string]any{"monthly_inflow": before},
				"after": map[string]any{"monthly_inflow": row.Monthly}}})
	})
}

// limitChange refuses a change of limits by anyone but an admin, invalid input (before
// the code is spent on it), or without a's fresh second-factor code.
func (s *Service) limitChange(ctx context.Context, a Actor, code string, ve *ValidationError) error {
	if !authz.Allowed(a.Subject(), authz.ManagePolicy, authz.Target{}) {
		return ErrForbidden
	}
	if err := ve.orNil(); err != nil {
		return err
	}
	return s.stepUp(ctx, a, code)
}

func checkLimitAmount(ve *ValidationError, field string, m *money.Amount) {
	if m != nil && !m.IsPositive() {
		ve.add(field, "op.err.amount_positive", nil)
	}
}

func defaultsDetails(d LimitDefaults) map[string]any {
	return map[string]any{"daily": ptrString(amountText(d.Daily)), "monthly": ptrString(amountText(d.Monthly)),
		"daily_mode": d.DailyMode, "monthly_mode": d.MonthlyMode, "sub_account_mode": d.SubAccountMode}
}

// storedLimit reads a stored limit; nil is no limit. One that does not read is an error,
// never "no limit": a control fails closed.
func storedLimit(s *string) (*money.Amount, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	a, err := money.FromUpstream(*s, money.DefaultCurrency)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func amountText(m *money.Amount) *string {
	if m == nil {
		return nil
	}
	s := m.String()
	return &s
}
