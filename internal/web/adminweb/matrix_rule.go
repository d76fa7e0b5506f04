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
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The form of one rule of the approval matrix: new (/admin/matrix/rules/new) or
// existing (/admin/matrix/rules/:id), saved or deleted with a fresh second-factor code.
// A change that lowers the approvals needed comes back held for a second admin.

// bandText is a band as people read it: any amount, from, below, or from … to below.
func bandText(tr *i18n.Translator, lo, hi *money.Amount) string {
	switch {
	case lo == nil && hi == nil:
		return tr.T("matrix.band.any")
	case hi == nil:
		return tr.T("matrix.band.from", map[string]any{"Min": lo.Text()})
	case lo == nil:
		return tr.T("matrix.band.below", map[string]any{"Max": hi.Text()})
	}
	return tr.T("matrix.band.range", map[string]any{"Min": lo.Text(), "Max": hi.Text()})
}

func moneyText(s string) string { return money.TextOf(s, money.DefaultCurrency) }

// ruleNew is GET /admin/matrix/rules/new.
func (a *Area) ruleNew(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	in := approval.RuleInput{Kind: approval.KindTransferFunds, Levels: []approval.Level{{Count: 1}}}
	a.renderRuleForm(c, http.StatusOK, in, nil)
}

// ruleEdit is GET /admin/matrix/rules/:id.
func (a *Area) ruleEdit(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	r, ok := a.ruleFromPath(c)
	if !ok {
		return
	}
	in := approval.RuleInput{ID: r.ID, Version: r.Version, Kind: r.Kind, OrgUnitID: r.OrgUnitID, Levels: r.Levels, Sequential: r.Sequential}
	if r.Min != nil {
		in.Min = r.Min.String()
	}
	if r.Max != nil {
		in.Max = r.Max.String()
	}
	a.renderRuleForm(c, http.StatusOK, in, nil)
}

func (a *Area) ruleFromPath(c *gin.Context) (*approval.Rule, bool) {
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return nil, false
	}
	r, err := a.matrix.ApprovalRule(c.Request.Context(), a.actor(c), id)
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetRule, itoa(id))
		return nil, false
	}
	return r, true
}

// ruleFormView is the form showing in, with the problems of err (a refusal of the use case).
func (a *Area) ruleFormView(c *gin.Context, in approval.RuleInput, err error) (view.MatrixRuleForm, error) {
	ctx, tr := c.Request.Context(), a.core.Translator(c)
	groups, gerr := a.matrix.ApproverGroups(ctx, a.actor(c))
	if gerr != nil {
		return view.MatrixRuleForm{}, gerr
	}
	orgs, oerr := a.db.Organizations(ctx)
	if oerr != nil {
		return view.MatrixRuleForm{}, oerr
	}
	v := view.MatrixRuleForm{New: in.ID == 0, ID: itoa(in.ID), Version: strconv.Itoa(in.Version), Kinds: matrixKinds(tr, in.Kind),
		Units: unitOptions(tr, orgs, in.OrgUnitID, false), Min: in.Min, Max: in.Max, Sequential: in.Sequential,
		Errors: matrixFieldErrors(tr, err)}
	for i := range approval.MaxLevels {
		var l approval.Level
		if i < len(in.Levels) {
			l = in.Levels[i]
		}
		row := view.MatrixLevelInput{N: i + 1}
		if l.Count > 0 {
			row.Count = strconv.Itoa(l.Count)
		}
		row.Groups = append(row.Groups, view.Option{Value: "0", Label: tr.T("matrix.route.any"), Selected: l.GroupID == 0})
		for _, g := range groups {
			row.Groups = append(row.Groups, view.Option{Value: itoa(g.ID), Label: g.Name, Selected: l.GroupID == g.ID})
		}
		v.Levels = append(v.Levels, row)
	}
	switch {
	case err == nil:
	case matrixStepUpMessage(err) != "":
		v.CodeError = tr.T(matrixStepUpMessage(err))
	case v.Errors != nil:
		v.Error = tr.T("op.form_has_errors")
		if msg := v.Errors["_"]; msg != "" {
			v.Error = msg
		}
	default:
		if he := refusalMessage(err); he != "" {
			v.Error = tr.T(he)
		}
	}
	return v, nil
}

