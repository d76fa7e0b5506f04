package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// signer derives the checkpoint key from the secret key (cheap; nothing to cache). The
// periodic checkpoints are a job (internal/jobs); the server checkpoints only after an
// intact verification, copied to PORTAL_AUDIT_CHECKPOINT_FILE like the job's.
func (s *Server) signer() *audit.Signer {
	sg, err := audit.NewSigner(s.cfg.SecretKey)
	if err != nil {
		panic(err) // New already refused a key of the wrong size
	}
	sg.File = s.cfg.AuditCheckpointFile
	return sg
}

func (s *Server) verifyRunView(r store.AuditVerificationRun, tr *i18n.Translator) view.VerifyRun {
	v := view.VerifyRun{ID: r.ID, StartedBy: r.StartedBy, StartedAt: formatTime(r.StartedAt, tr.Lang), Status: r.Status,
		Label: tr.T("audit.verify_status_" + r.Status), Checked: r.Checked, Total: r.Total, Reason: r.Reason}
	if r.Total > 0 {
		v.Percent = int(min(100, r.Checked*100/r.Total))
	} else if r.Status != "running" {
		v.Percent = 100
	}
	if r.Status == "intact" {
		v.Percent = 100
	}
	if r.BrokenID != nil {
		v.BrokenID = *r.BrokenID
		v.BrokenHref = fmt.Sprintf("/audit/events/%d", *r.BrokenID)
	}
	if r.Status == "running" {
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
	v := view.AuditVerify{Events: head, HeadHash: hash, PublicKey: s.signer().PublicKey(), CanStart: true,
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

// auditVerifyStart records a verification run and performs it in the background; the
// page follows its progress. The run outlives the request (not the process).
func (s *Server) auditVerifyStart(c *gin.Context) {
	ctx := c.Request.Context()
	u := signedIn(c)
	head, _, err := s.db.AuditHead(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	run := &store.AuditVerificationRun{StartedBy: u.Username, Total: head}
	if err := s.db.CreateAuditVerificationRun(ctx, run); err != nil {
		s.fail(c, err)
		return
	}
	m := meta(c)
	go s.verify(run.ID, m)
	s.redirect(c, "/audit/verify")
}

// verify runs one verification and records an audit.verify event, a fresh checkpoint when
// the chain is intact, and then the run's outcome.
func (s *Server) verify(runID int64, m audit.Meta) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	var lastSave time.Time
	progress := func(n int64) {
		if time.Since(lastSave) > 500*time.Millisecond {
			lastSave = time.Now()
			_ = s.db.UpdateAuditVerificationProgress(ctx, runID, n)
		}
	}
	res, err := s.signer().Verify(ctx, s.db, progress)
	status, reason, outcome := "intact", "", audit.Success
	var broken *int64
	switch {
	case err != nil:
		status, reason, outcome = "failed", "verification could not complete", audit.Failure
		s.log.Error("audit verification failed", "error", err, "run", runID)
	case !res.OK:
		status, reason, outcome = "broken", res.Reason, audit.Failure
		broken = &res.BrokenID
	}
	details := map[string]any{"run": runID, "result": status, "checked": res.Checked, "checkpoints": res.Checkpoints}
	if broken != nil {
		details["broken_id"], details["reason"] = *broken, reason
	}
	if err := audit.Record(ctx, s.db, m, audit.Entry{Action: audit.AuditVerify, TargetType: "audit", TargetID: "chain",
		Outcome: outcome, Details: details}); err != nil {
		s.log.Error("cannot audit a verification", "error", err, "run", runID)
	}
	if status == "intact" {
		if _, err := s.signer().Checkpoint(ctx, s.db); err != nil {
			s.log.Warn("audit checkpoint after verification failed", "error", err)
		}
	}
	// The run is marked finished last: whoever sees its result (the page polling it) also
	// sees the audit event and the checkpoint it produced.
	if err := s.db.FinishAuditVerificationRun(ctx, runID, status, res.Checked, broken, reason); err != nil {
		s.log.Error("cannot record an audit verification", "error", err, "run", runID)
	}
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
