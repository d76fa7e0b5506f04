package rulesweb

import (
	"encoding/json"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// How a rule reads for people: its accounts, trigger, action and caps in words.

func amountText(s, currency string) string { return money.TextOf(s, currency) }

func targetText(tr *i18n.Translator, d rules.Definition) string {
	return tr.T("rules.target."+d.Target.Kind, map[string]any{"Name": webcore.Isolate(orID(d.Target.Name, d.Target.ID))})
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

func triggerText(tr *i18n.Translator, d rules.Definition) string {
	return tr.T("rules.trigger."+d.Trigger.Kind, map[string]any{"Amount": amountText(d.Trigger.Amount, d.Currency), "Days": d.Trigger.Days})
}

func actionText(tr *i18n.Translator, d rules.Definition) string {
	return tr.T("rules.action."+d.Action.Kind, map[string]any{"Amount": amountText(d.Action.Amount, d.Currency), "Days": d.Action.Days})
}

func capsText(tr *i18n.Translator, d rules.Definition) string {
	return tr.T("rules.caps_value", map[string]any{"PerTopUp": amountText(d.Caps.PerTopUp, d.Currency),
		"PerAccount": amountText(d.Caps.PerAccountMonth, d.Currency), "Month": amountText(d.Caps.Month, d.Currency)})
}

func validText(tr *i18n.Translator, d rules.Definition) string {
	z := webcore.DisplayZone
	return tr.T("rules.valid_value", map[string]any{"From": d.ValidFrom.In(z).Format("2006-01-02"),
		"Until": d.ValidUntil.In(z).AddDate(0, 0, -1).Format("2006-01-02")})
}

func stateBadge(tr *i18n.Translator, state string) view.Badge {
	kind := "ok"
	if state != rules.StateActive {
		kind = "warn"
	}
	return view.Badge{Text: tr.T("rules.state." + state), Kind: kind}
}

func percentOf(spent, cap money.Amount) int {
	if !cap.IsPositive() {
		return 0
	}
	p := spent.Decimal().Mul(decimal.NewFromInt(100)).Div(cap.Decimal()).IntPart()
	return int(min(max(p, 0), 100))
}

// facts are a rule's definition as the approvers and the rule's page show it.
func facts(tr *i18n.Translator, d rules.Definition) []view.Fact {
	return []view.Fact{
		{Label: tr.T("rules.f.name"), Value: d.Name, Test: "rule-f-name"},
		{Label: tr.T("rules.f.accounts"), Value: targetText(tr, d), Test: "rule-f-accounts"},
		{Label: tr.T("rules.f.trigger"), Value: triggerText(tr, d), Test: "rule-f-trigger"},
		{Label: tr.T("rules.f.action"), Value: actionText(tr, d), Test: "rule-f-action"},
		{Label: tr.T("rules.f.caps"), Value: capsText(tr, d), Test: "rule-f-caps"},
		{Label: tr.T("rules.f.valid"), Value: validText(tr, d), Test: "rule-f-valid"},
		{Label: tr.T("rules.f.state"), Value: tr.T("rules.state." + d.State), Test: "rule-f-state"},
		{Label: tr.T("rules.f.master"), Value: d.Master, Mono: true, Test: "rule-f-master"},
	}
}

// ChangeFacts are a topup_rule operation's snapshot as its approvers read it: what the
// change is and the rule after it.
func ChangeFacts(tr *i18n.Translator, snapshot json.RawMessage) []view.Fact {
	var ch rules.Change
	if err := json.Unmarshal(snapshot, &ch); err != nil {
		return nil
	}
	out := []view.Fact{{Label: tr.T("rules.f.change"), Value: tr.T("rules.change." + ch.Change), Test: "snap-rule-change"}}
	if ch.RuleID != 0 {
		out = append(out, view.Fact{Label: tr.T("rules.f.rule"), Value: "#" + idText(ch.RuleID) + " · " +
			tr.T("rules.version_n", map[string]any{"N": ch.BaseVersion}), Test: "snap-rule-id"})
	}
	for _, f := range facts(tr, ch.Rule) {
		f.Test = "snap-" + f.Test
		out = append(out, f)
	}
	return out
}

// ChangeSummary says in a few words what a topup_rule operation does.
func ChangeSummary(tr *i18n.Translator, snapshot json.RawMessage) string {
	var ch rules.Change
	if err := json.Unmarshal(snapshot, &ch); err != nil {
		return ""
	}
	return tr.T("rules.change."+ch.Change) + " · " + ch.Rule.Name
}
