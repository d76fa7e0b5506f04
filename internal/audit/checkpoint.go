package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
)

// Signer signs checkpoints of the audit chain with an Ed25519 key derived from
// PORTAL_SECRET_KEY: the key never lives in the database, so rewriting the database
// cannot produce a valid checkpoint. Its public key can be handed to outside auditors,
// who then verify exported checkpoints without any secret.
type Signer struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	// File, when set (PORTAL_AUDIT_CHECKPOINT_FILE), receives every checkpoint as one
	// JSON line the moment it is stored: a copy outside the database, ideally on an
	// append-only volume, that `portal audit verify --checkpoints` compares against.
	File string
}

// NewSigner derives the checkpoint key from the portal's secret key.
func NewSigner(secretKey []byte) (*Signer, error) {
	if len(secretKey) != 32 {
		return nil, errors.New("audit: secret key must be 32 bytes")
	}
	priv := ed25519.NewKeyFromSeed(secretbox.Derive(secretKey, "audit-checkpoint-ed25519"))
	return &Signer{priv: priv, pub: priv.Public().(ed25519.PublicKey)}, nil
}

// PublicKey is the hex public key that verifies this signer's checkpoints.
func (s *Signer) PublicKey() string { return hex.EncodeToString(s.pub) }

// checkpointMessage is what is signed: versioned, fixed layout. v1 (checkpoints made
// before the chain, Seq 0) names the head only; v2 adds the sequence number and the
// previous checkpoint's signature, so a checkpoint cannot be removed from the middle of
// the chain, or the chain's start, without the next one showing it. Hashes and
// signatures are hex, so the NUL separator is unambiguous.
func checkpointMessage(cp store.AuditCheckpoint) []byte {
	if cp.Seq == 0 {
		msg := []byte("purser.audit.checkpoint.v1\x00")
		msg = binary.BigEndian.AppendUint64(msg, uint64(cp.EventID))
		msg = binary.BigEndian.AppendUint64(msg, uint64(cp.EventCount))
		return append(msg, cp.HeadHash...)
	}
	msg := []byte("purser.audit.checkpoint.v2\x00")
	msg = binary.BigEndian.AppendUint64(msg, uint64(cp.Seq))
	msg = binary.BigEndian.AppendUint64(msg, uint64(cp.EventID))
	msg = binary.BigEndian.AppendUint64(msg, uint64(cp.EventCount))
	msg = append(msg, cp.HeadHash...)
	msg = append(msg, 0)
	return append(msg, cp.PrevSignature...)
}

// Checkpoint signs the current head of the chain and stores the checkpoint as the next
// link of the checkpoint chain. An empty trail gets no checkpoint.
func (s *Signer) Checkpoint(ctx context.Context, db *store.DB) (*store.AuditCheckpoint, error) {
	return s.checkpoint(ctx, db, false)
}

// CheckpointIfMoved is Checkpoint when events arrived since the last checkpoint, and
// nothing (nil, nil) otherwise: what the periodic job calls.
func (s *Signer) CheckpointIfMoved(ctx context.Context, db *store.DB) (*store.AuditCheckpoint, error) {
	return s.checkpoint(ctx, db, true)
}

// checkpointAttempts bounds the retries when other writers take the next sequence
// number first; each retry means another checkpoint was stored, so few are needed.
const checkpointAttempts = 50

func (s *Signer) checkpoint(ctx context.Context, db *store.DB, onlyIfMoved bool) (*store.AuditCheckpoint, error) {
	for attempt := 1; ; attempt++ {
		// The previous checkpoint is read before the head: its event is then never newer
		// than the head, so event ids never go down along the chain.
		prev, err := db.LastAuditCheckpoint(ctx)
		if err != nil {
			return nil, err
		}
		id, hash, err := db.AuditHead(ctx)
		if err != nil || id == 0 {
			return nil, err
		}
		if onlyIfMoved && prev != nil && prev.EventID >= id {
			return nil, nil
		}
		cp := &store.AuditCheckpoint{Seq: 1, EventID: id, EventCount: id, HeadHash: hash, PublicKey: s.PublicKey()}
		if prev != nil {
			cp.Seq, cp.PrevSignature = prev.Seq+1, prev.Signature
		}
		cp.Signature = sign(s, *cp)
		err = db.CreateAuditCheckpoint(ctx, cp)
		if errors.Is(err, store.ErrConflict) && attempt < checkpointAttempts {
			continue // another replica stored this seq first: chain to it
		}
		if err != nil {
			return nil, err
		}
		if s.File != "" {
			if err := AppendCheckpointFile(s.File, *cp); err != nil {
				return cp, fmt.Errorf("audit: checkpoint %d stored but not copied to %s: %w", cp.Seq, s.File, err)
			}
		}
		return cp, nil
	}
}

// ValidSignature reports whether a checkpoint was signed by the key it names. Callers
// also compare PublicKey with the key they trust (Signer.PublicKey).
func ValidSignature(cp store.AuditCheckpoint) bool {
	pub, err := hex.DecodeString(cp.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return false
	}
	sig, err := hex.DecodeString(cp.Signature)
	if err != nil {
		return false
	}
	return ed25519.Verify(pub, checkpointMessage(cp), sig)
}

// sign is Checkpoint's signature without the database, for tests and tools.
func sign(s *Signer, cp store.AuditCheckpoint) string {
	return hex.EncodeToString(ed25519.Sign(s.priv, checkpointMessage(cp)))
}
