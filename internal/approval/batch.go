package approval

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

var csvHeaders = map[string]string{
	"sub_account": "sub_account", "sub_account_id": "sub_account", "子账号": "sub_account", "子账号id": "sub_account",
	"amount": "amount", "金额": "amount",
	"balance_type": "balance_type", "余额类型": "balance_type",
	"reason": "reason", "原因": "reason",
	"expire_time": "expire_time", "到期时间": "expire_time",
}

// ParseCSV: see approval.go.
func ParseCSV(r io.Reader) ([]BatchRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_unreadable"}}}
	}
	cols := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if c, ok := csvHeaders[h]; ok {
			cols[c] = i
		}
	}
	var missing []RowError
	for _, c := range []string{"sub_account", "amount"} {
		if _, ok := cols[c]; !ok {
			missing = append(missing, RowError{Line: 0, Field: c, Message: "op.err.csv_missing_column", Params: map[string]any{"column": c}})
		}
	}
	if len(missing) > 0 {
		return nil, &BatchErrors{Rows: missing}
	}
	get := func(rec []string, c string) string {
		i, ok := cols[c]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []BatchRow
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &BatchErrors{Rows: []RowError{{Line: line, Field: "_", Message: "op.err.csv_unreadable"}}}
		}
		if len(strings.Join(rec, "")) == 0 {
			continue
		}
		rows = append(rows, BatchRow{Line: line, SubAccount: get(rec, "sub_account"), Amount: get(rec, "amount"),
			BalanceType: get(rec, "balance_type"), Reason: get(rec, "reason"), ExpireTime: get(rec, "expire_time")})
		if len(rows) > MaxBatchRows {
			return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_too_many_rows", Params: map[string]any{"max": MaxBatchRows}}}}
		}
	}
	if len(rows) == 0 {
		return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_empty"}}}
	}
	return rows, nil
}

func batchBalanceType(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "debit", "现金", "cash":
		return BalanceDebit, true
	case "credit", "信用":
		return BalanceCredit, true
	}
	return "", false
}

// batchPlan is a validated batch: one validated operation per row.
type batchPlan struct {
	rows  []BatchRow
	ops   []validated
	total money.Amount
}

// ValidateBatch: see approval.go.
func (s *Service) ValidateBatch(ctx context.Context, a Actor, kind Kind, rows []BatchRow) ([]BatchRow, error) {
	p, err := s.planBatch(ctx, a, kind, rows)
	if err != nil {
		return nil, err
	}
	return p.rows, nil
}

