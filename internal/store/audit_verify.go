package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// AuditVerification is the result of VerifyAudit. When OK is false, BrokenID
// is the first event that fails (or, for a deleted event, the first missing
// id) and Reason says why; Checked counts the events verified before it.
type AuditVerification struct {
	Checked  int64
	OK       bool
	BrokenID int64
	Reason   string
}

// auditVerifyBatch bounds memory on the database/sql path (SQLite, transactions): the
// chain is streamed in id order, a batch at a time.
const auditVerifyBatch = 5000

// auditVerifyPgBatch is the number of rows per query on the Postgres (pgx) path. Rows are
// decoded as they arrive, so it does not bound memory; it bounds how many rows are read
// and discarded after a broken event ends verification early, and how often progress is
// reported. A variable so that tests can cross batch boundaries with few events.
var auditVerifyPgBatch int64 = 100_000

// VerifyAudit recomputes the whole chain; see VerifyAuditRange.
func (db *DB) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	return db.VerifyAuditRange(ctx, 0, 0, nil)
}

// VerifyAuditRange recomputes the chain from event fromID to toID (0: from the first,
// to the newest) in id order, in batches (constant memory), and reports the first broken
// event: a missing id (ids are gap-free from 1), a prev_hash that is not the
// predecessor's hash, or a hash that does not match the event's content. A range that
// starts after 1 is anchored on the stored hash of the event before it. progress, when
// set, is called after each batch with the number of events checked so far.
//
// Removing events from the end of the chain cannot be detected from the chain alone:
// signed checkpoints (internal/audit) are compared for that.
//
// On Postgres (outside a transaction) the rows are read with pgx directly, in binary,
// and hashed straight from the wire buffers (see verifyAuditPgx); SQLite and
// transaction-bound DBs go through database/sql (verifyAuditSQL). Both give the same
// result for the same rows.
func (db *DB) VerifyAuditRange(ctx context.Context, fromID, toID int64, progress func(checked int64)) (AuditVerification, error) {
	var c auditChecker
	if fromID > 1 {
		var anchor auditRow
		err := db.gorm.WithContext(ctx).Select("id", "hash").Where("id = ?", fromID-1).Take(&anchor).Error
		if err != nil {
			if errors.Is(translate("", err), ErrNotFound) {
				return AuditVerification{BrokenID: fromID - 1, Reason: fmt.Sprintf("event %d is missing", fromID-1)}, nil
			}
			return AuditVerification{}, translate("verify audit", err)
		}
		c.lastID, c.lastHash = anchor.ID, []byte(anchor.Hash)
	}
	if db.dialect == DialectPostgres && !db.inTx {
		err := db.verifyAuditPgx(ctx, &c, toID, progress)
		if !errors.Is(err, errNotPgx) {
			return c.v, err
		}
	}
	err := db.verifyAuditSQL(ctx, &c, toID, progress)
	return c.v, err
}

// auditChecker walks the chain in id order.
type auditChecker struct {
	v        AuditVerification
	lastID   int64
	lastHash []byte // copied: on the pgx path e.Hash points into a buffer pgx reuses
	buf      []byte // canonical encoding, reused across events
}

// check verifies e, the event that follows c.lastID in id order. bad, when not "", says
// why e's stored content cannot be genuine whatever its hash (e.g. a NULL in a NOT NULL
// column, possible only if the schema was altered). At the first broken event it sets
// c.v.BrokenID and c.v.Reason and returns false.
func (c *auditChecker) check(e *AuditEvent, bad string) bool {
	switch {
	case e.ID != c.lastID+1:
		c.v.BrokenID = c.lastID + 1
		c.v.Reason = fmt.Sprintf("event %d is missing (next present event is %d)", c.lastID+1, e.ID)
	case e.PrevHash != string(c.lastHash):
		c.v.BrokenID = e.ID
		c.v.Reason = fmt.Sprintf("prev_hash of event %d does not match the hash of event %d", e.ID, c.lastID)
	case bad != "":
		c.v.BrokenID = e.ID
		c.v.Reason = fmt.Sprintf("event %d %s", e.ID, bad)
	case !auditHashMatches(auditSum(e, &c.buf), e.Hash):
		c.v.BrokenID = e.ID
		c.v.Reason = fmt.Sprintf("hash of event %d does not match its content", e.ID)
	}
	if c.v.BrokenID != 0 {
		return false
	}
	c.v.Checked++
	c.lastID = e.ID
	c.lastHash = append(c.lastHash[:0], e.Hash...)
	return true
}

