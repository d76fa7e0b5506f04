package reports

import (
	"context"
	"errors"
	"strconv"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Reports lists the actor's own generated reports, newest first, without their files.
func (s *Service) Reports(ctx context.Context, a Actor, limit int) ([]store.Report, error) {
	return s.db.ReportsOf(ctx, a.Subject.UserID, limit)
}

// mayDownload: a report is its owner's, and readable by whoever may read the audit trail
// (auditors and admins), as the rest of what happened in the portal is.
func mayDownload(sub authz.Subject, r *store.Report) bool {
	return r.UserID == sub.UserID || authz.Allowed(sub, authz.ViewAudit, authz.Target{})
}

// Download reads report id with its file for the actor. Every download is an
// export.download event; so is a refusal (outcome denied), which answers ErrNotFound
// exactly like a report that does not exist.
func (s *Service) Download(ctx context.Context, a Actor, id int64) (*store.Report, error) {
	r, err := s.db.ReportByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	ok := mayDownload(a.Subject, r)
	details := map[string]any{"file": r.FileName, "owner_id": r.UserID, "frequency": r.Frequency, "bytes": r.SizeBytes}
	outcome := audit.Success
	if !ok {
		outcome, details["reason"] = audit.Denied, "not the owner's report"
	}
	if err := audit.Record(ctx, s.db, a.Meta, audit.Entry{Action: audit.ExportDownload, TargetType: "report",
		TargetID: strconv.FormatInt(id, 10), Outcome: outcome, Details: details}); err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return r, nil
}
