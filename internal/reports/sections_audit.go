package reports

import (
	"context"

	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/store"
)

// writeAuditSummary counts the period's audit events by action and outcome, with a
// total.
func (s *Service) writeAuditSummary(ctx context.Context, in *Input, sh export.Rows) error {
	counts, err := s.db.AuditCountsBetween(ctx, in.Period.Start, in.Period.End)
	if err != nil {
		return err
	}
	tr := in.T
	if err := header(sh, tr, "action", "action_code", "outcome", "events"); err != nil {
		return err
	}
	var total int64
	for _, c := range counts {
		total += c.N
		if err := sh.Row(export.Text(label(tr, "action."+c.Action, c.Action)), export.Text(c.Action),
			export.Text(label(tr, "outcome."+c.Outcome, c.Outcome)), export.Int(c.N)); err != nil {
			return err
		}
	}
	return sh.Row(export.Text(tr.T("reports.total")), export.Text(""), export.Text(""), export.Int(total))
}

// verifyReasons translate the reasons the verification stores for a run that failed.
var verifyReasons = map[string]string{
	store.VerifyReasonError:       "audit.verify_failed_error",
	store.VerifyReasonInterrupted: "audit.verify_failed_interrupted",
}

// writeIntegrity is the state of the trail's integrity when the report is made: the
// outcome of the newest finished verification and the newest signed checkpoint.
func (s *Service) writeIntegrity(ctx context.Context, in *Input, sh export.Rows) error {
	runs, err := s.db.ListAuditVerificationRuns(ctx, 50)
	if err != nil {
		return err
	}
	cp, err := s.db.LastAuditCheckpoint(ctx)
	if err != nil {
		return err
	}
	tr := in.T
	if err := header(sh, tr, "item", "value"); err != nil {
		return err
	}
	row := func(id string, v export.Cell) error { return sh.Row(export.Text(tr.T("reports.integrity."+id)), v) }
	var run *store.AuditVerificationRun
	for i := range runs {
		if runs[i].Status != store.VerifyRunning {
			run = &runs[i]
			break
		}
	}
	if run == nil {
		if err := row("verification", export.Text(tr.T("audit.verify_none"))); err != nil {
			return err
		}
	} else {
		reason := run.Reason
		if id, ok := verifyReasons[reason]; ok {
			reason = tr.T(id)
		}
		broken := export.Text("")
		if run.BrokenID != nil {
			broken = export.Int(*run.BrokenID)
		}
		for _, r := range []struct {
			id string
			v  export.Cell
		}{
			{"verification", export.Text(label(tr, "audit.verify_status_"+run.Status, run.Status))},
			{"verified_at", timePtrCell(run.FinishedAt)},
			{"verified_by", export.Text(run.StartedBy)},
			{"checked", export.Int(run.Checked)},
			{"broken_id", broken},
			{"reason", export.Text(reason)},
		} {
			if err := row(r.id, r.v); err != nil {
				return err
			}
		}
	}
	if cp == nil {
		return row("checkpoint", export.Text(tr.T("reports.integrity.no_checkpoint")))
	}
	for _, r := range []struct {
		id string
		v  export.Cell
	}{
		{"checkpoint", export.Int(cp.Seq)},
		{"checkpoint_at", timeCell(cp.CreatedAt)},
		{"checkpoint_event", export.Int(cp.EventID)},
		{"checkpoint_count", export.Int(cp.EventCount)},
		{"checkpoint_hash", export.Text(cp.HeadHash)},
		{"checkpoint_key", export.Text(cp.PublicKey)},
	} {
		if err := row(r.id, r.v); err != nil {
			return err
		}
	}
	return nil
}