func (s *Service) planBatch(ctx context.Context, a Actor, kind Kind, rows []BatchRow) (*batchPlan, error) {
	if !authz.Allowed(a.Subject(), authz.CreateOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	if kind != KindTransferFunds && kind != KindRetrieveFunds {
		return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "kind", Message: "op.err.batch_kind"}}}
	}
	if len(rows) == 0 || len(rows) > MaxBatchRows {
		return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_too_many_rows", Params: map[string]any{"max": MaxBatchRows}}}}
	}
	// Every sub-account the actor may act on, by id and by name.
	byID := map[string]store.SubAccount{}
	byName := map[string][]store.SubAccount{}
	err := s.db.ForEachSubAccount(ctx, store.SubAccountFilter{Scopes: scopesOf(a)}, func(sa store.SubAccount) error {
		byID[sa.ID] = sa
		byName[strings.ToLower(sa.Name)] = append(byName[strings.ToLower(sa.Name)], sa)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Each master's transferable amounts, read once per master met in the file.
	masterAmounts := map[string]store.MasterBalances{}
	liveMasters := map[string]bool{} // whether each master met is still configured
	masterBalances := func(master string) (store.MasterBalances, error) {
		if mb, ok := masterAmounts[master]; ok {
			return mb, nil
		}
		mb, err := s.db.MasterBalances(ctx, master)
		if err == nil {
			masterAmounts[master] = mb
		}
		return mb, err
	}
	p := &batchPlan{total: money.Zero(money.DefaultCurrency)}
	var errs []RowError
	used := map[string]money.Amount{} // availability already taken by earlier rows
	for _, r := range rows {
		bad := func(field, msg string, params map[string]any) {
			errs = append(errs, RowError{Line: r.Line, Field: field, Message: msg, Params: params})
		}
		sa, ok := byID[strings.TrimSpace(r.SubAccount)]
		if !ok {
			switch m := byName[strings.ToLower(strings.TrimSpace(r.SubAccount))]; len(m) {
			case 0:
				bad("sub_account", "op.err.sub_account_not_found", map[string]any{"id": r.SubAccount})
				continue
			case 1:
				sa = m[0]
			default:
				bad("sub_account", "op.err.sub_account_ambiguous", map[string]any{"name": r.SubAccount})
				continue
			}
		}
		bt, ok := batchBalanceType(r.BalanceType)
		if !ok {
			bad("balance_type", "op.err.balance_type", nil)
			continue
		}
		reason := r.Reason
		if reason == "" {
			reason = "batch"
		}
		in := Input{Kind: kind, SubAccountID: sa.ID, Amount: r.Amount, BalanceType: bt, ExpireTime: r.ExpireTime, Reason: reason}
		var v validated
		ve := &ValidationError{}
		if bt == BalanceDebit && sa.Status == int(bss.SubAccountNormal) {
			// Fast path: the debit figures are already in hand; availability is cumulative.
			amt, perr := money.Parse(strings.TrimSpace(r.Amount), money.DefaultCurrency)
			if perr != nil {
				ve.add("amount", amountError(perr), nil)
			} else {
				master := s.masterOf(&sa)
				avail, key := sa.Debit, "sub:"+sa.ID
				if kind == KindTransferFunds {
					mb, err := masterBalances(master)
					if err != nil {
						return nil, err
					}
					avail, key = mb.Debit, "master:"+master
				}
				left := avail.Sub(usedOr(used, key))
				if amt.Cmp(left) > 0 {
					ve.add("amount", "op.err.amount_exceeds_available", map[string]any{"available": left.String()})
				} else {
					used[key] = usedOr(used, key).Add(amt)
				}
				v = validated{params: Params{SubAccountID: sa.ID, SubAccountName: sa.Name, BalanceType: bt, Amount: amt.String()},
					amount: &amt, currency: money.DefaultCurrency, orgPath: sa.OrgPath, master: master}
				if err := s.checkMasterLive(ctx, master, "sub_account_id", ve, liveMasters); err != nil {
					return nil, err
				}
			}
		} else {
			var err error
			v, err = s.validate(ctx, a, in)
			var vErr *ValidationError
			switch {
			case errors.As(err, &vErr):
				ve = vErr
			case err != nil:
				return nil, err
			}
		}
		for f, msg := range ve.Fields {
			if f == "sub_account_id" {
				f = "sub_account"
			}
			bad(f, msg, ve.Params[f])
		}
		if len(ve.Fields) > 0 {
			continue
		}
		r.SubAccountID = sa.ID
		r.Reason = reason
		p.rows = append(p.rows, r)
		p.ops = append(p.ops, v)
		p.total = p.total.Add(*v.amount)
	}
	if len(errs) > 0 {
		return nil, &BatchErrors{Rows: errs}
	}
	return p, nil
}

func usedOr(m map[string]money.Amount, k string) money.Amount {
	if v, ok := m[k]; ok {
		return v
	}
	return money.Zero(money.DefaultCurrency)
}

// CreateBatch: see approval.go.
func (s *Service) CreateBatch(ctx context.Context, a Actor, kind Kind, reason string, rows []BatchRow, idemKey string) (*Batch, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, &ValidationError{Fields: map[string]string{"reason": "op.err.reason_required"}}
	}
	p, err := s.planBatch(ctx, a, kind, rows)
	if err != nil {
		return nil, err
	}
	pol, err := s.policy(ctx, kind)
	if err != nil {
		return nil, err
	}
	now := s.now()
	required := requiredApprovals(pol, &p.total)
	ops := make([]*store.Operation, len(p.rows))
	var hashes []string
	for i, r := range p.rows {
		v := p.ops[i]
		pj, _ := json.Marshal(v.params)
		amt := v.amount.String()
		o := &store.Operation{Kind: string(kind), State: string(StatePending), Params: string(pj), Amount: &amt,
			Currency: v.currency, SubAccountID: v.params.SubAccountID, OrgPath: joinPath(v.orgPath),
			MasterAccountID: v.masterOr(s.opts.MasterAccountID), TransID: bss.NewTransID(), RequestedBy: a.UserID,
			RequestedByName: a.Username, Reason: r.Reason, BatchLine: r.Line, RequiredApprovals: required,
			ExpiresAt: now.Add(pol.Expiry), CreatedAt: now, UpdatedAt: now}
		o.SnapshotHash = SnapshotHash(o.Kind, o.MasterAccountID, o.TransID, o.Params)
		hashes = append(hashes, o.SnapshotHash)
		ops[i] = o
	}
	b := &store.OperationBatch{Kind: string(kind), State: string(StatePending), RequestedBy: a.UserID, RequestedByName: a.Username,
		Reason: reason, RowsCount: len(ops), Total: p.total.String(), Currency: money.DefaultCurrency,
		SnapshotHash:      SnapshotHash("batch", s.opts.MasterAccountID, "", strings.Join(hashes, ",")),
		RequiredApprovals: required, ExpiresAt: now.Add(pol.Expiry), CreatedAt: now, UpdatedAt: now}
	reqHash := requestHash(struct {
		Op     string
		Kind   Kind
		Reason string
		Rows   []BatchRow
	}{"batch", kind, reason, rows})
	var existing int64
	var notes []Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		if idemKey != "" {
			id, err := claimKey(ctx, tx, a.UserID, idemKey, reqHash, now)
			if err != nil || id != 0 {
				existing = id
				return err
			}
		}
		if err := s.checkBatchFunds(ctx, tx, p.rows, ops); err != nil {
			return err
		}
		if err := tx.InsertBatch(ctx, b); err != nil {
			return err
		}
		for _, o := range ops {
			o.BatchID = &b.ID
		}
		if err := tx.InsertOperations(ctx, ops); err != nil {
			return err
		}
		if idemKey != "" {
			if err := tx.SetIdempotencyTarget(ctx, a.UserID, idemKey, nil, &b.ID); err != nil {
				return err
			}
		}
		m := a.meta()
		for _, o := range ops {
			if err := record(ctx, tx, m, ActionCreate, o.ID, audit.Success, map[string]any{"kind": o.Kind, "trans_id": o.TransID,
				"sub_account_id": o.SubAccountID, "amount": ptrString(o.Amount), "batch_id": b.ID, "line": o.BatchLine,
				"snapshot_hash": o.SnapshotHash, "reason": o.Reason}); err != nil {
				return err
			}
		}
		if err := batchRecord(ctx, tx, m, ActionSubmit, b.ID, map[string]any{"kind": kind, "reason": b.Reason, "rows": b.RowsCount, "total": b.Total,
			"snapshot_hash": b.SnapshotHash, "required_approvals": required}); err != nil {
			return err
		}
		if required == 0 {
			return s.approveBatchRows(ctx, tx, audit.System("policy"), b, nil, &notes)
		}
		ids, err := approversFor(ctx, tx, a.UserID, nil, false)
		if err != nil {
			return err
		}
		for _, id := range ids {
			notes = append(notes, batchNote(id, b, "notify.batch.pending"))
		}
		return s.note.Insert(ctx, tx, notes)
	})
	if err != nil {
		return nil, err
	}
	if existing != 0 {
		return s.GetBatch(ctx, a, existing)
	}
	s.note.Dispatch(notes)
	return s.GetBatch(ctx, a, b.ID)
}

