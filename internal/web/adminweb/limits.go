package adminweb

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// /admin/limits: the drafting limits (internal/approval limits.go) — the defaults and
// the mode of each kind of limit, people's own limits, sub-accounts' caps on transfers
// in. Each form is saved on its own, behind a fresh code (limits_save.go).

// Limits are the drafting limits (approval.Service); Policies embeds them.
type Limits interface {
	Limits(ctx context.Context, a approval.Actor) (approval.LimitSettings, error)
	SetLimitDefaults(ctx context.Context, a approval.Actor, code string, d approval.LimitDefaults) error
	SetUserLimit(ctx context.Context, a approval.Actor, code string, userID int64, daily, monthly *money.Amount) error
	SetInflowCap(ctx context.Context, a approval.Actor, code, subAccountID string, monthly *money.Amount) error
}

// actor is the signed-in admin as the approval service sees them.
func (a *Area) actor(c *gin.Context) approval.Actor {
	u, _ := a.core.User(c)
	act := approval.Actor{Roles: a.core.Subject(c).Roles, Meta: a.core.Meta(c)}
	if u != nil {
		act.UserID, act.Username, act.Scopes = u.ID, u.Username, u.Scopes
	}
	return act
}

// limitsPage is GET /admin/limits.
func (a *Area) limitsPage(c *gin.Context) {
	if !a.policiesReady(c) {
		return
	}
	v, err := a.limitsView(c)
	if err != nil {
		a.core.FailOperation(c, err, "draft_limits", "default")
		return
	}
	a.renderLimits(c, http.StatusOK, v)
}

func (a *Area) renderLimits(c *gin.Context, status int, v view.LimitsPage) {
	a.core.Render(c, status, pages.Limits(a.core.Page(c, "limit.title"), v))
}

// limitsView is the page with every limit in force and empty forms.
func (a *Area) limitsView(c *gin.Context) (view.LimitsPage, error) {
	ctx := c.Request.Context()
	tr := a.core.Translator(c)
	cur, err := a.policies.Limits(ctx, a.actor(c))
	if err != nil {
		return view.LimitsPage{}, err
	}
	d := cur.Defaults
	v := view.LimitsPage{Defaults: view.LimitDefaultsForm{Daily: amountValue(d.Daily), Monthly: amountValue(d.Monthly),
		DailyMode: string(d.DailyMode), MonthlyMode: string(d.MonthlyMode), SubAccountMode: string(d.SubAccountMode)}}
	if !d.UpdatedAt.IsZero() {
		v.Defaults.Updated = webcore.FormatTime(d.UpdatedAt, tr.Lang)
	}
	for _, m := range []approval.LimitMode{approval.LimitRefuse, approval.LimitExtraApproval} {
		v.Modes = append(v.Modes, view.Option{Value: string(m), Label: tr.T("limit.mode." + string(m))})
	}
	for _, u := range cur.Users {
		v.Users = append(v.Users, view.LimitUserRow{UserID: itoa(u.UserID), User: u.Username, Daily: limitText(tr, u.Daily),
			Monthly: limitText(tr, u.Monthly), Updated: webcore.FormatTime(u.UpdatedAt, tr.Lang)})
	}
	for _, s := range cur.SubAccounts {
		name := s.Name
		if name == "" {
			name = s.SubAccountID
		}
		v.Subs = append(v.Subs, view.LimitSubRow{ID: s.SubAccountID, Name: name, Monthly: s.Monthly.Text(),
			Updated: webcore.FormatTime(s.UpdatedAt, tr.Lang)})
	}
	people, err := a.users.List(ctx)
	if err != nil {
		return v, err
	}
	for _, p := range people {
		label := p.Username
		if p.DisplayName != "" {
			label += " (" + p.DisplayName + ")"
		}
		v.People = append(v.People, view.Option{Value: strconv.FormatInt(p.ID, 10), Label: label})
	}
	return v, nil
}

// amountValue is an amount as a form field holds it ("" for none).
func amountValue(m *money.Amount) string {
	if m == nil {
		return ""
	}
	return m.String()
}

// limitText is a person's own limit as the table shows it; none: the default applies.
func limitText(tr *i18n.Translator, m *money.Amount) string {
	if m == nil {
		return tr.T("limit.default")
	}
	return m.Text()
}