// verifyAuditSQL reads the chain through database/sql (gorm's pool or transaction).
func (db *DB) verifyAuditSQL(ctx context.Context, c *auditChecker, toID int64, progress func(int64)) error {
	g := db.gorm.WithContext(ctx)
	// The next batch is read while this one is hashed (the two use a core each); a
	// read still in flight is waited for before returning, because on a
	// transaction-bound DB it holds the transaction's connection.
	type batch struct {
		events []AuditEvent
		err    error
	}
	next := make(chan batch, 1)
	inFlight := false
	fetch := func(after int64) {
		inFlight = true
		go func() {
			q := g.Model(&auditRow{}).Where("id > ?", after)
			if toID > 0 {
				q = q.Where("id <= ?", toID)
			}
			evs, err := readAudit(q.Order("id"), auditVerifyBatch)
			next <- batch{evs, err}
		}()
	}
	defer func() {
		if inFlight {
			<-next
		}
	}()
	fetch(c.lastID)
	for {
		b := <-next
		inFlight = false
		if b.err != nil {
			return translate("verify audit", b.err)
		}
		if len(b.events) == auditVerifyBatch {
			fetch(b.events[len(b.events)-1].ID)
		}
		for i := range b.events {
			if !c.check(&b.events[i], "") {
				return nil
			}
		}
		if progress != nil {
			progress(c.v.Checked)
		}
		if len(b.events) < auditVerifyBatch {
			c.v.OK = true
			return nil
		}
	}
}

// errNotPgx: the pool's driver is not pgx's database/sql driver (not expected with
// gorm's postgres driver); verification then takes the database/sql path.
var errNotPgx = errors.New("store: not a pgx connection")

// auditVerifySQL selects auditColumns in id order; $1 < id ≤ $2, at most $3 rows.
var auditVerifySQL = "SELECT " + strings.Join(auditColumns, ", ") +
	" FROM audit_events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3"

// auditColumnOIDs are the Postgres types of auditColumns (migrations/postgres), which
// decodeAuditRow decodes from the binary format; verification refuses any other.
var auditColumnOIDs = [...]uint32{
	pgtype.Int8OID, pgtype.TimestamptzOID, pgtype.Int8OID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID,
	pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.JSONOID,
	pgtype.TextOID, pgtype.TextOID,
}

// verifyAuditPgx reads the chain on one pool connection with pgx itself: database/sql's
// adapter allocates a string and an interface per column, which was half of the time
// spent verifying. Rows come in the binary format and are decoded in place (decodeAuditRow):
// the text columns of the AuditEvent handed to check point into pgx's read buffer, so
// nothing is allocated per event.
func (db *DB) verifyAuditPgx(ctx context.Context, c *auditChecker, toID int64, progress func(int64)) error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return fmt.Errorf("store: verify audit: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return translate("verify audit", err)
	}
	defer conn.Close()
	if toID <= 0 {
		toID = math.MaxInt64
	}
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errNotPgx
		}
		pc := sc.Conn()
		for {
			n, err := verifyAuditPgxBatch(ctx, pc, c, toID)
			if err != nil || c.v.BrokenID != 0 {
				return err
			}
			if progress != nil {
				progress(c.v.Checked)
			}
			if n < auditVerifyPgBatch {
				c.v.OK = true
				return nil
			}
		}
	})
}

