package approval

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// What is really free for a new money movement: the figure it draws on as last read
// from Huawei Cloud (the master's transferable amount for a transfer, the sub-account's
// recoverable amount for a recovery), minus what the movements of the same kind on the
// same figure already reserve.
//
// They reserve in these states:
//   - pending and approved: they will move the amount once approved and executed;
//   - executing: the call may be moving it right now;
//   - unknown: it may have moved (the reconciler resends the same trans_id and confirms
//     by what the upstream shows). Should it have applied and the figure been read since,
//     the amount counts twice until the reconciler settles it: refusing too much for a
//     while is the side to err on with money;
//   - succeeded after the figure was read: the figure does not show it yet (the master's
//     amounts are re-read within seconds of a settlement; this covers those seconds).
//
// A draft reserves nothing (it was not submitted). Recoveries do not add to the
// master's free amount, nor transfers to a sub-account's, until they have happened.
var reservingStates = []string{string(StatePending), string(StateApproved), string(StateExecuting), string(StateUnknown)}

// FundsQuery names the figure a transfer or recovery would draw on.
type FundsQuery struct {
	Kind         Kind   // KindTransferFunds or KindRetrieveFunds
	SubAccountID string // the target sub-account
	// Master is the master of a transfer whose sub-account is not chosen yet ("" = the
	// default master); ignored when SubAccountID is set.
	Master      string
	BalanceType string // debit (default) or credit
	ExpireTime  string // the credit line's expiry (RFC 3339); "" = the line without one
}

// Funds is what a movement may draw on.
type Funds struct {
	Master    string
	Available money.Amount // as last read from Huawei Cloud
	AsOf      *time.Time   // when it was read; nil: never
	Reserved  money.Amount // by the movements not settled yet (see reservingStates)
	Free      money.Amount // Available - Reserved (negative when the figure fell below the reservations)
	// lineFound is false when no credit line has the asked expiry; lines lists the
	// expiries of the lines there are.
	lineFound bool
	lines     []*time.Time
}

// Funds returns the figure q names with what is reserved of it and what is free, for
// the forms. The sub-account must be in the actor's scope.
func (s *Service) Funds(ctx context.Context, a Actor, q FundsQuery) (Funds, error) {
	if !authz.Allowed(a.Subject(), authz.CreateOperation, authz.Target{}) {
		return Funds{}, ErrForbidden
	}
	if q.Kind != KindTransferFunds && q.Kind != KindRetrieveFunds {
		return Funds{}, ErrWrongKind
	}
	master := q.Master
	var sa *store.SubAccount
	if id := strings.TrimSpace(q.SubAccountID); id != "" {
		var err error
		if sa, err = s.db.SubAccountByID(ctx, id); err != nil {
			return Funds{}, err
		}
		if !authz.InScope(a.Subject(), sa.OrgPath) {
			return Funds{}, ErrOutOfScope
		}
		master = s.masterOf(sa)
	} else if q.Kind == KindRetrieveFunds {
		return Funds{}, store.ErrNotFound
	}
	if master == "" {
		master = s.opts.MasterAccountID
	}
	expire, _ := parseExpire(q.ExpireTime)
	return s.fundsOf(ctx, s.db, q.Kind, master, sa, balanceTypeOf(q.BalanceType), expire)
}

// ErrWrongKind: the kind has no funds figure.
var ErrWrongKind = errors.New("approval: the kind moves no funds")

func balanceTypeOf(bt string) string {
	if strings.ToLower(strings.TrimSpace(bt)) == BalanceCredit {
		return BalanceCredit
	}
	return BalanceDebit
}

// fundsOf reads, through db (the service's handle or a transaction), the figure a
// transfer (from master) or a recovery (from sa) of balance type bt draws on, and what
// is reserved of it.
func (s *Service) fundsOf(ctx context.Context, db *store.DB, kind Kind, master string, sa *store.SubAccount, bt string, expire *time.Time) (Funds, error) {
	f := Funds{Master: master, Available: money.Zero(""), Reserved: money.Zero("")}
	q := store.MovementQuery{Kind: string(kind), States: reservingStates, SettledState: string(StateSucceeded)}
	pick := func(debit money.Amount, lines []store.AmountLine) {
		if bt == BalanceDebit {
			f.Available, f.lineFound = debit, true
			return
		}
		for _, l := range lines {
			f.lines = append(f.lines, l.ExpireTime)
			if sameExpire(l.ExpireTime, expire) {
				f.Available, f.lineFound = l.Available, true
			}
		}
	}
	if kind == KindTransferFunds {
		mb, err := db.MasterBalances(ctx, master)
		if err != nil {
			return f, err
		}
		f.AsOf, q.MasterAccountID = mb.SyncedAt, master
		pick(mb.Debit, mb.Credits)
	} else {
		if sa == nil {
			return f, store.ErrNotFound
		}
		lines := make([]store.AmountLine, len(sa.Credits))
		for i, l := range sa.Credits {
			lines[i] = store.AmountLine{Available: l.Available, ExpireTime: l.ExpireTime}
		}
		f.AsOf, q.SubAccountID = sa.BalancesSyncedAt, sa.ID
		pick(sa.Debit, lines)
	}
	q.SettledAfter = f.AsOf
	rows, err := db.ReservingMovements(ctx, q)
	if err != nil {
		return f, err
	}
	for _, r := range rows {
		if r.Amount == nil {
			continue
		}
		p := OperationFromRow(r, nil).Params
		rexp, _ := parseExpire(p.ExpireTime)
		if balanceTypeOf(p.BalanceType) != bt || !sameExpire(rexp, expire) {
			continue
		}
		if amt, err := money.Parse(*r.Amount, money.DefaultCurrency); err == nil {
			f.Reserved = f.Reserved.Add(amt)
		}
	}
	f.Free = f.Available.Sub(f.Reserved)
	return f, nil
}

