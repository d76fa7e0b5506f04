package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sync runs: one row per run of an area. At most one row per (area, sub-account) is
// "running" (a partial unique index), which is what keeps two replicas from syncing the
// same area at once on either dialect. The running row's owner keeps heartbeat_at fresh;
// a row whose heartbeat is older than the caller's staleAfter was left by a dead process:
// BeginSyncRun closes it as failed and the new run resumes from its cursor.

// ErrSyncRunning is returned (wrapped) by BeginSyncRun when a live run of the same area
// (and sub-account) exists.
var ErrSyncRunning = errors.New("store: a sync of this area is already running")

// Sync run statuses.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunPartial   = "partial"
	RunFailed    = "failed"
)

// InterruptedError is the Error of a run closed without finishing (its process stopped
// or died); such a run's Cursor is where the next run of its area resumes.
const InterruptedError = "interrupted"

type syncRunRow struct {
	ID              int64
	MasterAccountID string
	Area            string
	SubAccountID    string
	Trigger         string
	StartedAt       time.Time
	FinishedAt      *time.Time
	Status          string
	Items           int
	Errors          int
	Error           string
	Total           int
	Cursor          string
	Owner           string
	HeartbeatAt     time.Time
}

const syncRunCols = `id, master_account_id, area, sub_account_id, trigger, started_at, finished_at, status, items, errors, error, total, cursor, owner, heartbeat_at`

func (r syncRunRow) run() SyncRun {
	return SyncRun{ID: r.ID, MasterAccountID: r.MasterAccountID, Area: r.Area, SubAccountID: r.SubAccountID, Trigger: r.Trigger, StartedAt: r.StartedAt.UTC(),
		FinishedAt: utcPtr(r.FinishedAt), Status: r.Status, Items: r.Items, Errors: r.Errors, Error: r.Error, Total: r.Total, Cursor: r.Cursor,
		HeartbeatAt: r.HeartbeatAt.UTC()}
}

// BeginSyncRun opens a run of master's area (for one sub-account when subAccountID is
// set) owned by owner; runs of different masters never exclude each other. A live running row gives ErrSyncRunning; a dead one (heartbeat older than
// staleAfter) is closed as interrupted. The new run's Cursor is the cursor of the
// previous run of the same area when that one was interrupted (resume), else "".
func (db *DB) BeginSyncRun(ctx context.Context, master, area, subAccountID, trigger, owner string, staleAfter time.Duration) (SyncRun, error) {
	var out SyncRun
	err := db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		now, err := tx.Now(ctx)
		if err != nil {
			return err
		}
		var running []syncRunRow
		if err := g.Raw(`SELECT `+syncRunCols+` FROM sync_runs WHERE master_account_id = ? AND area = ? AND sub_account_id = ? AND status = ?`, master, area, subAccountID, RunRunning).Scan(&running).Error; err != nil {
			return translate("find running sync", err)
		}
		for _, r := range running {
			if now.Sub(r.HeartbeatAt) < staleAfter {
				return fmt.Errorf("store: begin sync %s (run %d, %s): %w", area, r.ID, r.Owner, ErrSyncRunning)
			}
			res := g.Exec(`UPDATE sync_runs SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = ? AND heartbeat_at = ?`,
				RunFailed, InterruptedError, now, r.ID, RunRunning, r.HeartbeatAt)
			if res.Error != nil {
				return translate("close dead sync run", res.Error)
			}
			if res.RowsAffected == 0 {
				return fmt.Errorf("store: begin sync %s: %w", area, ErrSyncRunning)
			}
			db.log.WarnContext(ctx, "sync: took over a run left by a stopped process", "run_id", r.ID, "area", area, "owner", r.Owner, "cursor", r.Cursor)
		}
		var last []syncRunRow
		if err := g.Raw(`SELECT `+syncRunCols+` FROM sync_runs WHERE master_account_id = ? AND area = ? AND sub_account_id = ? ORDER BY id DESC LIMIT 1`, master, area, subAccountID).Scan(&last).Error; err != nil {
			return translate("previous sync run", err)
		}
		cursor := ""
		if len(last) == 1 && last[0].Status == RunFailed && last[0].Error == InterruptedError {
			cursor = last[0].Cursor
		}
		row := syncRunRow{MasterAccountID: master, Area: area, SubAccountID: subAccountID, Trigger: trigger, StartedAt: now, Status: RunRunning, Cursor: cursor, Owner: owner, HeartbeatAt: now}
		if err := g.Table("sync_runs").Omit("finished_at").Create(&row).Error; err != nil {
			if errors.Is(translate("", err), ErrConflict) {
				return fmt.Errorf("store: begin sync %s: %w", area, ErrSyncRunning)
			}
			return translate("begin sync run", err)
		}
		out = row.run()
		return nil
	})
	return out, err
}