func batchRecord(ctx context.Context, tx *store.DB, m audit.Meta, action string, id int64, details map[string]any) error {
	return audit.Record(ctx, tx, m, audit.Entry{Action: action, TargetType: TargetBatch, TargetID: strconv.FormatInt(id, 10),
		Outcome: audit.Success, Details: details})
}

func batchNote(userID int64, b *store.OperationBatch, kind string, extra ...map[string]string) Note {
	p := map[string]string{"batch_id": strconv.FormatInt(b.ID, 10), "kind": b.Kind, "rows": strconv.Itoa(b.RowsCount),
		"total": b.Total, "requested_by": b.RequestedByName}
	for _, e := range extra {
		maps.Copy(p, e)
	}
	j, _ := json.Marshal(p)
	id := b.ID
	return Note{row: store.NotificationRow{UserID: userID, BatchID: &id, Kind: kind, Params: string(j)}, event: map[string]any{"event": kind, "batch": p}}
}

// BatchFinishedNote is the requester's one notice (in-app, e-mail, webhook) when the
// last executing row of a batch settles, with the counts of the outcomes: rows settle one
// by one, and a notice per row would be a thousand mails for a thousand-row upload. Call it
// in the transaction that settles a row, after the row's transition; ok is false while
// rows are still queued or executing. The batch row is locked first, so that two rows
// settling at once cannot both miss being the last.
func BatchFinishedNote(ctx context.Context, tx *store.DB, batchID int64) (n Note, ok bool, err error) {
	if err := tx.LockBatch(ctx, batchID); err != nil {
		return Note{}, false, err
	}
	counts, err := tx.BatchStateCounts(ctx, batchID)
	if err != nil {
		return Note{}, false, err
	}
	if counts[string(StateApproved)]+counts[string(StateExecuting)] > 0 {
		return Note{}, false, nil
	}
	b, err := tx.BatchByID(ctx, batchID)
	if err != nil {
		return Note{}, false, err
	}
	n = batchNote(b.RequestedBy, b, "notify.batch.finished", map[string]string{
		"succeeded": strconv.Itoa(counts[string(StateSucceeded)]), "failed": strconv.Itoa(counts[string(StateFailed)]),
		"unknown": strconv.Itoa(counts[string(StateUnknown)])})
	return n, true, nil
}