func (a *Area) renderRuleForm(c *gin.Context, status int, in approval.RuleInput, err error) {
	v, verr := a.ruleFormView(c, in, err)
	if verr != nil {
		a.core.Fail(c, verr)
		return
	}
	a.core.Render(c, status, pages.MatrixRule(a.core.Page(c, "matrix.rule_title"), v))
}

// ruleInput reads the rule form. Level rows without a count are left out.
func ruleInput(c *gin.Context) approval.RuleInput {
	field := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	in := approval.RuleInput{Kind: approval.Kind(field("kind")), OrgUnitID: field("org_unit_id"), Min: field("min"), Max: field("max"),
		Sequential: c.PostForm("sequential") == "on"}
	in.ID, _ = strconv.ParseInt(c.Param("id"), 10, 64)
	in.Version, _ = strconv.Atoi(field("version"))
	for i := 1; i <= approval.MaxLevels; i++ {
		n := strconv.Itoa(i)
		count := field("count_" + n)
		if count == "" {
			continue
		}
		l := approval.Level{Count: -1}
		if v, err := strconv.Atoi(count); err == nil {
			l.Count = v
		}
		l.GroupID, _ = strconv.ParseInt(field("group_"+n), 10, 64)
		in.Levels = append(in.Levels, l)
	}
	return in
}

// ruleSave is POST /admin/matrix/rules (new) and POST /admin/matrix/rules/:id.
func (a *Area) ruleSave(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	in := ruleInput(c)
	if c.Param("id") != "" && in.ID <= 0 {
		a.core.Fail(c, webcore.ErrNotFound)
		return
	}
	res, err := a.matrix.SaveApprovalRule(c.Request.Context(), a.actor(c), strings.TrimSpace(c.PostForm("code")), in)
	a.ruleDone(c, in, res, err, "matrix.flash.rule_saved")
}

// ruleDelete is POST /admin/matrix/rules/:id/delete.
func (a *Area) ruleDelete(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	r, ok := a.ruleFromPath(c)
	if !ok {
		return
	}
	version, _ := strconv.Atoi(strings.TrimSpace(c.PostForm("version")))
	res, err := a.matrix.DeleteApprovalRule(c.Request.Context(), a.actor(c), strings.TrimSpace(c.PostForm("code")), r.ID, version)
	in := approval.RuleInput{ID: r.ID, Version: r.Version, Kind: r.Kind, OrgUnitID: r.OrgUnitID, Levels: r.Levels, Sequential: r.Sequential}
	if r.Min != nil {
		in.Min = r.Min.String()
	}
	if r.Max != nil {
		in.Max = r.Max.String()
	}
	a.ruleDone(c, in, res, err, "matrix.flash.rule_deleted")
}

// ruleDone answers a save or delete: to the matrix with what became of it, or the form
// again with the reason.
func (a *Area) ruleDone(c *gin.Context, in approval.RuleInput, res approval.RuleResult, err error, flash string) {
	switch {
	case err == nil && res.Pending != nil:
		a.core.Flash(c, "info", "matrix.flash.held")
	case err == nil:
		a.core.Flash(c, "ok", flash)
	case matrixStepUpMessage(err) != "" || errors.As(err, new(*approval.ValidationError)):
		a.renderRuleForm(c, http.StatusUnprocessableEntity, in, err)
		return
	case errors.Is(err, approval.ErrStale):
		a.renderRuleForm(c, http.StatusConflict, in, err)
		return
	default:
		a.core.FailOperation(c, err, approval.TargetRule, itoa(in.ID))
		return
	}
	a.core.Redirect(c, "/admin/matrix")
}
