package approval

import (
	"context"
	"errors"
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

// checkFunds refuses, inside the transaction that records a transfer or recovery and
// under the figure's lock (store.LockFunds), an amount above what is free. It runs after
// the idempotency key is claimed, so that the same request sent again names its
// operation instead of being refused for the amount it reserved itself.
func (s *Service) checkFunds(ctx context.Context, tx *store.DB, kind Kind, master string, p Params, amount *money.Amount) error {
	if (kind != KindTransferFunds && kind != KindRetrieveFunds) || amount == nil {
		return nil
	}
	key := "master:" + master
	if kind == KindRetrieveFunds {
		key = "sub:" + p.SubAccountID
	}
	if err := tx.LockFunds(ctx, key); err != nil {
		return err
	}
	var sa *store.SubAccount
	if kind == KindRetrieveFunds {
		var err error
		if sa, err = tx.SubAccountByID(ctx, p.SubAccountID); err != nil {
			return err
		}
	}
	expire, _ := parseExpire(p.ExpireTime)
	f, err := s.fundsOf(ctx, tx, kind, master, sa, balanceTypeOf(p.BalanceType), expire)
	if err != nil {
		return err
	}
	ve := &ValidationError{}
	switch {
	case f.AsOf == nil:
		ve.add("amount", notReadMessage(kind), nil)
	case !f.lineFound || amount.Cmp(f.Free) <= 0:
		// No such credit line: validate refused it already.
	case f.Reserved.IsZero():
		ve.add("amount", "op.err.amount_exceeds_available", map[string]any{"available": f.Available.String()})
	default:
		ve.add("amount", "op.err.amount_exceeds_free", map[string]any{"available": f.Available.Format(),
			"reserved": f.Reserved.Format(), "free": f.Free.Format()})
	}
	return ve.orNil()
}