// approveBatchRows moves the batch and every row to approved and enqueues the rows' jobs,
// in tx. ap, when set, is copied onto every row (its timeline and approvals list).
func (s *Service) approveBatchRows(ctx context.Context, tx *store.DB, m audit.Meta, b *store.OperationBatch, ap *store.ApprovalRow, notes *[]Note) error {
	now := s.now()
	ok, err := tx.TransitionBatch(ctx, b.ID, []string{string(StatePending)}, string(StateApproved), now)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongState
	}
	ids, err := tx.TransitionBatchOperations(ctx, b.ID, []string{string(StatePending)}, string(StateApproved), now,
		map[string]any{"approved_hash": store.SnapshotHashColumn})
	if err != nil {
		return err
	}
	if ap != nil {
		copies := make([]*store.ApprovalRow, 0, len(ids))
		ops, err := tx.OperationsByIDs(ctx, ids)
		if err != nil {
			return err
		}
		for _, o := range ops {
			id := o.ID
			c := *ap
			c.ID, c.BatchID, c.OperationID, c.SnapshotHash = 0, nil, &id, o.SnapshotHash
			copies = append(copies, &c)
		}
		if err := tx.InsertApprovals(ctx, copies); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if err := record(ctx, tx, m, ActionApprove, id, audit.Success, map[string]any{"batch_id": b.ID, "final": true}); err != nil {
			return err
		}
	}
	if err := s.enqueue(ctx, tx, ids); err != nil {
		return err
	}
	b.State = string(StateApproved)
	*notes = append(*notes, batchNote(b.RequestedBy, b, "notify.batch.approved"))
	return s.note.Insert(ctx, tx, *notes)
}

