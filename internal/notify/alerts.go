package notify

import (
	"context"
	"encoding/json"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// ForAccount is the note of kind about a sub-account (an alert or its end) for userID;
// params say which account and why (its id, name, the amounts or days), never a secret.
// Its webhook body is {"event": kind, "account": params}. Dispatch one account's notes
// together: a dispatch sends one webhook per kind and operation, and an account's alert
// has none.
func ForAccount(userID int64, kind string, params map[string]string) Note {
	b, _ := json.Marshal(params)
	return Note{row: store.NotificationRow{UserID: userID, Kind: kind, Params: string(b)},
		event: map[string]any{"event": kind, "account": params}}
}

// AlertRecipientIDs lists the enabled users told about a sub-account in orgPath: those
// who set its alert levels (authz.SetThreshold) with the account in their scope.
func AlertRecipientIDs(ctx context.Context, db *store.DB, orgPath []string) ([]int64, error) {
	return usersWhere(ctx, db, 0, func(sub authz.Subject) bool {
		return authz.Allowed(sub, authz.SetThreshold, authz.Target{OrgPath: orgPath})
	})
}
