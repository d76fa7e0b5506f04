package adminweb

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// /admin/matrix: the approval matrix (internal/approval matrix*.go) — its rules, the
// approver groups they name, the changes held for a second admin, and the form that
// says which rule applies to a request and why. The use cases check the roles, the
// second factor, the four eyes and the versions again; the handlers parse, call one and
// render.

// Matrix administers the approval matrix (approval.Service).
type Matrix interface {
	ApprovalRules(ctx context.Context, a approval.Actor) ([]approval.Rule, error)
	ApprovalRule(ctx context.Context, a approval.Actor, id int64) (*approval.Rule, error)
	SaveApprovalRule(ctx context.Context, a approval.Actor, code string, in approval.RuleInput) (approval.RuleResult, error)
	DeleteApprovalRule(ctx context.Context, a approval.Actor, code string, id int64, version int) (approval.RuleResult, error)
	ApproverGroups(ctx context.Context, a approval.Actor) ([]approval.Group, error)
	ApproverGroup(ctx context.Context, a approval.Actor, id int64) (*approval.Group, error)
	SaveApproverGroup(ctx context.Context, a approval.Actor, up approval.StepUpProof, in approval.GroupInput) (*approval.Group, error)
	DeleteApproverGroup(ctx context.Context, a approval.Actor, up approval.StepUpProof, id int64, version int) error
	RuleChanges(ctx context.Context, a approval.Actor, pendingOnly bool) ([]approval.MatrixChange, error)
	ApproveRuleChange(ctx context.Context, a approval.Actor, code string, id int64) (*approval.MatrixChange, error)
	RejectRuleChange(ctx context.Context, a approval.Actor, id int64, comment string) (*approval.MatrixChange, error)
	Explain(ctx context.Context, a approval.Actor, q approval.ExplainQuery) (approval.Explanation, error)
}

// matrixReady answers "operations are not available" when no workflow is wired.
func (a *Area) matrixReady(c *gin.Context) bool {
	if a.matrix == nil {
		a.core.Fail(c, webcore.ErrOperationsUnavailable)
		return false
	}
	return true
}

// matrixPage is GET /admin/matrix.
func (a *Area) matrixPage(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	v, err := a.matrixView(c)
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetRule, "")
		return
	}
	a.renderMatrix(c, http.StatusOK, v)
}

func (a *Area) renderMatrix(c *gin.Context, status int, v view.MatrixPage) {
	a.core.Render(c, status, pages.Matrix(a.core.Page(c, "matrix.title"), v))
}

// matrixNames are the names the matrix pages show for ids: units and groups.
type matrixNames struct {
	units  map[string]string
	groups map[int64]string
}

func (a *Area) names(c *gin.Context, groups []approval.Group) matrixNames {
	n := matrixNames{units: a.orgNames(c), groups: map[int64]string{}}
	for _, g := range groups {
		n.groups[g.ID] = g.Name
	}
	return n
}

func (a *Area) matrixView(c *gin.Context) (view.MatrixPage, error) {
	ctx, actor, tr := c.Request.Context(), a.actor(c), a.core.Translator(c)
	rules, err := a.matrix.ApprovalRules(ctx, actor)
	if err != nil {
		return view.MatrixPage{}, err
	}
	groups, err := a.matrix.ApproverGroups(ctx, actor)
	if err != nil {
		return view.MatrixPage{}, err
	}
	changes, err := a.matrix.RuleChanges(ctx, actor, false)
	if err != nil {
		return view.MatrixPage{}, err
	}
	n := a.names(c, groups)
	var v view.MatrixPage
	for _, r := range rules {
		v.Rules = append(v.Rules, view.MatrixRuleRow{ID: itoa(r.ID), Href: "/admin/matrix/rules/" + itoa(r.ID), Kind: kindLabel(tr, r.Kind),
			Unit: unitText(tr, r.OrgUnitID, n.units), Band: bandText(tr, r.Min, r.Max), Needs: ruleNeeds(tr, &r, n),
			Version: itoa(int64(r.Version)), Updated: webcore.FormatTime(r.UpdatedAt, tr.Lang)})
	}
	for _, g := range groups {
		var members []string
		for _, m := range g.Members {
			members = append(members, m.Username)
		}
		v.Groups = append(v.Groups, view.MatrixGroupRow{ID: itoa(g.ID), Href: "/admin/matrix/groups/" + itoa(g.ID), Name: g.Name,
			Units: scopeSummary(tr, g.Units, n.units), Members: strings.Join(members, ", ")})
	}
	me := actor.UserID
	for _, ch := range changes {
		row := changeRow(tr, ch, n, me)
		if ch.State == store.RuleChangePending {
			v.Changes = append(v.Changes, row)
		} else if len(v.Recent) < 10 {
			v.Recent = append(v.Recent, row)
		}
	}
	orgs, err := a.db.Organizations(ctx)
	if err != nil {
		return view.MatrixPage{}, err
	}
	v.Explain = view.MatrixExplainForm{Kinds: matrixKinds(tr, ""), Units: unitOptions(tr, orgs, "", true)}
	return v, nil
}

