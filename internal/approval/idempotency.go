package approval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/purser-finance/purser/internal/store"
)

// idempotency is one submission's idempotency key (Create, CreateBatch): a form posted
// twice, or an API call retried after a lost answer, with the same key and the same
// request returns what the first submission created instead of creating it again. The
// same key with a different request is ErrIdempotencyConflict. The zero value (no key)
// claims nothing.
type idempotency struct {
	userID int64
	key    string
	hash   string // of the request, so a reused key with other input is told apart
}

// newIdempotency is userID's key for request (hashed as JSON; "" key: none).
func newIdempotency(userID int64, key string, request any) idempotency {
	if key == "" {
		return idempotency{}
	}
	b, _ := json.Marshal(request)
	sum := sha256.Sum256(b)
	return idempotency{userID: userID, key: key, hash: hex.EncodeToString(sum[:])}
}

// claim claims the key in tx. It returns 0 when this submission goes ahead (or has no key),
// the id of the operation or batch the key already names, or ErrIdempotencyConflict.
// Concurrent claims of one key serialise on its primary key: exactly one goes ahead.
func (k idempotency) claim(ctx context.Context, tx *store.DB, now time.Time) (int64, error) {
	if k.key == "" {
		return 0, nil
	}
	ok, err := tx.ClaimIdempotencyKey(ctx, &store.IdempotencyKey{UserID: k.userID, IdemKey: k.key, RequestHash: k.hash, CreatedAt: now})
	if err != nil || ok {
		return 0, err
	}
	prev, err := tx.IdempotencyKeyOf(ctx, k.userID, k.key)
	if err != nil {
		return 0, err
	}
	if prev.RequestHash != k.hash {
		return 0, ErrIdempotencyConflict
	}
	switch {
	case prev.OperationID != nil:
		return *prev.OperationID, nil
	case prev.BatchID != nil:
		return *prev.BatchID, nil
	}
	return 0, ErrIdempotencyConflict
}

// bind records in tx what the claiming submission created: an operation or a batch.
func (k idempotency) bind(ctx context.Context, tx *store.DB, operationID, batchID *int64) error {
	if k.key == "" {
		return nil
	}
	return tx.SetIdempotencyTarget(ctx, k.userID, k.key, operationID, batchID)
}
