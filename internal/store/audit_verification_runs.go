package store

import (
	"context"
	"time"
)

// Outcomes of a verification run (AuditVerificationRun.Status once finished, Result
// before).
const (
	VerifyRunning = "running"
	VerifyIntact  = "intact"
	VerifyBroken  = "broken"
	VerifyFailed  = "failed"
)

// Reasons of a failed run (AuditVerificationRun.Reason); the pages translate them.
const (
	VerifyReasonError       = "verification could not complete"
	VerifyReasonInterrupted = "interrupted: the process performing the verification stopped"
)

// AuditVerificationRun is one verification started from the audit pages, with its
// progress, so that any replica can show it. It is performed by a job (internal/jobs):
// JobID names it, HeartbeatAt is refreshed while a worker verifies, and Result holds the
// outcome from the moment its audit event is written until the run is finished (Status
// takes Result's value then).
type AuditVerificationRun struct {
	ID          int64
	StartedBy   string
	StartedAt   time.Time
	FinishedAt  *time.Time
	HeartbeatAt *time.Time
	JobID       *int64
	FromID      int64
	ToID        int64
	Total       int64
	Checked     int64
	Status      string // running, intact, broken, failed
	Result      string // "" until the outcome is recorded
	BrokenID    *int64
	Reason      string
}

type auditVerificationRow struct {
	ID          int64 `gorm:"primaryKey"`
	StartedBy   string
	StartedAt   time.Time `gorm:"autoCreateTime:false"`
	FinishedAt  *time.Time
	HeartbeatAt *time.Time
	JobID       *int64
	FromID      int64
	ToID        int64
	Total       int64
	Checked     int64
	Status      string
	Result      string
	BrokenID    *int64
	Reason      string
}

func (auditVerificationRow) TableName() string { return "audit_verifications" }

func (r auditVerificationRow) run() AuditVerificationRun {
	return AuditVerificationRun{ID: r.ID, StartedBy: r.StartedBy, StartedAt: r.StartedAt.UTC(), FinishedAt: utcPtr(r.FinishedAt),
		HeartbeatAt: utcPtr(r.HeartbeatAt), JobID: r.JobID, FromID: r.FromID, ToID: r.ToID, Total: r.Total, Checked: r.Checked,
		Status: r.Status, Result: r.Result, BrokenID: r.BrokenID, Reason: r.Reason}
}

// CreateAuditVerificationRun records a verification that starts now.
func (db *DB) CreateAuditVerificationRun(ctx context.Context, r *AuditVerificationRun) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	row := auditVerificationRow{StartedBy: r.StartedBy, StartedAt: now, FromID: r.FromID, ToID: r.ToID,
		Total: r.Total, Status: VerifyRunning, JobID: r.JobID}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return translate("create audit verification", err)
	}
	*r = row.run()
	return nil
}

// SetAuditVerificationJob names the job that performs a run (inserted after the run,
// whose id the job carries, in the same transaction).
func (db *DB) SetAuditVerificationJob(ctx context.Context, id, jobID int64) error {
	err := db.gorm.WithContext(ctx).Model(&auditVerificationRow{}).Where("id = ?", id).Update("job_id", jobID).Error
	return translate("audit verification job", err)
}

// UpdateAuditVerificationProgress records how far a running verification got, and that
// its worker is alive.
func (db *DB) UpdateAuditVerificationProgress(ctx context.Context, id, checked int64) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	err = db.gorm.WithContext(ctx).Model(&auditVerificationRow{}).Where("id = ? AND status = ?", id, VerifyRunning).
		Updates(map[string]any{"checked": checked, "heartbeat_at": now}).Error
	return translate("audit verification progress", err)
}

// TouchAuditVerificationRun records that the worker of a running verification is alive.
func (db *DB) TouchAuditVerificationRun(ctx context.Context, id int64) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	err = db.gorm.WithContext(ctx).Model(&auditVerificationRow{}).Where("id = ? AND status = ?", id, VerifyRunning).
		Update("heartbeat_at", now).Error
	return translate("audit verification heartbeat", err)
}

// RecordAuditVerificationResult stores the outcome of a running verification whose
// outcome is not stored yet, and reports whether it did. Called in the transaction that
// writes the run's audit event: whoever stores the outcome writes the event, so it is
// written once however often the run is resumed or found abandoned.
func (db *DB) RecordAuditVerificationResult(ctx context.Context, id int64, result string, checked int64, brokenID *int64, reason string) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&auditVerificationRow{}).
		Where("id = ? AND status = ? AND result = ''", id, VerifyRunning).
		Updates(map[string]any{"result": result, "checked": checked, "broken_id": brokenID, "reason": reason})
	if res.Error != nil {
		return false, translate("record audit verification", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FinishAuditVerificationRun ends a run whose outcome is recorded: its status becomes the
// outcome. It reports whether this call finished it.
func (db *DB) FinishAuditVerificationRun(ctx context.Context, id int64) (bool, error) {
	now, err := db.Now(ctx)
	if err != nil {
		return false, err
	}
	res := db.gorm.WithContext(ctx).Exec(`UPDATE audit_verifications SET status = result, finished_at = ?
		WHERE id = ? AND status = ? AND result <> ''`, now, id, VerifyRunning)
	if res.Error != nil {
		return false, translate("finish audit verification", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// StaleAuditVerificationRuns returns the running verifications whose worker has not
// shown a sign of life since before (or, never started, that were queued before it).
func (db *DB) StaleAuditVerificationRuns(ctx context.Context, before time.Time) ([]AuditVerificationRun, error) {
	var rows []auditVerificationRow
	if err := db.gorm.WithContext(ctx).Where("status = ? AND COALESCE(heartbeat_at, started_at) < ?", VerifyRunning, utc(before)).
		Order("id").Find(&rows).Error; err != nil {
		return nil, translate("stale audit verifications", err)
	}
	out := make([]AuditVerificationRun, len(rows))
	for i, r := range rows {
		out[i] = r.run()
	}
	return out, nil
}

// AuditVerificationRunByID returns one run.
func (db *DB) AuditVerificationRunByID(ctx context.Context, id int64) (*AuditVerificationRun, error) {
	var row auditVerificationRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, translate("audit verification", err)
	}
	r := row.run()
	return &r, nil
}

// ListAuditVerificationRuns returns the newest runs first.
func (db *DB) ListAuditVerificationRuns(ctx context.Context, limit int) ([]AuditVerificationRun, error) {
	var rows []auditVerificationRow
	if err := db.gorm.WithContext(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("list audit verifications", err)
	}
	out := make([]AuditVerificationRun, len(rows))
	for i, r := range rows {
		out[i] = r.run()
	}
	return out, nil
}
