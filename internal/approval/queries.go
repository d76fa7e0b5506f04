package approval

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// canSee reports whether a may read an operation.
func canSee(a Actor, r *store.Operation) bool {
	sub := a.Subject()
	if r.RequestedBy == a.UserID {
		return true
	}
	if !authz.Allowed(sub, authz.ViewOperations, authz.Target{}) {
		return false
	}
	return authz.InScope(sub, splitPath(r.OrgPath))
}

// scopesOf is the scope restriction for lists (authz.ScopeOf): none for admins, auditors
// and unscoped users.
func scopesOf(a Actor) []string { return authz.ScopeOf(a.Subject()).OrgIDs }

// Get reads operation id with its decisions, for its requester or a viewer in scope; to
// anyone else it does not exist (ErrNotFound), so ids cannot be probed.
func (s *Service) Get(ctx context.Context, a Actor, id int64) (*Operation, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, r) {
		return nil, ErrNotFound
	}
	return s.get(ctx, id)
}

// List returns one page of the operations a may see, newest first, filtered by f: all in
// scope for viewers of operations, only their own requests for everyone else. f.Cursor is
// the previous page's NextCursor.
func (s *Service) List(ctx context.Context, a Actor, f Filter) (Page, error) {
	sub := a.Subject()
	sf := store.OperationFilter{Kind: string(f.Kind), RequestedBy: f.RequestedBy, SubAccountID: f.SubAccountID,
		BatchID: f.BatchID, Scopes: scopesOf(a), Limit: f.Limit, MasterID: f.MasterAccountID}
	if !authz.Allowed(sub, authz.ViewOperations, authz.Target{}) {
		sf.RequestedBy = a.UserID // everyone sees their own requests
	}
	for _, st := range f.States {
		sf.States = append(sf.States, string(st))
	}
	if f.Cursor != "" {
		n, err := strconv.ParseInt(f.Cursor, 36, 64)
		if err != nil || n <= 0 {
			return Page{}, &ValidationError{Fields: map[string]string{"cursor": "op.err.bad_cursor"}}
		}
		sf.BeforeID = n
	}
	if sf.Limit <= 0 {
		sf.Limit = 50
	}
	sf.Limit = min(sf.Limit, 500)
	want := sf.Limit
	sf.Limit = want + 1
	rows, err := s.db.ListOperations(ctx, sf)
	if err != nil {
		return Page{}, err
	}
	var next string
	if len(rows) > want {
		rows = rows[:want]
		next = strconv.FormatInt(rows[want-1].ID, 36)
	}
	items, err := s.withApprovals(ctx, rows)
	if err != nil {
		return Page{}, err
	}
	return Page{Items: items, NextCursor: next}, nil
}

func (s *Service) pendingFilter(a Actor) (store.OperationFilter, bool) {
	if !authz.Allowed(a.Subject(), authz.ApproveOperation, authz.Target{}) {
		return store.OperationFilter{}, false
	}
	return store.OperationFilter{States: []string{string(StatePending)}, PendingFor: a.UserID,
		Scopes: scopesOf(a), Ascending: true}, true
}

