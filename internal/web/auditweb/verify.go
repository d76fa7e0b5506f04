package auditweb

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// Verifier queues a verification of the whole audit chain started by m's actor and
// returns its run's id (jobs.Runner.EnqueueVerification). The run's progress and outcome
// are stored with it; its job writes the audit.verify event.
type Verifier interface {
	EnqueueVerification(ctx context.Context, m audit.Meta) (int64, error)
}

func (a *Area) verifyRunView(r store.AuditVerificationRun, tr *i18n.Translator) view.VerifyRun {
	v := view.VerifyRun{ID: r.ID, StartedBy: r.StartedBy, StartedAt: webcore.FormatTime(r.StartedAt, tr.Lang), Status: r.Status,
		Label: tr.T("audit.verify_status_" + r.Status), Checked: r.Checked, Total: r.Total, Reason: r.Reason}
	switch r.Reason {
	case store.VerifyReasonError:
		v.Reason = tr.T("audit.verify_failed_error")
	case store.VerifyReasonInterrupted:
		v.Reason = tr.T("audit.verify_failed_interrupted")
	}
	if r.Total > 0 {
		v.Percent = int(min(100, r.Checked*100/r.Total))
	} else if r.Status != store.VerifyRunning {
		v.Percent = 100
	}
	if r.Status == store.VerifyIntact {
		v.Percent = 100
	}
	if r.BrokenID != nil {
		v.BrokenID = *r.BrokenID
		v.BrokenHref = fmt.Sprintf("/audit/events/%d", *r.BrokenID)
	}
	if r.Status == store.VerifyRunning {
		v.PollHref = fmt.Sprintf("/audit/verify/%d", r.ID)
	}
	return v
}

func (a *Area) auditVerifyPage(c *gin.Context) {
	ctx := c.Request.Context()
	tr := a.core.Translator(c)
	head, hash, err := a.db.AuditHead(ctx)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	runs, err := a.db.ListAuditVerificationRuns(ctx, 10)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	cps, err := a.db.ListAuditCheckpoints(ctx, 10)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v := view.AuditVerify{Events: head, HeadHash: hash, PublicKey: a.signer.PublicKey(), CanStart: a.verifier != nil,
		CanExport: authz.Allowed(a.core.Subject(c), authz.ExportAudit, authz.Target{})}
	for _, r := range runs {
		v.Runs = append(v.Runs, a.verifyRunView(r, tr))
	}
	for _, cp := range cps {
		v.Checkpoints = append(v.Checkpoints, view.CheckpointRow{ID: cp.ID, CreatedAt: webcore.FormatTime(cp.CreatedAt, tr.Lang),
			EventID: cp.EventID, HeadHash: cp.HeadHash})
	}
	if err := a.recordView(c, "verify", nil); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, http.StatusOK, pages.AuditVerify(a.core.Chrome(c, "audit.title"), v))
}

// auditVerifyStart queues a verification run (a job: any replica performs it, and it
// survives a restart); the page follows its progress.
func (a *Area) auditVerifyStart(c *gin.Context) {
	if a.verifier == nil {
		a.core.Fail(c, webcore.ErrUnavailable)
		return
	}
	if _, err := a.verifier.EnqueueVerification(c.Request.Context(), a.core.Meta(c)); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Redirect(c, "/audit/verify")
}

// auditVerifyProgress is the partial that htmx polls while a run is going.
func (a *Area) auditVerifyProgress(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	r, err := a.db.AuditVerificationRunByID(c.Request.Context(), id)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	tr := a.core.Translator(c)
	a.core.Render(c, http.StatusOK, pages.VerifyProgress(a.core.Chrome(c, "audit.title"), a.verifyRunView(*r, tr)))
}