// notReadMessage is the refusal of a movement whose figure was never read.
func notReadMessage(kind Kind) string {
	if kind == KindTransferFunds {
		return "op.err.master_not_read"
	}
	return "op.err.sub_not_read"
}

// fundsClaim is a transfer or recovery about to be recorded.
type fundsClaim struct {
	kind   Kind
	master string
	params Params
	amount money.Amount
}

// fundsRefusal says why claim number i does not fit (a message id and its parameters).
type fundsRefusal struct {
	i      int
	msg    string
	params map[string]any
}

// claimFunds checks, inside the transaction that records them and under their figures'
// locks (store.LockFunds, taken in one sorted order so that two requests never wait on
// each other crosswise), that the claims fit in what is free, each after the ones
// before it. It runs after the idempotency key is claimed, so that the same request
// sent again names its operation instead of being refused for what it reserved itself.
func (s *Service) claimFunds(ctx context.Context, tx *store.DB, claims []fundsClaim) ([]fundsRefusal, error) {
	lockOf := func(c fundsClaim) string {
		if c.kind == KindRetrieveFunds {
			return "sub:" + c.params.SubAccountID
		}
		return "master:" + c.master
	}
	var locks []string
	for _, c := range claims {
		if k := lockOf(c); !slices.Contains(locks, k) {
			locks = append(locks, k)
		}
	}
	slices.Sort(locks)
	for _, k := range locks {
		if err := tx.LockFunds(ctx, k); err != nil {
			return nil, err
		}
	}
	type figure struct {
		f     Funds
		taken money.Amount // by the claims before
	}
	figures := map[string]*figure{}
	var out []fundsRefusal
	for i, c := range claims {
		bt := balanceTypeOf(c.params.BalanceType)
		key := lockOf(c) + "|" + bt + "|" + c.params.ExpireTime
		g, ok := figures[key]
		if !ok {
			var sa *store.SubAccount
			if c.kind == KindRetrieveFunds {
				var err error
				if sa, err = tx.SubAccountByID(ctx, c.params.SubAccountID); err != nil {
					return nil, err
				}
			}
			expire, _ := parseExpire(c.params.ExpireTime)
			f, err := s.fundsOf(ctx, tx, c.kind, c.master, sa, bt, expire)
			if err != nil {
				return nil, err
			}
			g = &figure{f: f, taken: money.Zero("")}
			figures[key] = g
		}
		reserved := g.f.Reserved.Add(g.taken)
		free := g.f.Available.Sub(reserved)
		switch {
		case g.f.AsOf == nil:
			out = append(out, fundsRefusal{i: i, msg: notReadMessage(c.kind)})
		case !g.f.lineFound:
			// No such credit line: validation refused it already.
		case c.amount.Cmp(free) <= 0:
			g.taken = g.taken.Add(c.amount)
		case reserved.IsZero():
			out = append(out, fundsRefusal{i: i, msg: "op.err.amount_exceeds_available", params: map[string]any{"available": g.f.Available.Text()}})
		default:
			out = append(out, fundsRefusal{i: i, msg: "op.err.amount_exceeds_free", params: map[string]any{"available": g.f.Available.Text(),
				"reserved": reserved.Text(), "free": free.Text()}})
		}
	}
	return out, nil
}

// checkFunds is claimFunds for one operation: a refusal is a ValidationError on its
// amount.
func (s *Service) checkFunds(ctx context.Context, tx *store.DB, kind Kind, master string, p Params, amount *money.Amount) error {
	if (kind != KindTransferFunds && kind != KindRetrieveFunds) || amount == nil {
		return nil
	}
	refused, err := s.claimFunds(ctx, tx, []fundsClaim{{kind: kind, master: master, params: p, amount: *amount}})
	if err != nil || len(refused) == 0 {
		return err
	}
	ve := &ValidationError{}
	ve.add("amount", refused[0].msg, refused[0].params)
	return ve
}

// checkBatchFunds is claimFunds for a batch's rows, in line order: a refusal is a row
// error on the amount.
func (s *Service) checkBatchFunds(ctx context.Context, tx *store.DB, rows []BatchRow, ops []*store.Operation) error {
	claims := make([]fundsClaim, 0, len(ops))
	for _, o := range ops {
		if o.Amount == nil {
			continue
		}
		amt, err := money.Parse(*o.Amount, money.DefaultCurrency)
		if err != nil {
			return err
		}
		claims = append(claims, fundsClaim{kind: Kind(o.Kind), master: o.MasterAccountID, params: OperationFromRow(*o, nil).Params, amount: amt})
	}
	if len(claims) != len(ops) {
		return errors.New("approval: a batch row has no amount")
	}
	refused, err := s.claimFunds(ctx, tx, claims)
	if err != nil || len(refused) == 0 {
		return err
	}
	be := &BatchErrors{}
	for _, r := range refused {
		be.Rows = append(be.Rows, RowError{Line: rows[r.i].Line, Field: "amount", Message: r.msg, Params: r.params})
	}
	return be
}