// PendingFor lists, oldest first, the pending operations a may approve now: in scope,
// not requested by a, not yet decided by a (alone or through the batch), and at their
// current level a level a is eligible for (the approval matrix: its group, the group's
// units, in order). Empty for anyone who may not approve. The store narrows the candidates
// in SQL (state, scope, requester, earlier decisions); the route decides on each
// (eligibility.go), page after page until limit are found.
func (s *Service) PendingFor(ctx context.Context, a Actor, limit int) ([]Operation, error) {
	f, ok := s.pendingFilter(a)
	if !ok {
		return []Operation{}, nil
	}
	if limit <= 0 {
		limit = 50
	}
	if err := s.exceptDelegators(ctx, a, &f); err != nil {
		return nil, err
	}
	e, err := s.newInboxFilter(ctx, a)
	if err != nil {
		return nil, err
	}
	f.Limit = min(max(limit, 100), 500)
	var out []store.Operation
	for len(out) < limit {
		rows, err := s.db.ListOperations(ctx, f)
		if err != nil {
			return nil, err
		}
		mine, err := e.keep(ctx, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, mine...)
		if len(rows) < f.Limit {
			break
		}
		f.AfterID = rows[len(rows)-1].ID
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return s.withApprovals(ctx, out)
}

// CountPendingFor counts what PendingFor would show, a batch counting once as the inbox
// shows it: the badge on the approvals link.
func (s *Service) CountPendingFor(ctx context.Context, a Actor) (int, error) {
	f, ok := s.pendingFilter(a)
	if !ok {
		return 0, nil
	}
	if err := s.exceptDelegators(ctx, a, &f); err != nil {
		return 0, err
	}
	e, err := s.newInboxFilter(ctx, a)
	if err != nil {
		return 0, err
	}
	n := 0
	batches, err := s.db.OperationBatchIDs(ctx, f)
	if err != nil {
		return 0, err
	}
	for _, id := range batches {
		ok, err := e.batchOK(ctx, id)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	f.NoBatch, f.Limit = true, 500
	for {
		rows, err := s.db.ListOperations(ctx, f)
		if err != nil {
			return 0, err
		}
		mine, err := e.keep(ctx, rows)
		if err != nil {
			return 0, err
		}
		n += len(mine)
		if len(rows) < f.Limit {
			return n, nil
		}
		f.AfterID = rows[len(rows)-1].ID
	}
}

// inboxFilter decides, for one approver, which candidates of the inbox they may approve
// now, reading their groups once and each batch once.
type inboxFilter struct {
	s       *Service
	facts   approverFacts
	batches map[int64]bool
}

func (s *Service) newInboxFilter(ctx context.Context, a Actor) (*inboxFilter, error) {
	f, err := s.approverFactsOf(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	return &inboxFilter{s: s, facts: f, batches: map[int64]bool{}}, nil
}

// keep returns the rows the approver may approve now, in order.
func (e *inboxFilter) keep(ctx context.Context, rows []store.Operation) ([]store.Operation, error) {
	var single []int64
	for _, r := range rows {
		if r.BatchID == nil {
			single = append(single, r.ID)
		}
	}
	aps, err := e.s.db.ApprovalsOf(ctx, single)
	if err != nil {
		return nil, err
	}
	var out []store.Operation
	for i := range rows {
		r := &rows[i]
		ok := false
		if r.BatchID == nil {
			ok = e.facts.decide(opTarget(r, aps[r.ID])).OK
		} else if ok, err = e.batchOK(ctx, *r.BatchID); err != nil {
			return nil, err
		}
		if ok {
			out = append(out, *r)
		}
	}
	return out, nil
}

// batchOK reports whether the approver may approve batch id now.
func (e *inboxFilter) batchOK(ctx context.Context, id int64) (bool, error) {
	if ok, seen := e.batches[id]; seen {
		return ok, nil
	}
	b, err := e.s.db.BatchByID(ctx, id)
	if err != nil {
		return false, err
	}
	decisions, err := e.s.db.BatchApprovals(ctx, id)
	if err != nil {
		return false, err
	}
	paths, err := e.s.db.BatchOrgPaths(ctx, []int64{id})
	if err != nil {
		return false, err
	}
	ok := e.facts.decide(batchTarget(b, paths[id], decisions)).OK
	e.batches[id] = ok
	return ok, nil
}

// Timeline is the history of operation id as the audit trail holds it (its batch's
// events included), oldest first, for anyone who may Get it.
func (s *Service) Timeline(ctx context.Context, a Actor, id int64) ([]TimelineEntry, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, r) {
		return nil, ErrNotFound
	}
	out := []TimelineEntry{}
	add := func(targetType string, tid int64) error {
		evs, err := s.db.ListAudit(ctx, store.AuditFilter{TargetType: targetType, TargetID: strconv.FormatInt(tid, 10), Ascending: true, Limit: 500})
		if err != nil {
			return err
		}
		for _, e := range evs {
			var d map[string]any
			_ = json.Unmarshal(e.Details, &d)
			out = append(out, TimelineEntry{At: e.Time, Action: e.Action, Actor: e.ActorName, ActorID: e.ActorID, Outcome: e.Outcome, Details: d})
		}
		return nil
	}
	if r.BatchID != nil {
		if err := add(TargetBatch, *r.BatchID); err != nil {
			return nil, err
		}
	}
	if err := add(TargetOperation, id); err != nil {
		return nil, err
	}
	sortTimeline(out)
	return out, nil
}

func sortTimeline(t []TimelineEntry) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].At.Before(t[j-1].At); j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}
