package rulesweb

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The rule form: drafting a rule (POST /rules) or a change of one (POST /rules/{id}).
// Either becomes a pending operation that approvers sign; the form answers with its
// page. Bad input comes back with what was typed and the reasons.

func inputOf(c *gin.Context) rules.Input {
	f := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	return rules.Input{Name: f("name"), TargetKind: f("target_kind"), TargetID: f("target_id"), TriggerKind: f("trigger_kind"),
		TriggerAmount: f("trigger_amount"), TriggerDays: f("trigger_days"), ActionKind: f("action_kind"),
		ActionAmount: f("action_amount"), ActionDays: f("action_days"), CapPerTopUp: f("cap_per_topup"),
		CapAccountMonth: f("cap_account_month"), CapMonth: f("cap_month"), ValidFrom: f("valid_from"),
		ValidUntil: f("valid_until"), Reason: f("reason")}
}

func options(tr *i18n.Translator, prefix, selected string, values ...string) []view.Option {
	out := make([]view.Option, 0, len(values))
	for _, v := range values {
		out = append(out, view.Option{Value: v, Label: tr.T(prefix + v), Selected: v == selected})
	}
	return out
}

// formView is the form with in's values and ve's reasons.
func formView(tr *i18n.Translator, action, heading, idem string, in rules.Input, ve *rules.ValidationError) view.RuleForm {
	msg := func(field string) string {
		if ve == nil || ve.Fields[field] == "" {
			return ""
		}
		return tr.T(ve.Fields[field], ve.Params[field])
	}
	field := func(name, typ, value string) view.FormField {
		return view.FormField{Name: name, Label: tr.T("rules.f." + name), Type: typ, Value: value, Error: msg(name),
			Hint: tr.T("rules.hint." + name)}
	}
	sel := func(name, value string, opts []view.Option) view.FormField {
		f := field(name, "select", value)
		f.Options = opts
		return f
	}
	v := view.RuleForm{Action: action, Heading: heading, IdemKey: idem, Policy: tr.T("rules.policy_note")}
	v.Fields = []view.FormField{
		field("name", "text", in.Name),
		sel("target_kind", in.TargetKind, options(tr, "rules.target_kind.", in.TargetKind, rules.TargetSubAccount, rules.TargetOrgUnit)),
		field("target_id", "text", in.TargetID),
		sel("trigger_kind", in.TriggerKind, options(tr, "rules.trigger_kind.", in.TriggerKind, rules.TriggerBalanceBelow, rules.TriggerRunwayBelow)),
		field("trigger_amount", "amount", in.TriggerAmount),
		field("trigger_days", "number", in.TriggerDays),
		sel("action_kind", in.ActionKind, options(tr, "rules.action_kind.", in.ActionKind, rules.ActionFixed, rules.ActionToAmount, rules.ActionToDays)),
		field("action_amount", "amount", in.ActionAmount),
		field("action_days", "number", in.ActionDays),
		field("cap_per_topup", "amount", in.CapPerTopUp),
		field("cap_account_month", "amount", in.CapAccountMonth),
		field("cap_month", "amount", in.CapMonth),
		field("valid_from", "text", in.ValidFrom),
		field("valid_until", "text", in.ValidUntil),
	}
	v.Reason = view.FormField{Name: "reason", Label: tr.T("op.f.reason"), Type: "textarea", Value: in.Reason, Error: msg("reason"), Wide: true}
	if ve != nil {
		keys := make([]string, 0, len(ve.Fields))
		for k := range ve.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "_" {
				v.Errors = append(v.Errors, msg(k))
			}
		}
		if len(v.Errors) == 0 {
			v.Errors = []string{tr.T("op.form_has_errors")}
		}
	}
	return v
}

func newIdemKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newForm is GET /rules/new (?sub_account_id= or ?org_id= names the accounts).
func (a *Area) newForm(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	tr := a.core.Translator(c)
	in := rules.Input{TargetKind: rules.TargetSubAccount, TriggerKind: rules.TriggerBalanceBelow, ActionKind: rules.ActionToAmount,
		TargetID: c.Query("sub_account_id")}
	if org := c.Query("org_id"); org != "" {
		in.TargetKind, in.TargetID = rules.TargetOrgUnit, org
	}
	a.core.Render(c, http.StatusOK, pages.RuleFormPage(a.core.Page(c, "rules.new"), formView(tr, "/rules", tr.T("rules.new"), newIdemKey(), in, nil)))
}

// create is POST /rules: the new rule goes to approval.
func (a *Area) create(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in := inputOf(c)
	op, err := a.rules.Propose(c.Request.Context(), a.actor(c), in, c.PostForm("idempotency_key"))
	if a.formFailed(c, err, "/rules", "rules.new", in, "new") {
		return
	}
	a.core.Flash(c, "ok", "flash.rule_drafted")
	a.core.Redirect(c, "/operations/"+idText(op.ID))
}

// editForm is GET /rules/{id}/edit: the rule's definition as the form.
func (a *Area) editForm(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	id, ids, err := pathID(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	r, err := a.rules.Get(c.Request.Context(), a.core.Subject(c), id)
	if err != nil {
		a.fail(c, err, ids)
		return
	}
	tr := a.core.Translator(c)
	in := rules.InputOf(r.Definition, a.rules.Zone())
	a.core.Render(c, http.StatusOK, pages.RuleFormPage(a.core.Page(c, "rules.edit"),
		formView(tr, "/rules/"+ids, tr.T("rules.edit_of", map[string]any{"Name": r.Definition.Name}), newIdemKey(), in, nil)))
}

// update is POST /rules/{id}: the change goes to approval.
func (a *Area) update(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	id, ids, err := pathID(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	in := inputOf(c)
	op, err := a.rules.ProposeUpdate(c.Request.Context(), a.actor(c), id, in, c.PostForm("idempotency_key"))
	if a.formFailed(c, err, "/rules/"+ids, "rules.edit", in, ids) {
		return
	}
	a.core.Flash(c, "ok", "flash.rule_change_drafted")
	a.core.Redirect(c, "/operations/"+idText(op.ID))
}

// formFailed answers a refused draft: the form again for bad input, the error exit
// otherwise. It reports whether it answered.
func (a *Area) formFailed(c *gin.Context, err error, action, titleKey string, in rules.Input, target string) bool {
	if err == nil {
		return false
	}
	var ve *rules.ValidationError
	if ave := (*approval.ValidationError)(nil); errors.As(err, &ave) {
		ve = &rules.ValidationError{Fields: ave.Fields, Params: ave.Params}
	}
	if ve != nil || errors.As(err, &ve) {
		tr := a.core.Translator(c)
		a.core.Render(c, http.StatusUnprocessableEntity, pages.RuleFormPage(a.core.Page(c, titleKey),
			formView(tr, action, tr.T(titleKey), c.PostForm("idempotency_key"), in, ve)))
		return true
	}
	a.fail(c, err, target)
	return true
}
