package notify

import (
	"context"
	"encoding/json"
	"maps"
	"strconv"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Note is one notification to write in a transaction (Notifier.Insert) and send after
// commit (Notifier.Dispatch): the in-app row and the webhook body.
type Note struct {
	row   store.NotificationRow
	event map[string]any // webhook body
}

func opParams(r *store.Operation) map[string]string {
	amount := ""
	if r.Amount != nil {
		amount = *r.Amount
	}
	return map[string]string{"id": strconv.FormatInt(r.ID, 10), "kind": r.Kind, "state": r.State,
		"amount": amount, "currency": r.Currency, "sub_account_id": r.SubAccountID, "requested_by": r.RequestedByName}
}

// ForOperation is the note of kind about operation r for userID. Only the operation's
// id, kind, state, amount and its currency, sub-account and requester's name go into it:
// never a secret.
func ForOperation(userID int64, r *store.Operation, kind string) Note {
	p := opParams(r)
	b, _ := json.Marshal(p)
	id := r.ID
	return Note{row: store.NotificationRow{UserID: userID, OperationID: &id, BatchID: r.BatchID, Kind: kind, Params: string(b)},
		event: map[string]any{"event": kind, "operation": p}}
}

// ForRequester is the note of kind about r for its requester: an outcome or a decision.
func ForRequester(r *store.Operation, kind string) Note { return ForOperation(r.RequestedBy, r, kind) }

// ForBatch is the note of kind about batch b for userID; extra adds parameters (the
// outcome counts of a finished batch).
func ForBatch(userID int64, b *store.OperationBatch, kind string, extra ...map[string]string) Note {
	p := map[string]string{"batch_id": strconv.FormatInt(b.ID, 10), "kind": b.Kind, "rows": strconv.Itoa(b.RowsCount),
		"total": b.Total, "currency": b.Currency, "requested_by": b.RequestedByName}
	for _, e := range extra {
		maps.Copy(p, e)
	}
	j, _ := json.Marshal(p)
	id := b.ID
	return Note{row: store.NotificationRow{UserID: userID, BatchID: &id, Kind: kind, Params: string(j)}, event: map[string]any{"event": kind, "batch": p}}
}

// ForAdmins is the note of kind about r for every enabled admin but its requester: unknown
// outcomes wait for an admin to settle them.
func ForAdmins(ctx context.Context, db *store.DB, r *store.Operation, kind string) ([]Note, error) {
	ids, err := usersWhere(ctx, db, 0, func(sub authz.Subject) bool { return sub.Has(authz.Admin) })
	if err != nil {
		return nil, err
	}
	var out []Note
	for _, id := range ids {
		if id != r.RequestedBy {
			out = append(out, ForOperation(id, r, kind))
		}
	}
	return out, nil
}

// usersWhere lists the enabled users other than except for whom ok holds.
func usersWhere(ctx context.Context, db *store.DB, except int64, ok func(authz.Subject) bool) ([]int64, error) {
	users, err := db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, u := range users {
		if u.Disabled || u.ID == except {
			continue
		}
		sub := authz.Subject{UserID: u.ID, Scopes: u.Scopes}
		for _, r := range u.Roles {
			sub.Roles = append(sub.Roles, authz.Role(r))
		}
		if ok(sub) {
			out = append(out, u.ID)
		}
	}
	return out, nil
}
