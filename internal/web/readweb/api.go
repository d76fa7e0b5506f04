package readweb

import (
	"net/http"
	"time"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// The JSON API's read side (CONTRACTS.md): amounts as strings with two decimals, times
// RFC 3339 UTC, lists as {"items":[…],"next_cursor":"…"}. Scopes apply exactly as on
// the pages.

type apiCredit struct {
	Available    string  `json:"available"`
	CreditAmount string  `json:"credit_amount"`
	ExpireTime   *string `json:"expire_time"`
}

type apiBalances struct {
	Debit struct {
		Available string `json:"available"`
		Currency  string `json:"currency"`
	} `json:"debit"`
	Credit []apiCredit `json:"credit"`
}

type apiSubAccount struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	DisplayName string      `json:"display_name"`
	Status      int         `json:"status"`
	OrgID       string      `json:"org_id"`
	OrgName     string      `json:"org_name"`
	Balances    apiBalances `json:"balances"`
	Stale       bool        `json:"stale"`
	SyncedAt    string      `json:"synced_at"`
	// MasterAccountID is the domain id of the sub-account's master account.
	MasterAccountID string    `json:"master_account_id"`
	Runway          apiRunway `json:"runway"`
}

// apiRunway is a sub-account's runway; the numbers are null unless estimated.
type apiRunway struct {
	State      string  `json:"state"`
	DaysLeft   *string `json:"days_left"`
	DailyBurn  *string `json:"daily_burn"`
	BasedOn    int     `json:"based_on_days"`
	ComputedAt *string `json:"computed_at"`
}

func toAPIRunway(r store.Runway) apiRunway {
	out := apiRunway{State: r.State, BasedOn: r.BasedOn, ComputedAt: rfc3339(r.At)}
	if r.State == store.RunwayNone {
		out.State = "not_computed"
	}
	if r.State == store.RunwayEstimated {
		days, burn := r.Days.StringFixed(1), r.Burn.StringFixed(2)
		out.DaysLeft, out.DailyBurn = &days, &burn
	}
	return out
}

// apiSubAccountDetail is one sub-account with what it holds.
type apiSubAccountDetail struct {
	apiSubAccount
	Coupons   []apiCoupon   `json:"coupons"`
	Resources []apiResource `json:"resources"`
}

type apiCoupon struct {
	CouponID    string  `json:"coupon_id"`
	SubCouponID string  `json:"sub_coupon_id"`
	PlanName    string  `json:"plan_name"`
	Balance     string  `json:"balance"`
	Effective   *string `json:"effective_time"`
	Expire      *string `json:"expire_time"`
}

type apiResource struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Region       string  `json:"region"`
	ServiceType  string  `json:"service_type"`
	ResourceType string  `json:"resource_type"`
	Status       int     `json:"status"`
	Expire       *string `json:"expire_time"`
	ExpirePolicy int     `json:"expire_policy"`
}

func rfc3339(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func apiAmount(a money.Amount) string { return a.String() }

func toAPISubAccount(sa store.SubAccount) apiSubAccount {
	out := apiSubAccount{
		ID: sa.ID, Name: sa.Name, DisplayName: sa.DisplayName, Status: sa.Status, OrgID: sa.OrgID, OrgName: sa.OrgName, Stale: sa.Stale,
		MasterAccountID: sa.MasterAccountID, Runway: toAPIRunway(sa.Runway),
	}
	out.Balances.Debit.Available = apiAmount(sa.Debit)
	out.Balances.Debit.Currency = sa.Currency
	if out.Balances.Debit.Currency == "" {
		out.Balances.Debit.Currency = money.DefaultCurrency
	}
	out.Balances.Credit = []apiCredit{}
	for _, c := range sa.Credits {
		out.Balances.Credit = append(out.Balances.Credit, apiCredit{Available: apiAmount(c.Available), CreditAmount: apiAmount(c.CreditAmount), ExpireTime: rfc3339(c.ExpireTime)})
	}
	synced := sa.SyncedAt
	if sa.BalancesSyncedAt != nil {
		synced = *sa.BalancesSyncedAt
	}
	if p := rfc3339(&synced); p != nil {
		out.SyncedAt = *p
	}
	return out
}

// badRequest is the API's answer to a bad parameter, message the id of what is wrong.
func badRequest(message string) error {
	return &webcore.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: message}
}

// errSyncUnavailable: no sync worker is wired (a build without jobs).
var errSyncUnavailable = &webcore.Error{Status: http.StatusServiceUnavailable, Code: "sync_unavailable", Message: "flash.sync_unavailable"}
