package opsweb

import (
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
)

// The decisions on one operation: approve (fresh TOTP code + comment), reject, cancel by
// the requester, and an admin's resolution of an unknown outcome. Each is one use case
// call; a refusal shows the operation again with the reason and the input kept.

// operationApprove is POST /operations/:id/approve (code, comment, snapshot_hash: what
// the approver saw). The page always sends the snapshot hash, so a post without it is
// malformed; the use case compares it under its lock (a different one is a conflict).
func (a *Area) operationApprove(c *gin.Context) {
	a.decide(c, "flash.op_approved", func(id int64) error {
		h := trimmed(c, "snapshot_hash")
		if h == "" {
			return webcore.ErrBadRequest
		}
		_, err := a.ops.Approve(c.Request.Context(), a.actor(c), id, trimmed(c, "code"), comment(c), h)
		return err
	})
}

// operationReject is POST /operations/:id/reject (comment: the reason, required).
func (a *Area) operationReject(c *gin.Context) {
	a.decide(c, "flash.op_rejected", func(id int64) error {
		_, err := a.ops.Reject(c.Request.Context(), a.actor(c), id, comment(c))
		return err
	})
}

// operationCancel is POST /operations/:id/cancel: the requester withdraws it.
func (a *Area) operationCancel(c *gin.Context) {
	a.decide(c, "flash.op_cancelled", func(id int64) error {
		_, err := a.ops.Cancel(c.Request.Context(), a.actor(c), id)
		return err
	})
}

// operationResolve is POST /operations/:id/resolve (outcome succeeded|failed, reason):
// an admin settles an unknown outcome after checking the upstream by hand.
func (a *Area) operationResolve(c *gin.Context) {
	a.decide(c, "flash.op_resolved", func(id int64) error {
		_, err := a.ops.Resolve(c.Request.Context(), a.actor(c), id, approval.State(trimmed(c, "outcome")), trimmed(c, "reason"))
		return err
	})
}

// runDecision runs one decision on an operation or a batch (target) and answers what
// is the same for both: success (flash, redirect to href), and the failures that are not
// shown on the object's page (not found, out of scope, unexpected). Otherwise it returns
// the refusal for the caller to show on the page, with show true.
func (a *Area) runDecision(c *gin.Context, target, flash string, href func(int64) string, do func(id int64) error) (id int64, err error, he *webcore.Error, show bool) {
	if !a.ready(c) {
		return 0, nil, nil, false
	}
	if id, err = webcore.PathID(c, "id"); err != nil {
		a.core.Fail(c, err)
		return 0, nil, nil, false
	}
	if err = do(id); err == nil {
		a.core.Flash(c, "ok", flash)
		a.core.Redirect(c, href(id))
		return id, nil, nil, false
	}
	he = webcore.OperationError(err)
	if he == nil || he == webcore.OpNotFound || errors.Is(err, approval.ErrOutOfScope) {
		a.core.FailOperation(c, err, target, idString(id))
		return id, err, nil, false
	}
	if errors.Is(err, approval.ErrForbidden) {
		noun := "operation"
		if target == approval.TargetBatch {
			noun = "batch"
		}
		a.core.RecordDenied(c, target, idString(id), "not allowed for this "+noun)
	}
	return id, err, he, true
}

// decide runs one decision and redirects to the operation, or shows the operation again
// with the reason it was refused.
func (a *Area) decide(c *gin.Context, flash string, do func(id int64) error) {
	id, err, he, show := a.runDecision(c, approval.TargetOperation, flash, opHref, do)
	if !show {
		return
	}
	v, verr := a.operationView(c, id)
	if verr != nil {
		a.core.FailOperation(c, verr, approval.TargetOperation, idString(id))
		return
	}
	msg := decisionMessage(a.core.Translator(c), he, err)
	if strings.HasSuffix(c.Request.URL.Path, "/resolve") {
		v.ResolveError, v.ResolveOutcome, v.ResolveReason = msg, trimmed(c, "outcome"), trimmed(c, "reason")
	} else {
		v.DecideError, v.Comment = msg, comment(c)
	}
	a.core.Render(c, he.Status, pages.Operation(a.core.Page(c, "op.page_title"), v))
}

// decisionMessage is the refusal shown on the decided object's page: for invalid input
// what is wrong with each field (a rejection without a reason says so), else he's message.
func decisionMessage(tr *i18n.Translator, he *webcore.Error, err error) string {
	var ve *approval.ValidationError
	if !errors.As(err, &ve) {
		return tr.T(he.Message)
	}
	var parts []string
	for _, f := range sortedFields(ve) {
		parts = append(parts, fieldMessage(tr, ve, f))
	}
	return strings.Join(parts, " ")
}