// RunProgress is a running run's counters, resume point and (when it knows it) how many
// items it set out to read.
type RunProgress struct {
	Items, Errors, Total int
	Cursor               string
}

// SaveRunProgress records a running run's progress (and refreshes its heartbeat); call it
// in the transaction that stored the work the cursor covers. It is bookkeeping (quiet):
// a pass's progress shows on pages after at most the read cache's age limit, not with
// every batch.
func (db *DB) SaveRunProgress(ctx context.Context, runID int64, p RunProgress) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	err = db.quiet(ctx).Exec(`UPDATE sync_runs SET items = ?, errors = ?, total = ?, cursor = ?, heartbeat_at = ? WHERE id = ? AND status = ?`,
		p.Items, p.Errors, p.Total, p.Cursor, now, runID, RunRunning).Error
	return translate("save sync progress", err)
}

// HeartbeatSyncRun tells other processes that the run is alive (quietly: no page shows it).
func (db *DB) HeartbeatSyncRun(ctx context.Context, runID int64) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	err = db.quiet(ctx).Exec(`UPDATE sync_runs SET heartbeat_at = ? WHERE id = ? AND status = ?`, now, runID, RunRunning).Error
	return translate("sync heartbeat", err)
}

// FinishSyncRun closes a running run with its outcome. An interrupted run (status failed,
// errMsg InterruptedError) keeps cursor for the next run to resume from.
func (db *DB) FinishSyncRun(ctx context.Context, runID int64, status string, p RunProgress, errMsg string) (SyncRun, error) {
	var out SyncRun
	err := db.InTx(ctx, func(tx *DB) error {
		now, err := tx.Now(ctx)
		if err != nil {
			return err
		}
		g := tx.gorm.WithContext(ctx)
		if err := g.Exec(`UPDATE sync_runs SET status = ?, items = ?, errors = ?, total = ?, cursor = ?, error = ?, finished_at = ?, heartbeat_at = ? WHERE id = ?`,
			status, p.Items, p.Errors, p.Total, p.Cursor, truncateText(errMsg, 2000), now, now, runID).Error; err != nil {
			return translate("finish sync run", err)
		}
		r, err := tx.syncRun(ctx, runID)
		out = r
		return err
	})
	return out, err
}

func (db *DB) syncRun(ctx context.Context, id int64) (SyncRun, error) {
	var rows []syncRunRow
	if err := db.gorm.WithContext(ctx).Raw(`SELECT `+syncRunCols+` FROM sync_runs WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return SyncRun{}, translate("get sync run", err)
	}
	if len(rows) == 0 {
		return SyncRun{}, fmt.Errorf("store: sync run %d: %w", id, ErrNotFound)
	}
	return rows[0].run(), nil
}

// SyncRunByID returns one run.
func (db *DB) SyncRunByID(ctx context.Context, id int64) (SyncRun, error) { return db.syncRun(ctx, id) }

// LatestSyncRuns returns the newest run of each area (refreshes of one sub-account
// excluded: they say nothing about the area as a whole), keyed by area, over every master.
func (db *DB) LatestSyncRuns(ctx context.Context) (map[string]SyncRun, error) {
	return db.LatestSyncRunsOf(ctx, "")
}

// LatestSyncRunsOf is LatestSyncRuns for one master ("" = the newest of any master).
func (db *DB) LatestSyncRunsOf(ctx context.Context, master string) (map[string]SyncRun, error) {
	var rows []syncRunRow
	q := `SELECT ` + syncRunCols + ` FROM sync_runs WHERE id IN (SELECT MAX(id) FROM sync_runs WHERE sub_account_id = '' GROUP BY area)`
	var args []any
	if master != "" {
		q = `SELECT ` + syncRunCols + ` FROM sync_runs WHERE id IN (SELECT MAX(id) FROM sync_runs WHERE sub_account_id = '' AND master_account_id = ? GROUP BY area)`
		args = append(args, master)
	}
	if err := db.gorm.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, translate("latest sync runs", err)
	}
	out := make(map[string]SyncRun, len(rows))
	for _, r := range rows {
		out[r.Area] = r.run()
	}
	return out, nil
}

// ListSyncRuns returns the newest runs first (limit default 50, at most 500).
func (db *DB) ListSyncRuns(ctx context.Context, limit int) ([]SyncRun, error) {
	var rows []syncRunRow
	if err := db.gorm.WithContext(ctx).Raw(`SELECT `+syncRunCols+` FROM sync_runs ORDER BY id DESC LIMIT ?`, clampLimit(limit, defaultListLimit)).Scan(&rows).Error; err != nil {
		return nil, translate("list sync runs", err)
	}
	out := make([]SyncRun, len(rows))
	for i, r := range rows {
		out[i] = r.run()
	}
	return out, nil
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
