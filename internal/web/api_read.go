package web

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
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
	MasterAccountID string `json:"master_account_id"`
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
		MasterAccountID: sa.MasterAccountID,
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

// apiError answers the API's error shape.
func (s *Server) apiError(c *gin.Context, status int, code, messageID string) {
	tr := s.i18n.For(lang(c))
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": tr.T(messageID)}})
}

// apiSubAccounts is GET /api/v1/sub-accounts.
func (s *Server) apiSubAccounts(c *gin.Context) {
	u := signedIn(c)
	f := store.SubAccountFilter{
		Q: queryText(c, "q"), OrgID: strings.TrimSpace(c.Query("org_id")),
		Cursor: c.Query("cursor"), Sort: store.SortName, Limit: 50, MasterAccountID: masterParam(c),
		HiddenMasters: s.hiddenMasters(c),
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.apiError(c, http.StatusBadRequest, "bad_request", "api.bad_limit")
			return
		}
		f.Limit = n
	}
	if v := c.Query("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(subAccountStatuses, n) {
			s.apiError(c, http.StatusBadRequest, "bad_request", "api.bad_status")
			return
		}
		f.Status = n
	}
	if v := c.Query("sort"); v != "" {
		if !slices.Contains(subAccountSorts, v) {
			s.apiError(c, http.StatusBadRequest, "bad_request", "api.bad_sort")
			return
		}
		f.Sort = v
	}
	page, err := s.read.ListSubAccounts(c.Request.Context(), scopeOf(u), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]apiSubAccount, 0, len(page.Items))
	for _, sa := range page.Items {
		items = append(items, toAPISubAccount(sa))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor, "total": page.Total})
}

// apiSubAccount is GET /api/v1/sub-accounts/:id, with its coupons and resources.
func (s *Server) apiSubAccount(c *gin.Context) {
	sa, ok := s.loadSubAccount(c)
	if !ok {
		return
	}
	out := apiSubAccountDetail{apiSubAccount: toAPISubAccount(*sa)}
	held, err := s.read.Holdings(c.Request.Context(), scopeOf(signedIn(c)), sa.ID, 500)
	if err != nil {
		s.fail(c, err)
		return
	}
	out.Coupons = []apiCoupon{}
	for _, cp := range held.Coupons {
		out.Coupons = append(out.Coupons, apiCoupon{CouponID: cp.CouponID, SubCouponID: cp.SubCouponID, PlanName: cp.PlanName,
			Balance: apiAmount(cp.Balance), Effective: rfc3339(cp.Effective), Expire: rfc3339(cp.Expire)})
	}
	out.Resources = []apiResource{}
	for _, r := range held.Resources {
		out.Resources = append(out.Resources, apiResource{ID: r.ResourceID, Name: r.Name, Region: r.Region, ServiceType: r.ServiceType,
			ResourceType: r.ResourceType, Status: r.Status, Expire: rfc3339(r.Expire), ExpirePolicy: r.ExpirePolicy})
	}
	c.JSON(http.StatusOK, out)
}

// apiMasterBalances is GET /api/v1/master/balances.
func (s *Server) apiMasterBalances(c *gin.Context) {
	all, err := s.masterAmounts(c.Request.Context(), masterParam(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	mb := readmodel.SumMasters(all)
	masters := make([]gin.H, 0, len(all))
	for _, m := range all {
		masters = append(masters, gin.H{"master_account_id": m.MasterAccountID, "debit": apiAmount(m.Debit), "credit": apiAmount(m.Credit),
			"currency": m.Currency, "synced_at": rfc3339(m.SyncedAt), "stale": m.Stale})
	}
	cur := mb.Currency
	if cur == "" {
		cur = money.DefaultCurrency
	}
	credits := make([]gin.H, 0, len(mb.Credits))
	for _, l := range mb.Credits {
		credits = append(credits, gin.H{"available": apiAmount(l.Available), "amount": apiAmount(l.Amount),
			"credit_amount": apiAmount(l.CreditAmount), "expire_time": rfc3339(l.ExpireTime)})
	}
	c.JSON(http.StatusOK, gin.H{
		"debit":     gin.H{"available": apiAmount(mb.Debit), "currency": cur},
		"credit":    gin.H{"available": apiAmount(mb.Credit), "currency": cur, "lines": credits},
		"synced_at": rfc3339(mb.SyncedAt),
		"stale":     mb.Stale,
		"masters":   masters,
	})
}

// apiSync is POST /api/v1/sync, body {"area":…, "sub_account_id":…} (both optional:
// a full sync by default). 202 with the job id.
func (s *Server) apiSync(c *gin.Context) {
	var body struct {
		Area         string `json:"area"`
		SubAccountID string `json:"sub_account_id"`
		Master       string `json:"master"` // one master only ("" = every master)
	}
	raw, err := io.ReadAll(io.LimitReader(c.Request.Body, 4096))
	if err != nil {
		s.apiError(c, http.StatusBadRequest, "bad_request", "error.bad_request")
		return
	}
	if len(strings.TrimSpace(string(raw))) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			s.apiError(c, http.StatusBadRequest, "bad_request", "error.bad_request")
			return
		}
	}
	if body.Area == "" {
		body.Area = "full"
		if body.SubAccountID != "" {
			body.Area = "balances"
		}
	}
	if !slices.Contains(syncAreas, body.Area) {
		s.apiError(c, http.StatusBadRequest, "bad_request", "api.bad_area")
		return
	}
	body.Master = strings.TrimSpace(body.Master)
	if body.SubAccountID != "" {
		if _, ok := s.scopedSubAccount(c, body.SubAccountID); !ok {
			return
		}
		body.Master = "" // the sub-account's own master
	}
	if body.Master != "" && !s.masterKnown(c.Request.Context(), body.Master) {
		s.apiError(c, http.StatusBadRequest, "bad_request", "error.bad_request")
		return
	}
	if s.sync == nil {
		s.apiError(c, http.StatusServiceUnavailable, "sync_unavailable", "flash.sync_unavailable")
		return
	}
	id, err := s.requestSyncOf(c, body.Master, body.Area, body.SubAccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"job_id": id, "area": body.Area})
}
