package approval

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// batchPlan is a validated batch: one validated operation per row.
type batchPlan struct {
	rows  []BatchRow
	ops   []validated
	total money.Amount
}

// ValidateBatch checks every row of a bulk upload as CreateBatch would, without creating
// anything, and returns the rows with their sub-accounts resolved (ids or unique names in
// a's scope); availability is taken cumulatively, row after row. Problems are *BatchErrors,
// one per row and field.
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
	err := s.db.ForEachSubAccount(ctx, authz.ScopeOf(a.Subject()), store.SubAccountFilter{}, func(sa store.SubAccount) error {
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
					ve.add("amount", "op.err.amount_exceeds_available", map[string]any{"available": left.Text()})
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
			params := ve.Params[f] // by the form's field name, before it becomes the column's
			if f == "sub_account_id" {
				f = "sub_account"
			}
			bad(f, msg, params)
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

// CreateBatch requests a bulk transfer or recovery: every row is validated (ValidateBatch)
// and stored as a pending operation of one batch, which approvers decide on as a whole;
// the amount threshold of the policy applies to the batch's total. reason is required.
// idemKey ("" = none) makes a repeated upload return the first one's batch. skipped are
// the rows of the upload its author chose to leave out as invalid: they are recorded,
// with their problems, in the submission's audit event.
func (s *Service) CreateBatch(ctx context.Context, a Actor, kind Kind, reason string, rows []BatchRow, idemKey string, skipped ...RowError) (*Batch, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, &ValidationError{Fields: map[string]string{"reason": "op.err.reason_required"}}
	}
	p, err := s.planBatch(ctx, a, kind, rows)
	if err != nil {
		return nil, err
	}
	// One route for the whole batch: the strictest rule over its rows' units, at its total.
	var paths [][]string
	seenPath := map[string]bool{}
	for _, v := range p.ops {
		if k := joinPath(v.orgPath); !seenPath[k] {
			seenPath[k] = true
			paths = append(paths, v.orgPath)
		}
	}
	res, err := s.batchResolution(ctx, kind, paths, p.total)
	if err != nil {
		return nil, err
	}
	pol := res.Policy
	now := s.now()
	required := res.Route.Required()
	ops := make([]*store.Operation, len(p.rows))
	var hashes []string
	for i, r := range p.rows {
		v := p.ops[i]
		pj, _ := json.Marshal(v.params)
		amt := v.amount.String()
		o := &store.Operation{Kind: string(kind), State: string(StatePending), Params: string(pj), Amount: &amt,
			Currency: v.currency, SubAccountID: v.params.SubAccountID, OrgPath: joinPath(v.orgPath),
			MasterAccountID: v.masterOr(s.opts.MasterAccountID), TransID: bss.NewTransID(), RequestedBy: a.UserID,
			RequestedByName: a.Username, Reason: r.Reason, BatchLine: r.Line,
			ExpiresAt: now.Add(pol.Expiry), CreatedAt: now, UpdatedAt: now}
		fixRoute(o, res.Route)
		o.SnapshotHash = SnapshotHash(o.Kind, o.MasterAccountID, o.TransID, o.Params)
		hashes = append(hashes, o.SnapshotHash)
		ops[i] = o
	}
	b := &store.OperationBatch{Kind: string(kind), State: string(StatePending), RequestedBy: a.UserID, RequestedByName: a.Username,
		Reason: reason, RowsCount: len(ops), Total: p.total.String(), Currency: money.DefaultCurrency,
		SnapshotHash: SnapshotHash("batch", s.opts.MasterAccountID, "", strings.Join(hashes, ",")),
		ExpiresAt:    now.Add(pol.Expiry), CreatedAt: now, UpdatedAt: now}
	fixBatchRoute(b, res.Route)
	idem := newIdempotency(a.UserID, idemKey, struct {
		Op     string
		Kind   Kind
		Reason string
		Rows   []BatchRow
	}{"batch", kind, reason, rows})
	var existing int64
	var notes []notify.Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		if id, err := idem.claim(ctx, tx, now); err != nil || id != 0 {
			existing = id
			return err
		}
		if err := s.checkBatchFunds(ctx, tx, p.rows, ops); err != nil {
			return err
		}
		var err error
		if required, err = s.applyBatchLimits(ctx, tx, a.UserID, required, p.rows, ops, b, now); err != nil {
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
		if err := idem.bind(ctx, tx, nil, &b.ID); err != nil {
			return err
		}
		m := a.meta()
		for _, o := range ops {
			if err := record(ctx, tx, m, ActionCreate, o.ID, audit.Success, map[string]any{"kind": o.Kind, "trans_id": o.TransID,
				"sub_account_id": o.SubAccountID, "amount": ptrString(o.Amount), "batch_id": b.ID, "line": o.BatchLine,
				"snapshot_hash": o.SnapshotHash, "reason": o.Reason}); err != nil {
				return err
			}
		}
		details := map[string]any{"kind": kind, "reason": b.Reason, "rows": b.RowsCount, "total": b.Total,
			"snapshot_hash": b.SnapshotHash, "required_approvals": required, "route": routeDetails(res.Route), "route_why": res.Why}
		if len(skipped) > 0 {
			details["skipped_rows"] = skipped
		}
		if b.LimitNote != "" {
			details["limits"] = json.RawMessage(b.LimitNote)
		}
		if err := batchRecord(ctx, tx, m, ActionSubmit, b.ID, details); err != nil {
			return err
		}
		if required == 0 {
			return s.approveBatchRows(ctx, tx, audit.System("policy"), b, nil, &notes)
		}
		var rowPaths []string
		for k := range seenPath {
			rowPaths = append(rowPaths, k)
		}
		ns, err := s.approverNotes(ctx, tx, batchTarget(b, rowPaths, nil), func(id int64) notify.Note {
			return notify.ForBatch(id, b, "notify.batch.pending")
		})
		if err != nil {
			return err
		}
		notes = append(notes, ns...)
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

// BatchFinishedNote is the requester's one notice (in-app, e-mail, webhook) when the
// last executing row of a batch settles, with the counts of the outcomes: rows settle one
// by one, and a notice per row would be a thousand mails for a thousand-row upload. Call it
// in the transaction that settles a row, after the row's transition; ok is false while
// rows are still queued or executing. The batch row is locked first, so that two rows
// settling at once cannot both miss being the last.
func BatchFinishedNote(ctx context.Context, tx *store.DB, batchID int64) (n notify.Note, ok bool, err error) {
	if err := tx.LockBatch(ctx, batchID); err != nil {
		return notify.Note{}, false, err
	}
	counts, err := tx.BatchStateCounts(ctx, batchID)
	if err != nil {
		return notify.Note{}, false, err
	}
	if counts[string(StateApproved)]+counts[string(StateExecuting)] > 0 {
		return notify.Note{}, false, nil
	}
	b, err := tx.BatchByID(ctx, batchID)
	if err != nil {
		return notify.Note{}, false, err
	}
	n = notify.ForBatch(b.RequestedBy, b, "notify.batch.finished", map[string]string{
		"succeeded": strconv.Itoa(counts[string(StateSucceeded)]), "failed": strconv.Itoa(counts[string(StateFailed)]),
		"unknown": strconv.Itoa(counts[string(StateUnknown)])})
	return n, true, nil
}
