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

// checkpointMessage is what is signed: versioned, fixed layout.
func checkpointMessage(eventID, count int64, headHash string) []byte {
	msg := []byte("purser.audit.checkpoint.v1\x00")
	msg = binary.BigEndian.AppendUint64(msg, uint64(eventID))
	msg = binary.BigEndian.AppendUint64(msg, uint64(count))
	return append(msg, headHash...)
}

// Checkpoint signs the current head of the chain and stores the checkpoint. An empty
// trail gets no checkpoint.
func (s *Signer) Checkpoint(ctx context.Context, db *store.DB) (*store.AuditCheckpoint, error) {
	id, hash, err := db.AuditHead(ctx)
	if err != nil || id == 0 {
		return nil, err
	}
	cp := &store.AuditCheckpoint{EventID: id, EventCount: id, HeadHash: hash, PublicKey: s.PublicKey()}
	cp.Signature = sign(s, *cp)
	if err := db.CreateAuditCheckpoint(ctx, cp); err != nil {
		return nil, err
	}
	return cp, nil
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
	return ed25519.Verify(pub, checkpointMessage(cp.EventID, cp.EventCount, cp.HeadHash), sig)
}

// Result is the outcome of a full verification: the chain itself and the checkpoints.
type Result struct {
	Checked     int64
	OK          bool
	BrokenID    int64
	Reason      string
	Checkpoints int // checkpoints compared
}

// Verify re-checks the chain (store.VerifyAuditRange) and then every checkpoint signed by
// this signer's key: each must still match the event it names, so deleting the newest
// events, or rewriting the chain from some point on, is found. A checkpoint with a bad
// signature or another key is itself reported.
func (s *Signer) Verify(ctx context.Context, db *store.DB, progress func(int64)) (Result, error) {
	v, err := db.VerifyAuditRange(ctx, 0, 0, progress)
	if err != nil {
		return Result{}, err
	}
	r := Result{Checked: v.Checked, OK: v.OK, BrokenID: v.BrokenID, Reason: v.Reason}
	if !v.OK {
		return r, nil
	}
	cps, err := db.ListAuditCheckpoints(ctx, 1000)
	if err != nil {
		return Result{}, err
	}
	for _, cp := range cps {
		r.Checkpoints++
		switch {
		case cp.PublicKey != s.PublicKey() || !ValidSignature(cp):
			return fail(r, cp.EventID, fmt.Sprintf("checkpoint %d is not signed by this portal's key", cp.ID)), nil
		case cp.EventID > v.Checked:
			return fail(r, v.Checked+1, fmt.Sprintf("events %d to %d are missing: checkpoint %d of %s recorded %d events",
				v.Checked+1, cp.EventID, cp.ID, cp.CreatedAt.Format("2006-01-02 15:04:05Z"), cp.EventCount)), nil
		}
		e, err := db.AuditEventByID(ctx, cp.EventID)
		if err != nil {
			return Result{}, err
		}
		if e.Hash != cp.HeadHash {
			return fail(r, cp.EventID, fmt.Sprintf("event %d differs from checkpoint %d: the chain was rewritten from there or before", cp.EventID, cp.ID)), nil
		}
	}
	return r, nil
}

func fail(r Result, id int64, reason string) Result {
	r.OK, r.BrokenID, r.Reason = false, id, reason
	return r
}

// sign is Checkpoint's signature without the database, for tests and tools.
func sign(s *Signer, cp store.AuditCheckpoint) string {
	return hex.EncodeToString(ed25519.Sign(s.priv, checkpointMessage(cp.EventID, cp.EventCount, cp.HeadHash)))
}
