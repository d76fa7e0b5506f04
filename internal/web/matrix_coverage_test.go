package web_test

import (
	"net/url"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
)

// matrixMutations are the audit coverage cases of the approval matrix's routes
// (mutations).
func matrixMutations() map[string][]mutation {
	return map[string][]mutation{
		"POST /admin/matrix/groups": {
			{name: "create", action: approval.ActionGroupCreate, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.saveGroup("Treasury", b.code(testSecret), "abby")
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.saveGroup("Treasury", "000000", "abby")
			}},
		},
		"POST /admin/matrix/groups/:id": {
			{name: "update", action: approval.ActionGroupUpdate, do: func(p *portal) {
				_, b, g := matrixGroup(p)
				p.mark()
				b.post("/admin/matrix/groups/"+g, url.Values{"name": {"Treasury two"}, "version": {"1"}})
			}},
		},
		"POST /admin/matrix/groups/:id/delete": {
			{name: "delete", action: approval.ActionGroupDelete, do: func(p *portal) {
				_, b, g := matrixGroup(p)
				p.mark()
				b.post("/admin/matrix/groups/"+g+"/delete", url.Values{"version": {"1"}})
			}},
		},
		"POST /admin/matrix/rules": {
			{name: "create", action: approval.ActionRuleCreate, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.post("/admin/matrix/rules", url.Values{"kind": {"transfer_funds"}, "count_1": {"3"}, "code": {b.code(testSecret)}})
			}},
			{name: "held for a second admin", action: approval.ActionRulePropose, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.post("/admin/matrix/rules", url.Values{"kind": {"transfer_funds"}, "count_1": {"1"}, "code": {b.code(testSecret)}})
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				q := opsOn(p)
				b := q.as("adam")
				p.mark()
				b.post("/admin/matrix/rules", url.Values{"kind": {"transfer_funds"}, "count_1": {"3"}, "code": {"000000"}})
			}},
		},
		"POST /admin/matrix/rules/:id": {
			{name: "update", action: approval.ActionRuleUpdate, do: func(p *portal) {
				b, r := matrixRule(p)
				p.mark()
				b.post("/admin/matrix/rules/"+r, url.Values{"kind": {"transfer_funds"}, "count_1": {"4"}, "version": {"1"}, "code": {b.code(testSecret)}})
			}},
		},
		"POST /admin/matrix/rules/:id/delete": {
			{name: "delete", action: approval.ActionRuleDelete, do: func(p *portal) {
				b, r := matrixRule(p, "min", "10000.00", "count_1", "2") // what the policy needs there: deleting it lowers nothing
				p.mark()
				b.post("/admin/matrix/rules/"+r+"/delete", url.Values{"version": {"1"}, "code": {b.code(testSecret)}})
			}},
		},
		"POST /admin/matrix/changes/:id/approve": {
			{name: "second admin", action: approval.ActionRuleCreate, do: func(p *portal) {
				q, ch := matrixHeld(p)
				b := q.as("boss")
				p.mark()
				b.post("/admin/matrix/changes/"+ch+"/approve", url.Values{"code": {b.code(testSecret)}})
			}},
		},
		"POST /admin/matrix/changes/:id/reject": {
			{name: "reject", action: approval.ActionRuleReject, do: func(p *portal) {
				q, ch := matrixHeld(p)
				b := q.as("boss")
				p.mark()
				b.post("/admin/matrix/changes/"+ch+"/reject", url.Values{"comment": {"keep two"}})
			}},
		},
	}
}