func (s *Service) batchOf(ctx context.Context, a Actor, id int64) (*store.OperationBatch, error) {
	b, err := s.db.BatchByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if b.RequestedBy != a.UserID && !authz.Allowed(a.Subject(), authz.ViewOperations, authz.Target{}) {
		return nil, ErrNotFound
	}
	return b, nil
}

// GetBatch: see approval.go.
func (s *Service) GetBatch(ctx context.Context, a Actor, id int64) (*Batch, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return nil, err
	}
	aps, err := s.db.BatchApprovals(ctx, id)
	if err != nil {
		return nil, err
	}
	total, _ := money.FromUpstream(b.Total, b.Currency)
	out := &Batch{ID: b.ID, Kind: Kind(b.Kind), State: State(b.State), RequestedBy: b.RequestedBy, RequestedByName: b.RequestedByName,
		Reason: b.Reason, Rows: b.RowsCount, Total: total, SnapshotHash: b.SnapshotHash, RequiredApprovals: b.RequiredApprovals,
		ExpiresAt: b.ExpiresAt.UTC(), CreatedAt: b.CreatedAt.UTC(), Approvals: []Approval{}}
	for _, ap := range aps {
		out.Approvals = append(out.Approvals, Approval{UserID: ap.UserID, Username: ap.Username, Decision: ap.Decision,
			Comment: ap.Comment, SecondFactor: ap.SecondFactor, SnapshotHash: ap.SnapshotHash, At: ap.At.UTC()})
	}
	return out, nil
}

// ApproveBatch: see approval.go.
func (s *Service) ApproveBatch(ctx context.Context, a Actor, id int64, totpCode, comment string) (*Batch, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkApprover(ctx, a, b.RequestedBy, nil, ActionApprove, TargetBatch, id); err != nil {
		return nil, err
	}
	if b.State != string(StatePending) {
		return nil, ErrWrongState
	}
	if err := s.stepUp(ctx, a, totpCode); err != nil {
		return nil, err
	}
	var notes []Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.TransitionBatch(ctx, id, []string{string(StatePending)}, string(StatePending), now) // row lock
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		cur, err := tx.BatchByID(ctx, id)
		if err != nil {
			return err
		}
		if !cur.ExpiresAt.After(now) {
			return ErrWrongState
		}
		ap := &store.ApprovalRow{BatchID: &id, UserID: a.UserID, Username: a.Username, Decision: DecisionApprove,
			Comment: comment, SecondFactor: "totp", SnapshotHash: cur.SnapshotHash, At: now}
		if err := tx.InsertApproval(ctx, ap); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return ErrAlreadyDecided
			}
			return err
		}
		n, err := tx.CountApprovers(ctx, id, true, cur.SnapshotHash)
		if err != nil {
			return err
		}
		final := n >= cur.RequiredApprovals
		if err := batchRecord(ctx, tx, a.meta(), ActionApprove, id, map[string]any{"approvals": n, "required": cur.RequiredApprovals,
			"final": final, "snapshot_hash": cur.SnapshotHash, "comment": comment, "second_factor": "totp"}); err != nil {
			return err
		}
		if !final {
			return nil
		}
		return s.approveBatchRows(ctx, tx, a.meta(), cur, ap, &notes)
	})
	if err != nil {
		return nil, err
	}
	s.note.Dispatch(notes)
	return s.GetBatch(ctx, a, id)
}

// endBatch moves a pending batch and its pending rows to state.
func (s *Service) endBatch(ctx context.Context, m audit.Meta, b *store.OperationBatch, to State, action string, ap *store.ApprovalRow) error {
	var notes []Note
	err := s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.TransitionBatch(ctx, b.ID, []string{string(StatePending)}, string(to), now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		if ap != nil {
			if err := tx.InsertApproval(ctx, ap); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return ErrAlreadyDecided
				}
				return err
			}
		}
		ids, err := tx.TransitionBatchOperations(ctx, b.ID, []string{string(StatePending)}, string(to), now, map[string]any{"finished_at": now})
		if err != nil {
			return err
		}
		if err := batchRecord(ctx, tx, m, action, b.ID, map[string]any{"rows": len(ids)}); err != nil {
			return err
		}
		for _, id := range ids {
			if err := record(ctx, tx, m, action, id, audit.Success, map[string]any{"batch_id": b.ID}); err != nil {
				return err
			}
		}
		b.State = string(to)
		notes = append(notes, batchNote(b.RequestedBy, b, "notify.batch."+string(to)))
		return s.note.Insert(ctx, tx, notes)
	})
	if err == nil {
		s.note.Dispatch(notes)
	}
	return err
}

