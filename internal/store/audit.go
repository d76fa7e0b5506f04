package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// AuditEvent is one entry of the append-only, hash-chained audit trail.
type AuditEvent struct {
	ID         int64
	Time       time.Time // set by AppendAudit from the database clock
	ActorID    *int64
	ActorName  string // "system" for jobs/CLI without a user
	IP         string
	UserAgent  string
	RequestID  string
	Action     string // e.g. "auth.login"
	TargetType string
	TargetID   string
	Outcome    string // "success" | "failure" | "denied"
	// Details is JSON, already redacted by the caller; nil means {}.
	// AppendAudit stores (and hashes) it compacted.
	Details  json.RawMessage
	PrevHash string // hex; "" for the first event of the chain
	Hash     string // hex SHA-256, see AuditHash
}

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// SystemActor is the ActorName of events without a user (jobs, CLI).
const SystemActor = "system"

// auditChainLock is the pg_advisory_xact_lock key serialising appends on
// Postgres ("purser" + 0x0001).
const auditChainLock int64 = 0x7075727365720001

// auditHashVersion opens the canonical encoding; a future change of the
// encoding gets a new version string (and a column to say which applies).
const auditHashVersion = "purser.audit.v1"

// auditTimeLayout is the canonical time encoding: UTC, exactly microseconds.
const auditTimeLayout = "2006-01-02T15:04:05.000000Z"

type auditRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	Time       time.Time
	ActorID    *int64
	ActorName  string
	IP         string `gorm:"column:ip"`
	UserAgent  string
	RequestID  string
	Action     string
	TargetType string
	TargetID   string
	Outcome    string
	Details    []byte
	PrevHash   string
	Hash       string
}

func (auditRow) TableName() string { return "audit_events" }

func (r auditRow) event() AuditEvent {
	return AuditEvent{
		ID: r.ID, Time: r.Time.UTC(), ActorID: r.ActorID, ActorName: r.ActorName,
		IP: r.IP, UserAgent: r.UserAgent, RequestID: r.RequestID, Action: r.Action,
		TargetType: r.TargetType, TargetID: r.TargetID, Outcome: r.Outcome,
		Details: json.RawMessage(r.Details), PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

// AuditHash returns the hex SHA-256 of e's canonical encoding, v1:
//
//	field(s) = uint64 big-endian byte length of s, then the bytes of s
//	hash     = SHA-256( field("purser.audit.v1") field(id) field(time)
//	                    field(actor_id) field(actor_name) field(ip)
//	                    field(user_agent) field(request_id) field(action)
//	                    field(target_type) field(target_id) field(outcome)
//	                    field(details) field(prev_hash) )
//
// id and actor_id are base-10 ("" when actor_id is NULL); time is UTC
// "2006-01-02T15:04:05.000000Z" (microseconds, as stored); details are the
// exact stored JSON bytes ("{}" when empty); prev_hash is the predecessor's hex
// hash ("" for the first event). Length prefixes make the encoding
// unambiguous whatever the fields contain.
func AuditHash(e AuditEvent) string {
	sum := auditSum(&e, nil)
	return hex.EncodeToString(sum[:])
}

// auditSum is the SHA-256 of e's canonical encoding (see AuditHash), built in buf
// (reused across calls when the caller keeps it) so that verifying millions of events
// does not allocate per event.
func auditSum(e *AuditEvent, buf *[]byte) [sha256.Size]byte {
	var b []byte
	if buf != nil {
		b = (*buf)[:0]
	}
	var num [32]byte
	b = auditField(b, auditHashVersion)
	b = auditFieldBytes(b, strconv.AppendInt(num[:0], e.ID, 10))
	b = auditFieldBytes(b, appendAuditTime(num[:0], e.Time))
	if e.ActorID != nil {
		b = auditFieldBytes(b, strconv.AppendInt(num[:0], *e.ActorID, 10))
	} else {
		b = auditField(b, "")
	}
	b = auditField(b, e.ActorName)
	b = auditField(b, e.IP)
	b = auditField(b, e.UserAgent)
	b = auditField(b, e.RequestID)
	b = auditField(b, e.Action)
	b = auditField(b, e.TargetType)
	b = auditField(b, e.TargetID)
	b = auditField(b, e.Outcome)
	if len(e.Details) == 0 {
		b = auditField(b, "{}")
	} else {
		b = auditFieldBytes(b, e.Details)
	}
	b = auditField(b, e.PrevHash)
	if buf != nil {
		*buf = b
	}
	return sha256.Sum256(b)
}

// appendAuditTime appends t in auditTimeLayout, like t.UTC().AppendFormat(b,
// auditTimeLayout) but without parsing the layout on every event.
func appendAuditTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, auditTimeLayout)
	}
	h, mi, s := t.Clock()
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = append(b, ':')
	b = appendDigits(b, mi, 2)
	b = append(b, ':')
	b = appendDigits(b, s, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

// appendDigits appends n (≥ 0) zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var x [8]byte
	for i := width - 1; i >= 0; i-- {
		x[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, x[:width]...)
}

// auditField appends field(s): the uint64 big-endian length of s, then s.
func auditField(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint64(b, uint64(len(s))), s...)
}

