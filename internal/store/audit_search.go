package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter struct {
	Action     string
	Actions    []string // any of these (an area's group of actions)
	ActorName  string
	TargetType string
	TargetID   string
	Outcome    string
	RequestID  string
	Text       string    // case-insensitive substring of the details JSON
	Since      time.Time // time >= Since
	Until      time.Time // time < Until
	BeforeID   int64     // keyset cursor (newest first): only events with id < BeforeID
	AfterID    int64     // keyset cursor (oldest first): only events with id > AfterID
	Ascending  bool      // oldest first (timelines, exports); default newest first
	Limit      int       // default 50, at most 500
}

// Audit list page sizes.
const (
	AuditDefaultLimit = 50
	AuditMaxLimit     = 500
)

// auditQuery applies a filter. Time bounds are turned into id bounds first: ids grow
// with time (both are assigned under the chain lock), so "the last 7 days of one actor"
// becomes a short range scan of the (actor_name, id) index instead of a walk through
// all of that actor's history — what keeps search fast at ten million events.
func (db *DB) auditQuery(ctx context.Context, f AuditFilter) (*gorm.DB, error) {
	g := db.gorm.WithContext(ctx)
	q := g.Model(&auditRow{})
	if !f.Since.IsZero() {
		var first *int64
		if err := g.Model(&auditRow{}).Select("MIN(id)").Where(`"time" >= ?`, utc(f.Since)).Scan(&first).Error; err != nil {
			return nil, translate("audit: time bound", err)
		}
		if first == nil {
			return q.Where("1 = 0"), nil
		}
		q = q.Where("id >= ?", *first)
	}
	if !f.Until.IsZero() {
		var last *int64
		if err := g.Model(&auditRow{}).Select("MAX(id)").Where(`"time" < ?`, utc(f.Until)).Scan(&last).Error; err != nil {
			return nil, translate("audit: time bound", err)
		}
		if last == nil {
			return q.Where("1 = 0"), nil
		}
		q = q.Where("id <= ?", *last)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if len(f.Actions) > 0 {
		q = q.Where("action IN ?", f.Actions)
	}
	if f.ActorName != "" {
		q = q.Where("actor_name = ?", f.ActorName)
	}
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if f.Outcome != "" {
		q = q.Where("outcome = ?", f.Outcome)
	}
	if f.RequestID != "" {
		q = q.Where("request_id = ?", f.RequestID)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		pattern := "%" + escapeLike(strings.ToLower(t)) + "%"
		if db.dialect == DialectPostgres {
			q = q.Where(`lower(details::text) LIKE ? ESCAPE '\'`, pattern)
		} else {
			q = q.Where(`lower(details) LIKE ? ESCAPE '\'`, pattern)
		}
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	if f.AfterID > 0 {
		q = q.Where("id > ?", f.AfterID)
	}
	if f.Ascending {
		q = q.Order("id ASC")
	} else {
		q = q.Order("id DESC")
	}
	return q, nil
}

// escapeLike makes user text literal inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListAudit returns one page of matching events, newest first (or oldest first with
// Ascending). Page on with BeforeID (or AfterID) = the last returned ID.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = AuditDefaultLimit
	}
	limit = min(limit, AuditMaxLimit)
	q, err := db.auditQuery(ctx, f)
	if err != nil {
		return nil, err
	}
	var rows []auditRow
	if err := q.Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("list audit", err)
	}
	out := make([]AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// auditStreamBatch bounds the memory of exports: rows are read in keyset batches.
const auditStreamBatch = 2000

// StreamAudit calls fn for every matching event, in the filter's order, reading in
// batches so that a million-row export holds a few thousand rows at a time. Limit is
// ignored; returning an error from fn stops the stream with it.
func (db *DB) StreamAudit(ctx context.Context, f AuditFilter, fn func(AuditEvent) error) error {
	for {
		q, err := db.auditQuery(ctx, f)
		if err != nil {
			return err
		}
		var rows []auditRow
		if err := q.Limit(auditStreamBatch).Find(&rows).Error; err != nil {
			return translate("stream audit", err)
		}
		for _, r := range rows {
			if err := fn(r.event()); err != nil {
				return err
			}
		}
		if len(rows) < auditStreamBatch {
			return nil
		}
		last := rows[len(rows)-1].ID
		if f.Ascending {
			f.AfterID = last
		} else {
			f.BeforeID = last
		}
	}
}

// AuditEventByID returns one event.
func (db *DB) AuditEventByID(ctx context.Context, id int64) (*AuditEvent, error) {
	var row auditRow
	err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if err != nil {
		return nil, translate("audit event", err)
	}
	e := row.event()
	return &e, nil
}

// AuditHead returns the newest event's id and hash (0 and "" on an empty trail). Ids are
// gap-free from 1, so the id is also the number of events.
func (db *DB) AuditHead(ctx context.Context) (int64, string, error) {
	var head []auditRow
	if err := db.gorm.WithContext(ctx).Select("id", "hash").Order("id DESC").Limit(1).Find(&head).Error; err != nil {
		return 0, "", translate("audit head", err)
	}
	if len(head) == 0 {
		return 0, "", nil
	}
	return head[0].ID, head[0].Hash, nil
}
