package approval

import (
	"context"
	"errors"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// What an approver weighs beside an operation still to happen: the figures it changes as
// last read from Huawei Cloud, the other requests on the same sub-account and master that
// have not settled, and what the figures become after this one and after all of them.
//
// The lists show only what the viewer may see (their scope, in SQL). The sums count every
// unsettled request on the figure, seen or not: the master's free amount is one amount of
// money whoever asked for it, and the transfer form shows the same reservations to every
// maker.

// unsettledStates are the requests that may still move money, or may have (unknown):
// what the context lists and adds up. A movement that succeeded is in the figures once
// they are read again, within seconds of its settlement; drafts were never submitted.
var unsettledStates = []string{string(StatePending), string(StateApproved), string(StateExecuting), string(StateUnknown)}

// ContextListLimit bounds each list of other requests; More says there are others.
const ContextListLimit = 20

// OperationContext is what Context answers.
type OperationContext struct {
	// SubAccount is the operation's sub-account as cached: nil when it names none, the
	// cache no longer holds it, or the viewer may not see it.
	SubAccount *store.SubAccount
	// Sub is the sub-account's figure a transfer or recovery changes; Master the master's
	// transferable figure a transfer draws on. Nil for other kinds, and when the viewer
	// may not see the account.
	Sub, Master *Figure
	// SubAccountOps are the other unsettled requests on the sub-account; MasterOps the
	// master's other unsettled transfers to other sub-accounts (transfers only). Newest
	// first, at most ContextListLimit each.
	SubAccountOps, MasterOps   []Operation
	SubAccountMore, MasterMore bool
}

// Figure is one cached amount and what it becomes.
type Figure struct {
	BalanceType string       // BalanceDebit or BalanceCredit
	Expire      *time.Time   // the credit line's expiry; nil: cash, or a line without one
	Now         money.Amount // as last read; zero when the line is not there
	AsOf        *time.Time   // when it was read; nil: never
	Stale       bool         // the last refresh failed: Now is the last good read
	AfterThis   money.Amount // Now with this operation
	AfterAll    money.Amount // AfterThis with every other unsettled request on the figure
	Others      int          // how many other requests AfterAll counts
}

// Context is what the page of operation id shows beside it while it is still to happen
// (pending, or approved and not executed yet): nil in any other state. For whoever may
// Get it; to anyone else it does not exist (ErrNotFound).
func (s *Service) Context(ctx context.Context, a Actor, id int64) (*OperationContext, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, r) {
		return nil, ErrNotFound
	}
	if st := State(r.State); st != StatePending && st != StateApproved {
		return nil, nil
	}
	op := OperationFromRow(*r, nil)
	sub := a.Subject()
	out := &OperationContext{}
	if r.SubAccountID != "" {
		if out.SubAccountOps, out.SubAccountMore, err = s.othersOf(ctx, a, store.OperationFilter{SubAccountID: r.SubAccountID, ExceptID: id}); err != nil {
			return nil, err
		}
		sa, err := s.db.SubAccountByID(ctx, r.SubAccountID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return nil, err
		// As the read side: a scoped viewer does not see a sub-account of no known unit.
		case authz.Allowed(sub, authz.ViewSubAccounts, authz.Target{}) && authz.ScopeOf(sub).Covers(sa.OrgPath):
			out.SubAccount = sa
		}
	}
	if (op.Kind != KindTransferFunds && op.Kind != KindRetrieveFunds) || op.Amount == nil {
		return out, nil
	}
	bt := balanceTypeOf(op.Params.BalanceType)
	expire, _ := parseExpire(op.Params.ExpireTime)
	if out.SubAccount != nil {
		f, err := s.subFigure(ctx, out.SubAccount, op, bt, expire)
		if err != nil {
			return nil, err
		}
		out.Sub = &f
	}
	if op.Kind != KindTransferFunds {
		return out, nil // a recovery adds to the master only once it has happened
	}
	if out.MasterOps, out.MasterMore, err = s.othersOf(ctx, a, store.OperationFilter{Kind: string(KindTransferFunds),
		MasterID: r.MasterAccountID, ExceptSubAccountID: r.SubAccountID}); err != nil {
		return nil, err
	}
	// A master belongs to no unit: its amounts are for everyone who may see the dashboard.
	if authz.Allowed(sub, authz.ViewDashboard, authz.Target{}) {
		f, err := s.masterFigure(ctx, r.MasterAccountID, op, bt, expire)
		if err != nil {
			return nil, err
		}
		out.Master = &f
	}
	return out, nil
}