func auditFieldBytes(b, s []byte) []byte {
	return append(binary.BigEndian.AppendUint64(b, uint64(len(s))), s...)
}

// auditHashMatches reports whether e.Hash is the hex of sum, without allocating.
func auditHashMatches(sum [sha256.Size]byte, hash string) bool {
	var x [2 * sha256.Size]byte
	hex.Encode(x[:], sum[:])
	return string(x[:]) == hash
}

// normalizeDetails validates and compacts JSON details; empty means {}.
func normalizeDetails(d json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(d)) == 0 {
		return json.RawMessage("{}"), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, d); err != nil {
		return nil, fmt.Errorf("details are not valid JSON: %w", err)
	}
	return json.RawMessage(buf.Bytes()), nil
}

// AppendAudit appends e to the chain and sets e.ID, e.Time, e.Details
// (compacted), e.PrevHash and e.Hash.
//
// Called on a transaction-bound DB (inside InTx) it writes in that
// transaction, so the event commits or rolls back with the change it records;
// otherwise it opens its own. Appends are serialised on the chain head:
// Postgres takes pg_advisory_xact_lock(auditChainLock) before reading the head;
// on SQLite every transaction begins IMMEDIATE, i.e. already holds the single
// write lock. The id is head+1 (gap-free), the time is the database clock, and
// the hash is computed before the one INSERT, because UPDATE is refused.
// A unique index on prev_hash makes a fork impossible even if the lock were
// bypassed.
func (db *DB) AppendAudit(ctx context.Context, e *AuditEvent) error {
	if e.ActorName == "" && e.ActorID == nil {
		e.ActorName = SystemActor
	}
	switch {
	case e.Action == "":
		return errors.New("store: append audit: empty action")
	case e.ActorName == "":
		return errors.New("store: append audit: empty actor name")
	case e.Outcome != OutcomeSuccess && e.Outcome != OutcomeFailure && e.Outcome != OutcomeDenied:
		return fmt.Errorf("store: append audit: invalid outcome %q", e.Outcome)
	}
	details, err := normalizeDetails(e.Details)
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	return db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		if tx.dialect == DialectPostgres {
			if err := g.Exec("SELECT pg_advisory_xact_lock(?)", auditChainLock).Error; err != nil {
				return fmt.Errorf("store: append audit: lock chain: %w", err)
			}
		}
		var head []auditRow
		if err := g.Select("id", "hash").Order("id DESC").Limit(1).Find(&head).Error; err != nil {
			return translate("append audit: read head", err)
		}
		now, err := tx.Now(ctx)
		if err != nil {
			return err
		}
		ev := *e
		ev.ID, ev.PrevHash, ev.Time, ev.Details = 1, "", now, details
		if len(head) == 1 {
			ev.ID, ev.PrevHash = head[0].ID+1, head[0].Hash
		}
		ev.Hash = AuditHash(ev)
		row := auditRow{
			ID: ev.ID, Time: ev.Time, ActorID: ev.ActorID, ActorName: ev.ActorName,
			IP: ev.IP, UserAgent: ev.UserAgent, RequestID: ev.RequestID, Action: ev.Action,
			TargetType: ev.TargetType, TargetID: ev.TargetID, Outcome: ev.Outcome,
			Details: []byte(ev.Details), PrevHash: ev.PrevHash, Hash: ev.Hash,
		}
		if err := g.Create(&row).Error; err != nil {
			return translate("append audit", err)
		}
		*e = ev
		return nil
	})
}
