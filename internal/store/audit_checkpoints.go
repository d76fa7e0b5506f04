package store

import (
	"context"
	"time"
)

// AuditCheckpoint is a signed statement "the chain had Count events and its newest was
// EventID with hash HeadHash". Signatures are made with a key kept outside the database
// (internal/audit), so whoever can rewrite the table cannot forge one; a verification
// that finds fewer events than a checkpoint names has found deleted events.
//
// Checkpoints made since migration 00055 are chained: Seq numbers them 1, 2, 3… (unique,
// so two replicas cannot both write the same one) and PrevSignature is the signature of
// the checkpoint before (for seq 1 the newest legacy checkpoint's, or "" on a trail that
// had none); both are signed. Legacy checkpoints have Seq 0 and keep their v1 signature.
type AuditCheckpoint struct {
	ID            int64
	CreatedAt     time.Time
	Seq           int64 // 0: a legacy (v1, unchained) checkpoint
	EventID       int64
	EventCount    int64
	HeadHash      string
	PrevSignature string
	PublicKey     string // hex Ed25519 public key that verifies Signature
	Signature     string // hex
}

type auditCheckpointRow struct {
	ID            int64     `gorm:"primaryKey"`
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	Seq           *int64
	EventID       int64
	EventCount    int64
	HeadHash      string
	PrevSignature string
	PublicKey     string
	Signature     string
}

func (auditCheckpointRow) TableName() string { return "audit_checkpoints" }

func (r auditCheckpointRow) checkpoint() AuditCheckpoint {
	c := AuditCheckpoint{ID: r.ID, CreatedAt: r.CreatedAt.UTC(), EventID: r.EventID, EventCount: r.EventCount,
		HeadHash: r.HeadHash, PrevSignature: r.PrevSignature, PublicKey: r.PublicKey, Signature: r.Signature}
	if r.Seq != nil {
		c.Seq = *r.Seq
	}
	return c
}

// CreateAuditCheckpoint stores a checkpoint; CreatedAt comes from the database clock. A
// chained checkpoint whose Seq is already taken (another replica checkpointed first)
// fails with ErrConflict.
func (db *DB) CreateAuditCheckpoint(ctx context.Context, c *AuditCheckpoint) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	row := auditCheckpointRow{CreatedAt: now, EventID: c.EventID, EventCount: c.EventCount,
		HeadHash: c.HeadHash, PrevSignature: c.PrevSignature, PublicKey: c.PublicKey, Signature: c.Signature}
	if c.Seq > 0 {
		seq := c.Seq
		row.Seq = &seq
	}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return translate("create audit checkpoint", err)
	}
	c.ID, c.CreatedAt = row.ID, now
	return nil
}

// ListAuditCheckpoints returns checkpoints, newest first.
func (db *DB) ListAuditCheckpoints(ctx context.Context, limit int) ([]AuditCheckpoint, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []auditCheckpointRow
	if err := db.gorm.WithContext(ctx).Order("event_id DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate("list audit checkpoints", err)
	}
	out := make([]AuditCheckpoint, len(rows))
	for i, r := range rows {
		out[i] = r.checkpoint()
	}
	return out, nil
}

// LastAuditCheckpoint returns the checkpoint a new one chains to: the chained checkpoint
// with the highest Seq, or when there is none the newest legacy one; nil when there is
// no checkpoint at all.
func (db *DB) LastAuditCheckpoint(ctx context.Context) (*AuditCheckpoint, error) {
	for _, q := range []struct{ where, order string }{{"seq IS NOT NULL", "seq DESC"}, {"seq IS NULL", "id DESC"}} {
		var rows []auditCheckpointRow
		if err := db.gorm.WithContext(ctx).Where(q.where).Order(q.order).Limit(1).Find(&rows).Error; err != nil {
			return nil, translate("last audit checkpoint", err)
		}
		if len(rows) == 1 {
			c := rows[0].checkpoint()
			return &c, nil
		}
	}
	return nil, nil
}

// EachAuditCheckpoint calls fn with every checkpoint: the legacy ones by id, then the
// chained ones by Seq, a page at a time (a checkpoint a minute is half a million a year).
func (db *DB) EachAuditCheckpoint(ctx context.Context, fn func(page []AuditCheckpoint) error) error {
	const pageSize = 1000
	for _, q := range []struct{ where, key string }{{"seq IS NULL AND id > ?", "id"}, {"seq IS NOT NULL AND seq > ?", "seq"}} {
		after := int64(0)
		for {
			var rows []auditCheckpointRow
			if err := db.gorm.WithContext(ctx).Where(q.where, after).Order(q.key).Limit(pageSize).Find(&rows).Error; err != nil {
				return translate("audit checkpoints", err)
			}
			if len(rows) == 0 {
				break
			}
			page := make([]AuditCheckpoint, len(rows))
			for i, r := range rows {
				page[i] = r.checkpoint()
			}
			if err := fn(page); err != nil {
				return err
			}
			last := page[len(page)-1]
			after = last.ID
			if q.key == "seq" {
				after = last.Seq
			}
			if len(rows) < pageSize {
				break
			}
		}
	}
	return nil
}

// AuditEventHashes returns the hash of each of the given events that exists.
func (db *DB) AuditEventHashes(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	const batch = 500
	for len(ids) > 0 {
		n := min(batch, len(ids))
		var rows []auditRow
		if err := db.gorm.WithContext(ctx).Select("id", "hash").Where("id IN ?", ids[:n]).Find(&rows).Error; err != nil {
			return nil, translate("audit event hashes", err)
		}
		for _, r := range rows {
			out[r.ID] = r.Hash
		}
		ids = ids[n:]
	}
	return out, nil
}