// othersOf lists the unsettled requests f selects that a may see, as List would show
// them: in scope for viewers of operations, only their own for everyone else.
func (s *Service) othersOf(ctx context.Context, a Actor, f store.OperationFilter) ([]Operation, bool, error) {
	f.States, f.Scopes, f.Limit = unsettledStates, scopesOf(a), ContextListLimit+1
	if !authz.Allowed(a.Subject(), authz.ViewOperations, authz.Target{}) {
		f.RequestedBy = a.UserID
	}
	rows, err := s.db.ListOperations(ctx, f)
	if err != nil {
		return nil, false, err
	}
	more := len(rows) > ContextListLimit
	if more {
		rows = rows[:ContextListLimit]
	}
	ops, err := s.withApprovals(ctx, rows)
	return ops, more, err
}

// subFigure is the sub-account's figure of balance type bt (and credit line expire): a
// transfer adds to it, a recovery takes from it.
func (s *Service) subFigure(ctx context.Context, sa *store.SubAccount, op Operation, bt string, expire *time.Time) (Figure, error) {
	f := Figure{BalanceType: bt, Expire: expire, AsOf: sa.BalancesSyncedAt, Stale: sa.Stale, Now: money.Zero(op.Amount.Currency())}
	if bt == BalanceDebit {
		f.Now = sa.Debit
	}
	for _, l := range sa.Credits {
		if bt == BalanceCredit && sameExpire(l.ExpireTime, expire) {
			f.Now = l.Available
		}
	}
	sign := map[Kind]int{KindTransferFunds: 1, KindRetrieveFunds: -1}
	f.AfterThis = addSigned(f.Now, *op.Amount, sign[op.Kind])
	f.AfterAll = f.AfterThis
	for kind, sg := range sign {
		rows, err := s.db.ReservingMovements(ctx, store.MovementQuery{Kind: string(kind), SubAccountID: sa.ID, States: unsettledStates})
		if err != nil {
			return f, err
		}
		f.addOthers(rows, op, sg)
	}
	return f, nil
}

// masterFigure is the master's transferable figure of balance type bt (and credit line
// expire), which transfers draw on. Its AfterAll is what the funds check calls free,
// short of the movements that succeeded since the figure was read.
func (s *Service) masterFigure(ctx context.Context, master string, op Operation, bt string, expire *time.Time) (Figure, error) {
	mb, err := s.db.MasterBalances(ctx, master)
	if err != nil {
		return Figure{}, err
	}
	f := Figure{BalanceType: bt, Expire: expire, AsOf: mb.SyncedAt, Stale: mb.Stale, Now: money.Zero(op.Amount.Currency())}
	if bt == BalanceDebit {
		f.Now = mb.Debit
	}
	for _, l := range mb.Credits {
		if bt == BalanceCredit && sameExpire(l.ExpireTime, expire) {
			f.Now = l.Available
		}
	}
	f.AfterThis = addSigned(f.Now, *op.Amount, -1)
	f.AfterAll = f.AfterThis
	rows, err := s.db.ReservingMovements(ctx, store.MovementQuery{Kind: string(KindTransferFunds), MasterAccountID: master, States: unsettledStates})
	if err != nil {
		return f, err
	}
	f.addOthers(rows, op, -1)
	return f, nil
}

// addOthers adds to AfterAll, with sign sg, the amounts of rows other than op that draw
// on the same figure (balance type, credit line and currency).
func (f *Figure) addOthers(rows []store.Operation, op Operation, sg int) {
	for _, r := range rows {
		if r.ID == op.ID || r.Amount == nil {
			continue
		}
		o := OperationFromRow(r, nil)
		rexp, _ := parseExpire(o.Params.ExpireTime)
		if o.Amount == nil || o.Amount.Currency() != op.Amount.Currency() ||
			balanceTypeOf(o.Params.BalanceType) != f.BalanceType || !sameExpire(rexp, f.Expire) {
			continue
		}
		f.AfterAll = addSigned(f.AfterAll, *o.Amount, sg)
		f.Others++
	}
}

func addSigned(a, b money.Amount, sg int) money.Amount {
	if sg < 0 {
		return a.Sub(b)
	}
	return a.Add(b)
}