func changeRow(tr *i18n.Translator, ch approval.MatrixChange, n matrixNames, me int64) view.MatrixChangeRow {
	row := view.MatrixChangeRow{ID: itoa(ch.ID), Action: tr.T("matrix.change." + strings.TrimPrefix(ch.Action, "approval_rule.")),
		Before: ruleText(tr, ch.Before, n), After: ruleText(tr, ch.After, n), ProposedBy: ch.ProposedByName,
		ProposedAt: webcore.FormatTime(ch.ProposedAt, tr.Lang), State: tr.T("matrix.change_state." + ch.State),
		DecidedBy: ch.DecidedByName, Comment: ch.Comment, Own: ch.ProposedBy == me}
	if lp := ch.Lowered; lp != nil {
		unit := tr.T("matrix.unit.none")
		if len(lp.OrgPath) > 0 {
			unit = unitText(tr, lp.OrgPath[len(lp.OrgPath)-1], n.units)
		}
		amount := tr.T("matrix.band.no_amount")
		if lp.Amount != "" {
			amount = moneyText(lp.Amount)
		}
		row.Lowers = tr.T("matrix.lowers", map[string]any{"Kind": kindLabel(tr, lp.Kind), "Unit": unit, "Amount": amount,
			"Before": lp.Before, "After": lp.After})
	}
	return row
}

// ruleText is a rule in one line: kind, unit, band and what it needs ("—" for none).
func ruleText(tr *i18n.Translator, r *approval.Rule, n matrixNames) string {
	if r == nil {
		return "—"
	}
	return tr.T("matrix.rule_line", map[string]any{"Kind": kindLabel(tr, r.Kind), "Unit": unitText(tr, r.OrgUnitID, n.units),
		"Band": bandText(tr, r.Min, r.Max), "Needs": ruleNeeds(tr, r, n)})
}

func ruleNeeds(tr *i18n.Translator, r *approval.Rule, n matrixNames) string {
	return webcore.RouteText(tr, r.Levels, r.Sequential, n.groups)
}

// unitText names a rule's unit: every unit, or the unit by name (its id when unknown).
func unitText(tr *i18n.Translator, id string, names map[string]string) string {
	switch {
	case id == "":
		return tr.T("matrix.unit.every")
	case names[id] != "":
		return names[id]
	}
	return id
}

// matrixKinds are the kinds as the matrix's selects offer them.
func matrixKinds(tr *i18n.Translator, selected approval.Kind) []view.Option {
	out := make([]view.Option, 0, len(approval.Kinds))
	for _, k := range approval.Kinds {
		out = append(out, view.Option{Value: string(k), Label: kindLabel(tr, k), Selected: k == selected})
	}
	return out
}

// unitOptions are the organisation units as options, each under its parent (indented by
// depth), after "every unit" (or "no unit" for the explain form: a request outside every
// unit).
func unitOptions(tr *i18n.Translator, orgs []store.Organization, selected string, explain bool) []view.Option {
	first := tr.T("matrix.unit.every")
	if explain {
		first = tr.T("matrix.unit.none")
	}
	out := []view.Option{{Value: "", Label: first, Selected: selected == ""}}
	var walk func(cs []view.Check, depth int)
	walk = func(cs []view.Check, depth int) {
		for _, ch := range cs {
			out = append(out, view.Option{Value: ch.Value, Label: strings.Repeat("· ", depth) + ch.Label, Selected: ch.Value == selected})
			walk(ch.Children, depth+1)
		}
	}
	walk(unitChecks(orgs, nil), 0)
	if selected != "" && !slices.ContainsFunc(out, func(o view.Option) bool { return o.Value == selected }) {
		out = append(out, view.Option{Value: selected, Label: selected, Selected: true})
	}
	return out
}

// matrixStepUpMessage is the message id of a refused second-factor code; "" when err is
// not one.
func matrixStepUpMessage(err error) string {
	switch {
	case errors.Is(err, auth.ErrLockedOut):
		return "op.error.step_up_locked"
	case errors.Is(err, auth.ErrCodeReused):
		return "identity.code_reused"
	case errors.Is(err, approval.ErrStepUp):
		return "op.error.step_up"
	}
	return ""
}

// matrixFieldErrors translates a use case's per-field problems.
func matrixFieldErrors(tr *i18n.Translator, err error) map[string]string {
	var ve *approval.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := map[string]string{}
	for f, id := range ve.Fields {
		out[f] = tr.T(id, ve.Params[f])
	}
	return out
}

// refusalMessage is the message id of a refusal of the workflow's (stale, not allowed …);
// "" for any other error.
func refusalMessage(err error) string {
	if he := webcore.OperationError(err); he != nil {
		return he.Message
	}
	return ""
}
