package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// AuditVerifier queues a verification of the whole audit chain started by m's actor and
// returns its run's id (jobs.Runner.EnqueueVerification). The run's progress and outcome
// are stored with it; its job writes the audit.verify event.
type AuditVerifier interface {
	EnqueueVerification(ctx context.Context, m audit.Meta) (int64, error)
}

// signer derives the checkpoint key from the secret key (cheap; nothing to cache): the
// page shows its public key. Verifications and checkpoints are jobs (internal/jobs).
func (s *Server) signer() *audit.Signer {
	sg, err := audit.NewSigner(s.cfg.SecretKey)
	if err != nil {
		panic(err) // New already refused a key of the wrong size
	}
	return sg
}

func (s *Server) verifyRunView(r store.AuditVerificationRun, tr *i18n.Translator) view.VerifyRun {
	v := view.VerifyRun{ID: r.ID, StartedBy: r.StartedBy, StartedAt: formatTime(r.StartedAt, tr.Lang), Status: r.Status,
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

func (s *Server) auditVerifyPage(c *gin.Context) {
	ctx := c.Request.Context()
	tr := s.i18n.For(lang(c))
	u := signedIn(c)
	head, hash, err := s.db.AuditHead(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	runs, err := s.db.ListAuditVerificationRuns(ctx, 10)
	if err != nil {
		s.fail(c, err)
		return
	}
	cps, err := s.db.ListAuditCheckpoints(ctx, 10)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := view.AuditVerify{Events: head, HeadHash: hash, PublicKey: s.signer().PublicKey(), CanStart: s.verifier != nil,
		CanExport: authz.Allowed(u.Subject, authz.ExportAudit, authz.Target{})}
	for _, r := range runs {
		v.Runs = append(v.Runs, s.verifyRunView(r, tr))
	}
	for _, cp := range cps {
		v.Checkpoints = append(v.Checkpoints, view.CheckpointRow{ID: cp.ID, CreatedAt: formatTime(cp.CreatedAt, tr.Lang),
			EventID: cp.EventID, HeadHash: cp.HeadHash})
	}
	if err := s.recordView(c, "verify", nil); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pages.AuditVerify(s.chrome(c, "audit.title"), v))
}

// auditVerifyStart queues a verification run (a job: any replica performs it, and it
// survives a restart); the page follows its progress.
func (s *Server) auditVerifyStart(c *gin.Context) {
	if s.verifier == nil {
		s.fail(c, errUnavailable)
		return
	}
	if _, err := s.verifier.EnqueueVerification(c.Request.Context(), meta(c)); err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, "/audit/verify")
}

// auditVerifyProgress is the partial that htmx polls while a run is going.
func (s *Server) auditVerifyProgress(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.db.AuditVerificationRunByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	tr := s.i18n.For(lang(c))
	s.render(c, http.StatusOK, pages.VerifyProgress(s.chrome(c, "audit.title"), s.verifyRunView(*r, tr)))
}
