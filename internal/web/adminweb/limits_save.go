package adminweb

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// The three forms of /admin/limits, each one use case call with the form's fresh code.
// A refusal shows the page again with the form's input and the reasons.

// limitsSave is POST /admin/limits: the defaults and the modes.
func (a *Area) limitsSave(c *gin.Context) {
	f := view.LimitDefaultsForm{Daily: field(c, "daily"), Monthly: field(c, "monthly"), DailyMode: field(c, "daily_mode"),
		MonthlyMode: field(c, "monthly_mode"), SubAccountMode: field(c, "sub_account_mode"), Errors: map[string]string{}}
	d := approval.LimitDefaults{DailyMode: approval.LimitMode(f.DailyMode), MonthlyMode: approval.LimitMode(f.MonthlyMode),
		SubAccountMode: approval.LimitMode(f.SubAccountMode)}
	tr := a.core.Translator(c)
	d.Daily = optionalAmount(tr, f.Daily, "daily", f.Errors)
	d.Monthly = optionalAmount(tr, f.Monthly, "monthly", f.Errors)
	a.limitChange(c, "draft_limits", "default", f.Errors, func(v *view.LimitsPage, msg, code string) {
		f.Error, f.CodeError = msg, code
		v.Defaults = f
	}, func(act approval.Actor, code string) error {
		return a.policies.SetLimitDefaults(c.Request.Context(), act, code, d)
	})
}

// limitsUserSave is POST /admin/limits/users: one person's own limits; both empty
// removes them.
func (a *Area) limitsUserSave(c *gin.Context) {
	f := view.LimitUserForm{UserID: field(c, "user_id"), Daily: field(c, "daily"), Monthly: field(c, "monthly"), Errors: map[string]string{}}
	tr := a.core.Translator(c)
	id, err := strconv.ParseInt(f.UserID, 10, 64)
	if err != nil || id <= 0 {
		f.Errors["user"] = tr.T("limit.err.user")
	}
	daily := optionalAmount(tr, f.Daily, "daily", f.Errors)
	monthly := optionalAmount(tr, f.Monthly, "monthly", f.Errors)
	a.limitChange(c, "user", f.UserID, f.Errors, func(v *view.LimitsPage, msg, code string) {
		f.Error, f.CodeError = msg, code
		v.UserForm = f
	}, func(act approval.Actor, code string) error {
		return a.policies.SetUserLimit(c.Request.Context(), act, code, id, daily, monthly)
	})
}

// limitsSubSave is POST /admin/limits/sub-accounts: one sub-account's cap on transfers
// in; empty removes it.
func (a *Area) limitsSubSave(c *gin.Context) {
	f := view.LimitSubForm{SubAccountID: field(c, "sub_account_id"), Monthly: field(c, "monthly"), Errors: map[string]string{}}
	monthly := optionalAmount(a.core.Translator(c), f.Monthly, "monthly", f.Errors)
	a.limitChange(c, "sub_account", f.SubAccountID, f.Errors, func(v *view.LimitsPage, msg, code string) {
		f.Error, f.CodeError = msg, code
		v.SubForm = f
	}, func(act approval.Actor, code string) error {
		return a.policies.SetInflowCap(c.Request.Context(), act, code, f.SubAccountID, monthly)
	})
}

// limitChange runs one change: the form's own errors (fields) refuse it before the use
// case; the use case's field errors, or a refused code, show the page again through
// keep (the message, the code's message); anything else fails.
func (a *Area) limitChange(c *gin.Context, targetType, targetID string, fields map[string]string,
	keep func(v *view.LimitsPage, msg, code string), change func(act approval.Actor, code string) error) {
	if !a.policiesReady(c) {
		return
	}
	tr := a.core.Translator(c)
	refuse := func(code string) {
		v, err := a.limitsView(c)
		if err != nil {
			a.core.Fail(c, err)
			return
		}
		keep(&v, tr.T("op.form_has_errors"), code)
		a.renderLimits(c, http.StatusUnprocessableEntity, v)
	}
	if len(fields) > 0 {
		refuse("")
		return
	}
	err := change(a.actor(c), strings.TrimSpace(c.PostForm("code")))
	var ve *approval.ValidationError
	switch {
	case err == nil:
		a.core.Flash(c, "ok", "flash.limits_saved")
		a.core.Redirect(c, "/admin/limits")
	case errors.As(err, &ve):
		for f, id := range ve.Fields {
			fields[f] = tr.T(id, ve.Params[f])
		}
		refuse("")
	case errors.Is(err, approval.ErrStepUp):
		refuse(tr.T(stepUpMessage(err)))
	default:
		a.core.FailOperation(c, err, targetType, targetID)
	}
}

// stepUpMessage is the message id of a refused second-factor code (a wrong, reused or
// locked-out code, as the workflow's error table words it).
func stepUpMessage(err error) string {
	if he := webcore.OperationError(err); he != nil {
		return he.Message
	}
	return "op.error.step_up"
}

func field(c *gin.Context, name string) string { return strings.TrimSpace(c.PostForm(name)) }

// optionalAmount reads an amount field ("" = none); a bad one is the field's error.
func optionalAmount(tr *i18n.Translator, s, name string, errs map[string]string) *money.Amount {
	if s == "" {
		return nil
	}
	m, err := money.Parse(s, money.DefaultCurrency)
	if err != nil {
		errs[name] = tr.T("limit.err.amount")
		return nil
	}
	return &m
}
