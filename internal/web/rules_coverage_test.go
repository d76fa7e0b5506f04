package web_test

import (
	"net/url"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/rules"
)

// ruleForm is a valid rule form for sub-account sub.
func ruleForm(sub string) url.Values {
	return url.Values{"name": {"Keep alive"}, "target_kind": {rules.TargetSubAccount}, "target_id": {sub},
		"trigger_kind": {rules.TriggerBalanceBelow}, "trigger_amount": {"500.00"}, "action_kind": {rules.ActionToAmount},
		"action_amount": {"800.00"}, "cap_per_topup": {"1000.00"}, "cap_account_month": {"2000.00"}, "cap_month": {"5000.00"},
		"valid_until": {time.Now().AddDate(1, 0, 0).Format("2006-01-02")}, "reason": {"cov"}, "idempotency_key": {newKey()}}
}

// viewerRefused is a route a viewer may not use: refused by the router, audited once.
func viewerRefused(path string) mutation {
	return mutation{name: "viewer refused", action: audit.AccessDenied, do: func(p *portal) {
		q := opsOn(p)
		b := q.browser()
		b.signIn("walt", "")
		p.mark()
		b.post(path, url.Values{"reason": {"x"}})
	}}
}

// ruleMutations are the rules' routes: drafting is an operation (created and submitted
// for approval); the admins' switch is audited as such.
func ruleMutations() map[string][]mutation {
	return map[string][]mutation{
		"POST /rules": {
			{name: "draft", sequence: []string{approval.ActionCreate, approval.ActionSubmit}, do: func(p *portal) {
				q := opsOn(p)
				sub := q.normalSubs(1)[0].ID
				b := q.as("fay")
				p.mark()
				b.post("/rules", ruleForm(sub))
			}},
			viewerRefused("/rules"),
		},
		"POST /rules/pause-all": {
			{name: "pause", action: rules.ActionPauseAll, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.post("/rules/pause-all", url.Values{})
			}},
			viewerRefused("/rules/pause-all"),
		},
		"POST /rules/resume-all": {
			{name: "resume", action: rules.ActionResumeAll, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				b.post("/rules/pause-all", url.Values{})
				p.mark()
				b.post("/rules/resume-all", url.Values{})
			}},
		},
		"POST /rules/:id":        {viewerRefused("/rules/1")},
		"POST /rules/:id/pause":  {viewerRefused("/rules/1/pause")},
		"POST /rules/:id/resume": {viewerRefused("/rules/1/resume")},
	}
}
