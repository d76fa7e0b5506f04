package execute

import (
	"context"
	"database/sql"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store"
)

// MasterRefresher queues a read of a master's transferable amounts inside the caller's
// transaction (River InsertTx): the read is queued exactly when the settlement commits,
// and a crash between the two can lose neither.
type MasterRefresher interface {
	EnqueueMasterRefreshTx(ctx context.Context, tx *sql.Tx, master string) error
}

// movesMasterAmounts reports whether a settled operation of kind changed the master's
// transferable amounts: a transfer takes from them, a recovery gives back. Coupons are
// not among those amounts (they are cached with the coupons).
func movesMasterAmounts(kind string) bool {
	return kind == string(approval.KindTransferFunds) || kind == string(approval.KindRetrieveFunds)
}

// refreshMasterTx queues, in the settlement's transaction tx, the re-read of the
// master's amounts after a transfer or recovery succeeded, so that the dashboard and the
// next draft's check show Huawei Cloud's new figure within seconds instead of at the next
// periodic sync. A failed movement moved nothing; an unknown one is re-read when the
// reconciler settles it.
func (e *Executor) refreshMasterTx(ctx context.Context, tx *store.DB, r *store.Operation, to approval.State) error {
	if e.opts.MasterRefresh == nil || to != approval.StateSucceeded || !movesMasterAmounts(r.Kind) || r.MasterAccountID == "" {
		return nil
	}
	sqlTx, err := tx.SQLTx()
	if err != nil {
		return err
	}
	return e.opts.MasterRefresh.EnqueueMasterRefreshTx(ctx, sqlTx, r.MasterAccountID)
}
