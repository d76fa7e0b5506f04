package store

import (
	"context"
	"database/sql"
	"encoding/json"
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
	// SubAccountID: events about one sub-account — those targeting it and those targeting an
	// operation on it (found through the operations table, so every event of the operation
	// counts, whatever its details say). Combined with TargetType/TargetID by AND.
	SubAccountID string
	Outcome      string
	RequestID    string
	Text         string    // case-insensitive substring of the details JSON
	Since        time.Time // time >= Since
	Until        time.Time // time < Until
	BeforeID     int64     // keyset cursor (newest first): only events with id < BeforeID
	AfterID      int64     // keyset cursor (oldest first): only events with id > AfterID
	Ascending    bool      // oldest first (timelines, exports); default newest first
	Limit        int       // default 50, at most 500
}

// Audit list page sizes.
const (
	AuditDefaultLimit = 50
	AuditMaxLimit     = 500
)

// auditQuery applies a filter. Time bounds are turned into id bounds first: ids grow
// with time (both are assigned under the chain lock, the time from the database clock
// after the lock is taken), so "the last 7 days of one actor" becomes a short range
// scan of the (actor_name, id) index instead of a walk through all of that actor's
// history — what keeps search fast at ten million events.
//
// The bounds themselves are one probe of the time index each: because time never
// decreases as id grows, the smallest id with time >= Since is the first event in
// (time, id) order, and the largest id with time < Until the last one. (Asking for
// MIN(id)/MAX(id) instead gives the same ids, but Postgres answers it by walking the
// primary key from one end and filtering on time, millions of rows at 10M events.)
func (db *DB) auditQuery(ctx context.Context, f AuditFilter) (*gorm.DB, error) {
	g := db.gorm.WithContext(ctx)
	q := g.Model(&auditRow{})
	if !f.Since.IsZero() {
		var first []int64
		if err := g.Model(&auditRow{}).Where(`"time" >= ?`, utc(f.Since)).Order(`"time", id`).Limit(1).Pluck("id", &first).Error; err != nil {
			return nil, translate("audit: time bound", err)
		}
		if len(first) == 0 {
			return q.Where("1 = 0"), nil
		}
		q = q.Where("id >= ?", first[0])
	}
	if !f.Until.IsZero() {
		var last []int64
		if err := g.Model(&auditRow{}).Where(`"time" < ?`, utc(f.Until)).Order(`"time" DESC, id DESC`).Limit(1).Pluck("id", &last).Error; err != nil {
			return nil, translate("audit: time bound", err)
		}
		if len(last) == 0 {
			return q.Where("1 = 0"), nil
		}
		q = q.Where("id <= ?", last[0])
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
	if f.SubAccountID != "" {
		// Two index probes of (target_type, target_id): the sub-account's own events and
		// its operations' (operations_sub_account_idx gives their ids).
		q = q.Where(`((target_type = 'sub_account' AND target_id = ?) OR (target_type = 'operation' AND target_id IN (SELECT CAST(id AS TEXT) FROM operations WHERE sub_account_id = ?)))`,
			f.SubAccountID, f.SubAccountID)
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
	out, err := readAudit(q, limit)
	if err != nil {
		return nil, translate("list audit", err)
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
		// The batch is read whole before fn runs: fn may use the database, which on a
		// transaction-bound DB is the connection the rows would still be streaming on.
		rows, err := readAudit(q, auditStreamBatch)
		if err != nil {
			return translate("stream audit", err)
		}
		for _, e := range rows {
			if err := fn(e); err != nil {
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

// auditColumns are the columns scanAudit reads, in its order.
var auditColumns = []string{"id", "time", "actor_id", "actor_name", "ip", "user_agent", "request_id", "action",
	"target_type", "target_id", "outcome", "details", "prev_hash", "hash"}

// readAudit runs q (a query on audit_events) with limit and returns its events.
func readAudit(q *gorm.DB, limit int) ([]AuditEvent, error) {
	rows, err := q.Select(auditColumns).Limit(limit).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]AuditEvent, 0, min(limit, 512))
	for rows.Next() {
		var e AuditEvent
		if err := scanAudit(rows, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// scanAudit reads one row selected with auditColumns into e (e.Time in UTC), with
// typed database/sql scans rather than gorm's reflection: it is what verification and
// exports spend their time in, at hundreds of thousands of rows per second.
func scanAudit(rows *sql.Rows, e *AuditEvent) error {
	var (
		actorID sql.NullInt64
		details []byte
	)
	if err := rows.Scan(&e.ID, &e.Time, &actorID, &e.ActorName, &e.IP, &e.UserAgent, &e.RequestID, &e.Action,
		&e.TargetType, &e.TargetID, &e.Outcome, &details, &e.PrevHash, &e.Hash); err != nil {
		return err
	}
	e.Time = e.Time.UTC()
	e.ActorID = nil
	if actorID.Valid {
		id := actorID.Int64
		e.ActorID = &id
	}
	e.Details = json.RawMessage(details)
	return nil
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
