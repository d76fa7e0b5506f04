package rulesweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// list is GET /rules.
func (a *Area) list(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	ctx, tr, sub := c.Request.Context(), a.core.Translator(c), a.core.Subject(c)
	sums, err := a.rules.List(ctx, sub)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	sw, err := a.rules.Switch(ctx)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v := view.RulesPage{Paused: sw.Paused, CanPause: authz.Allowed(sub, authz.PauseAllRules, authz.Target{}),
		CanCreate: authz.Allowed(sub, authz.ManageRules, authz.Target{}), Month: a.rules.Month(a.now())}
	if sw.Paused {
		v.PausedBy = sw.ChangedBy + " · " + webcore.FormatTimePtr(sw.ChangedAt, tr.Lang)
	}
	total := money.Zero(money.DefaultCurrency)
	for _, s := range sums {
		d := s.Rule.Definition
		v.Rows = append(v.Rows, view.RuleRow{ID: idText(s.Rule.ID), Href: "/rules/" + idText(s.Rule.ID), Name: d.Name,
			Target: targetText(tr, d), Trigger: triggerText(tr, d), Action: actionText(tr, d), State: stateBadge(tr, d.State),
			Spent: s.Totals.Spent.Format(), Cap: s.Totals.Cap.Format(), Percent: percentOf(s.Totals.Spent, s.Totals.Cap),
			TopUps: s.Totals.TopUps, Valid: validText(tr, d)})
		v.TopUps += s.Totals.TopUps
		total = total.Add(s.Totals.Spent)
	}
	v.Total = total.Format()
	a.core.Render(c, http.StatusOK, pages.Rules(a.core.Page(c, "rules.title"), v))
}

// pauseAll is POST /rules/pause-all: every rule stops paying at once (admins).
func (a *Area) pauseAll(c *gin.Context) { a.setAll(c, true) }

// resumeAll is POST /rules/resume-all.
func (a *Area) resumeAll(c *gin.Context) { a.setAll(c, false) }

func (a *Area) setAll(c *gin.Context, paused bool) {
	if !a.ready(c) {
		return
	}
	if err := a.rules.SetAllPaused(c.Request.Context(), a.actor(c), paused); err != nil {
		a.fail(c, err, "all")
		return
	}
	if paused {
		a.core.Flash(c, "ok", "flash.rules_paused_all")
	} else {
		a.core.Flash(c, "ok", "flash.rules_resumed_all")
	}
	a.core.Redirect(c, "/rules")
}

// DashboardPanel is the dashboard's "this month's automatic top-ups", for those who may
// see the rules (nil otherwise).
func (a *Area) DashboardPanel(c *gin.Context) (*view.RuleTopUps, error) {
	sub := a.core.Subject(c)
	if a.rules == nil || !authz.Allowed(sub, authz.ViewRules, authz.Target{}) {
		return nil, nil
	}
	pays, total, err := a.rules.MonthTopUps(c.Request.Context(), sub)
	if err != nil {
		return nil, err
	}
	tr := a.core.Translator(c)
	v := &view.RuleTopUps{Count: len(pays), Total: total.Format(), Href: "/rules"}
	for i, p := range pays {
		if i == 5 {
			break
		}
		v.Rows = append(v.Rows, paymentRow(tr, p, money.DefaultCurrency))
	}
	return v, nil
}