// RejectBatch: see approval.go.
func (s *Service) RejectBatch(ctx context.Context, a Actor, id int64, comment string) (*Batch, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkApprover(ctx, a, b.RequestedBy, nil, ActionReject, TargetBatch, id); err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	if err := requireReason(comment); err != nil {
		return nil, err
	}
	ap := &store.ApprovalRow{BatchID: &id, UserID: a.UserID, Username: a.Username, Decision: DecisionReject, Comment: comment,
		SnapshotHash: b.SnapshotHash, At: s.now()}
	if err := s.endBatch(ctx, a.meta(), b, StateRejected, ActionReject, ap); err != nil {
		return nil, err
	}
	return s.GetBatch(ctx, a, id)
}

// CancelBatch: see approval.go.
func (s *Service) CancelBatch(ctx context.Context, a Actor, id int64) (*Batch, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if b.RequestedBy != a.UserID || !authz.Allowed(a.Subject(), authz.CancelOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	if err := s.endBatch(ctx, a.meta(), b, StateCancelled, ActionCancel, nil); err != nil {
		return nil, err
	}
	return s.GetBatch(ctx, a, id)
}

func (s *Service) expireBatches(ctx context.Context, now timeT) (int, error) {
	ids, err := s.db.DueBatchIDs(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		b, err := s.db.BatchByID(ctx, id)
		if err != nil {
			return n, err
		}
		switch err := s.endBatch(ctx, audit.System("expiry"), b, StateExpired, ActionExpire, nil); {
		case errors.Is(err, ErrWrongState):
		case err != nil:
			return n, err
		default:
			n += b.RowsCount
		}
	}
	return n, nil
}

// BatchProgress: see approval.go.
func (s *Service) BatchProgress(ctx context.Context, a Actor, id int64) (BatchProgress, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return BatchProgress{}, err
	}
	counts, err := s.db.BatchStateCounts(ctx, id)
	if err != nil {
		return BatchProgress{}, err
	}
	p := BatchProgress{BatchID: id, Total: b.RowsCount, ByState: map[State]int{}}
	for st, n := range counts {
		p.ByState[State(st)] = n
		if State(st).Terminal() || State(st) == StateUnknown {
			p.Done += n
		}
	}
	p.Succeeded, p.Failed, p.Unknown = p.ByState[StateSucceeded], p.ByState[StateFailed], p.ByState[StateUnknown]
	p.Finished = p.Done == p.Total
	return p, nil
}

// csvSafe neutralises formula injection in a CSV cell.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// BatchResultCSV: see approval.go.
func (s *Service) BatchResultCSV(ctx context.Context, a Actor, id int64, w io.Writer) error {
	if _, err := s.batchOf(ctx, a, id); err != nil {
		return err
	}
	ops, err := s.db.BatchOperations(ctx, id)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"line", "operation_id", "sub_account_id", "amount", "balance_type", "state", "trans_id", "error_code", "error_message"})
	for _, o := range ops {
		op := OperationFromRow(o, nil)
		_ = cw.Write([]string{strconv.Itoa(o.BatchLine), strconv.FormatInt(o.ID, 10), csvSafe(o.SubAccountID), ptrString(o.Amount),
			op.Params.BalanceType, o.State, o.TransID, csvSafe(o.ErrorCode), csvSafe(o.ErrorMessage)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("approval: result csv: %w", err)
	}
	return nil
}
