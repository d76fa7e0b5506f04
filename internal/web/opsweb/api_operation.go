package opsweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// apiOperation is GET /api/v1/operations/:id, with its approval route: what it needs,
// level by level, how far it got, who can approve what still waits, and whether the
// caller can approve it now (or why not).
func (a *Area) apiOperation(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	op, err := a.ops.Get(c.Request.Context(), a.actor(c), id)
	if err != nil {
		a.apiOpFail(c, err, idString(id))
		return
	}
	rs, err := a.ops.OperationRoute(c.Request.Context(), a.actor(c), id)
	if err != nil {
		a.apiOpFail(c, err, idString(id))
		return
	}
	out := toAPIOperation(*op, a.core.Translator(c).Lang)
	out.Route = toAPIRoute(rs)
	c.JSON(http.StatusOK, out)
}

// apiRoute is an operation's approval route in the API.
type apiRoute struct {
	RuleID      int64           `json:"rule_id"` // 0: the kind's approval policy, no rule of the matrix
	RuleVersion int             `json:"rule_version,omitempty"`
	Sequential  bool            `json:"sequential"`
	Levels      []apiRouteLevel `json:"levels"`
	CanApprove  bool            `json:"can_approve"`
	WhyNot      string          `json:"why_not,omitempty"`
}

type apiRouteLevel struct {
	Level     int      `json:"level"`
	GroupID   int64    `json:"group_id,omitempty"`
	Group     string   `json:"group,omitempty"`
	Count     int      `json:"count"`
	Approved  int      `json:"approved"`
	Done      bool     `json:"done"`
	Open      bool     `json:"open"`
	Approvers []string `json:"approvers"`
}

func toAPIRoute(rs approval.RouteStatus) *apiRoute {
	out := &apiRoute{RuleID: rs.Route.RuleID, RuleVersion: rs.Route.RuleVersion, Sequential: rs.Route.Sequential, Levels: []apiRouteLevel{},
		CanApprove: rs.CanApprove, WhyNot: rs.WhyNot}
	for _, l := range rs.Levels {
		who := l.Approvers
		if who == nil {
			who = []string{}
		}
		out.Levels = append(out.Levels, apiRouteLevel{Level: l.Level, GroupID: l.GroupID, Group: l.GroupName, Count: l.Count,
			Approved: l.Approved, Done: l.Done, Open: l.Open, Approvers: who})
	}
	return out
}

// apiApprove is POST /api/v1/operations/:id/approve {"code","comment","snapshot_hash"}.
// snapshot_hash is optional: when given, the use case compares it with the operation's
// (409 snapshot_changed); a client that sends none signs whatever is stored.
func (a *Area) apiApprove(c *gin.Context) {
	var body struct {
		Code         string `json:"code"`
		Comment      string `json:"comment"`
		SnapshotHash string `json:"snapshot_hash"`
	}
	a.apiOp(c, true, func(id int64) (*approval.Operation, error) {
		if !readJSON(c, &body, false) {
			return nil, webcore.ErrBadRequest
		}
		return a.ops.Approve(c.Request.Context(), a.actor(c), id, strings.TrimSpace(body.Code), strings.TrimSpace(body.Comment),
			strings.TrimSpace(body.SnapshotHash))
	})
}

// apiReject is POST /api/v1/operations/:id/reject {"comment"}: the reason is required
// (422 with a field error without one).
func (a *Area) apiReject(c *gin.Context) {
	var body struct{ Comment string }
	a.apiOp(c, true, func(id int64) (*approval.Operation, error) {
		if !readJSON(c, &body, true) {
			return nil, webcore.ErrBadRequest
		}
		return a.ops.Reject(c.Request.Context(), a.actor(c), id, strings.TrimSpace(body.Comment))
	})
}

// apiCancel is POST /api/v1/operations/:id/cancel.
func (a *Area) apiCancel(c *gin.Context) {
	a.apiOp(c, true, func(id int64) (*approval.Operation, error) {
		return a.ops.Cancel(c.Request.Context(), a.actor(c), id)
	})
}
