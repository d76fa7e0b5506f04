package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// TestAPIApprovalsMatrixRefusalsPerItem: under an approval rule, an item of POST
// /api/v1/approvals that its approver may not approve yet (a later level) or at all (in
// none of the rule's groups) fails alone with the matrix's own code, as the single
// approve answers it — not as an internal error.
func TestAPIApprovalsMatrixRefusalsPerItem(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		unit, sub := p.unitWithCash()
		adam := p.as("adam")
		if r := adam.saveGroup("Treasury", adam.freshCode(), "abby"); r.status != http.StatusSeeOther {
			t.Fatalf("group: %d %s", r.status, errorsOf(t, r))
		}
		if r := adam.saveGroup("CFO office", "", "alan"); r.status != http.StatusSeeOther {
			t.Fatalf("group: %d %s", r.status, errorsOf(t, r))
		}
		form := url.Values{"kind": {"transfer_funds"}, "org_unit_id": {unit}, "sequential": {"on"}, "count_1": {"1"},
			"group_1": {p.groupID("Treasury")}, "count_2": {"1"}, "group_2": {p.groupID("CFO office")}, "code": {adam.freshCode()}}
		if r := adam.post("/admin/matrix/rules", form); r.status != http.StatusSeeOther {
			t.Fatalf("rule: %d %s", r.status, errorsOf(t, r))
		}
		id := p.as("fay").transfer(sub.ID, "10.00")
		for _, c := range []struct{ who, want string }{{"alan", "level_not_reached"}, {"adam", "not_eligible"}} {
			b := p.as(c.who)
			r := p.api(p.token(c.who), "POST", "/api/v1/approvals", `{"code":"`+b.freshCode()+`","operations":[{"id":`+id+`}]}`)
			var out struct {
				Items []struct {
					ID    int64  `json:"id"`
					State string `json:"state"`
					Error *struct{ Code, Message string }
				}
			}
			if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != http.StatusOK || len(out.Items) != 1 {
				t.Fatalf("%s: %d %s", c.who, r.status, r.body)
			}
			if it := out.Items[0]; it.Error == nil || it.Error.Code != c.want || it.Error.Message == "" {
				t.Fatalf("%s: item %d error %+v, want %s", c.who, it.ID, it.Error, c.want)
			}
		}
		if p.opState(id) != approval.StatePending || p.approvalRows(id) != 0 {
			t.Fatalf("a refused item was written: %s, %d approvals", p.opState(id), p.approvalRows(id))
		}
	})
}