// verifyAuditPgxBatch checks the next batch after c.lastID and returns how many rows it
// read (it stops at the first broken event).
func verifyAuditPgxBatch(ctx context.Context, pc *pgx.Conn, c *auditChecker, toID int64) (int64, error) {
	// CacheDescribe: an unnamed statement (nothing left prepared on the pooled
	// connection) that honours the binary result format whatever the URL's default mode.
	rows, err := pc.Query(ctx, auditVerifySQL, pgx.QueryExecModeCacheDescribe,
		pgx.QueryResultFormats{pgx.BinaryFormatCode}, c.lastID, toID, auditVerifyPgBatch)
	if err != nil {
		return 0, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	if err := checkAuditFields(rows.FieldDescriptions()); err != nil {
		return 0, err
	}
	var (
		n       int64
		e       AuditEvent
		actorID int64
	)
	for rows.Next() {
		n++
		bad, err := decodeAuditRow(rows.RawValues(), &e, &actorID)
		if err != nil {
			return n, err
		}
		if !c.check(&e, bad) {
			return n, nil
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("store: verify audit: %w", err)
	}
	return n, nil
}

// checkAuditFields makes sure the result has the types and the binary format that
// decodeAuditRow expects, so that a changed schema fails loudly instead of hashing
// misread values.
func checkAuditFields(fds []pgconn.FieldDescription) error {
	if len(fds) != len(auditColumnOIDs) {
		return fmt.Errorf("store: verify audit: %d columns, want %d", len(fds), len(auditColumnOIDs))
	}
	for i, fd := range fds {
		if fd.DataTypeOID != auditColumnOIDs[i] || fd.Format != pgx.BinaryFormatCode {
			return fmt.Errorf("store: verify audit: column %s has type %d format %d, want type %d in binary",
				fd.Name, fd.DataTypeOID, fd.Format, auditColumnOIDs[i])
		}
	}
	return nil
}

// pgEpochUnix is 2000-01-01T00:00:00Z, Postgres' timestamp epoch, in Unix seconds.
const pgEpochUnix = 946684800

// decodeAuditRow decodes one binary row of auditColumns into e, the way database/sql
// would have scanned it: int8 is 8 bytes big-endian, timestamptz is int64 microseconds
// since 2000-01-01 UTC, and text and json are their bytes. e's strings and Details
// alias vals (valid until the next rows.Next); e.ActorID points to *actorID. It
// returns bad != "" for values no genuine event can hold (NULL in a NOT NULL column,
// an infinite time), and an error only for a malformed row.
func decodeAuditRow(vals [][]byte, e *AuditEvent, actorID *int64) (bad string, err error) {
	if len(vals) != len(auditColumnOIDs) {
		return "", fmt.Errorf("store: verify audit: row of %d values, want %d", len(vals), len(auditColumnOIDs))
	}
	for i, v := range vals {
		if v == nil {
			if i != 2 && bad == "" { // actor_id is the one nullable column
				bad = "has a NULL " + auditColumns[i]
			}
			continue
		}
		if oid := auditColumnOIDs[i]; (oid == pgtype.Int8OID || oid == pgtype.TimestamptzOID) && len(v) != 8 {
			return "", fmt.Errorf("store: verify audit: %s is %d bytes, want 8", auditColumns[i], len(v))
		}
	}
	if vals[0] == nil {
		return "", errors.New("store: verify audit: NULL id")
	}
	e.ID = int64(binary.BigEndian.Uint64(vals[0]))
	e.Time = time.Time{}
	if vals[1] != nil {
		us := int64(binary.BigEndian.Uint64(vals[1]))
		if us == math.MaxInt64 || us == math.MinInt64 { // 'infinity', '-infinity'
			if bad == "" {
				bad = "has an infinite time"
			}
		} else {
			e.Time = time.Unix(pgEpochUnix+us/1_000_000, us%1_000_000*1000).UTC()
		}
	}
	e.ActorID = nil
	if vals[2] != nil {
		*actorID = int64(binary.BigEndian.Uint64(vals[2]))
		e.ActorID = actorID
	}
	e.ActorName = bytesView(vals[3])
	e.IP = bytesView(vals[4])
	e.UserAgent = bytesView(vals[5])
	e.RequestID = bytesView(vals[6])
	e.Action = bytesView(vals[7])
	e.TargetType = bytesView(vals[8])
	e.TargetID = bytesView(vals[9])
	e.Outcome = bytesView(vals[10])
	e.Details = json.RawMessage(vals[11])
	e.PrevHash = bytesView(vals[12])
	e.Hash = bytesView(vals[13])
	return bad, nil
}

// bytesView is b as a string without copying. The string aliases b: it must not be kept
// beyond b's lifetime (here: the current row) nor b modified while it is used.
func bytesView(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
