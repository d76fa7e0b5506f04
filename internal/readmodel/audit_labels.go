package readmodel

import (
	"context"
	"strconv"

	"github.com/purser-finance/purser/internal/store"
)

// AuditTargets is what a page of audit events needs to name its targets: the objects
// that still exist, by id. A target missing from its map no longer exists (or, for a
// sub-account, is not in the cache). Names are read when the page is shown, never
// written into events: the chain hashes what happened, not what things are called now.
type AuditTargets struct {
	Operations  map[int64]store.Operation
	Users       map[int64]store.UserName
	SubAccounts map[string]store.SubAccountName // targets' and the operations' sub-accounts
}

// AuditTargets reads the targets of events with one query per target type.
func (r *Reader) AuditTargets(ctx context.Context, events []store.AuditEvent) (AuditTargets, error) {
	var opIDs, userIDs []int64
	var subIDs []string
	seen := map[string]bool{}
	for _, e := range events {
		key := e.TargetType + "\x00" + e.TargetID
		if e.TargetID == "" || seen[key] {
			continue
		}
		seen[key] = true
		switch e.TargetType {
		case "operation", "user":
			id, err := strconv.ParseInt(e.TargetID, 10, 64)
			if err != nil {
				continue
			}
			if e.TargetType == "operation" {
				opIDs = append(opIDs, id)
			} else {
				userIDs = append(userIDs, id)
			}
		case "sub_account":
			subIDs = append(subIDs, e.TargetID)
		}
	}
	t := AuditTargets{Operations: map[int64]store.Operation{}}
	ops, err := r.db.OperationsByIDs(ctx, opIDs)
	if err != nil {
		return t, err
	}
	for _, o := range ops {
		t.Operations[o.ID] = o
		if o.SubAccountID != "" && !seen["sub_account\x00"+o.SubAccountID] {
			seen["sub_account\x00"+o.SubAccountID] = true
			subIDs = append(subIDs, o.SubAccountID)
		}
	}
	if t.Users, err = r.db.UserNamesByIDs(ctx, userIDs); err != nil {
		return t, err
	}
	if t.SubAccounts, err = r.db.SubAccountNamesByIDs(ctx, subIDs); err != nil {
		return t, err
	}
	return t, nil
}
