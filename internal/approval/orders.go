package approval

import (
	"context"
	"encoding/json"
	"time"

	"github.com/purser-finance/purser/internal/bss"
)

// defaultOrderTimeout bounds reading a renewal's orders for its page.
const defaultOrderTimeout = 5 * time.Second

// RenewalOrder is one order a renewal created, as the upstream shows it now: its header,
// line items and the resources it provisioned; or, when it cannot be read, why.
type RenewalOrder struct {
	ID      bss.OrderID
	Details *bss.OrderDetails // nil when Problem is set
	Problem *Problem
}

// RenewalOrders reads the orders a renewal created (the order ids of its execution
// result) from the account it was sent with, for anyone who may see the operation. The
// upstream is asked on demand, each order within Options.OrderTimeout; a failed read is
// that order's Problem, never the call's error, so that the operation's page shows the
// rest. An operation that is not a renewal, or created no order, has none.
func (s *Service) RenewalOrders(ctx context.Context, a Actor, id int64) ([]RenewalOrder, error) {
	op, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	ids := renewalOrderIDs(op)
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]RenewalOrder, 0, len(ids))
	up, code, err := s.renewalsFor(ctx, op.MasterAccountID, op.Params)
	for _, oid := range ids {
		o := RenewalOrder{ID: oid}
		if err != nil {
			o.Problem = problemOf(err, code)
		} else {
			o.Details, o.Problem = s.orderDetails(ctx, up, oid)
		}
		out = append(out, o)
	}
	return out, nil
}

func (s *Service) orderDetails(ctx context.Context, up bss.Renewals, id bss.OrderID) (*bss.OrderDetails, *Problem) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OrderTimeout)
	defer cancel()
	d, err := up.OrderDetails(ctx, id)
	if err != nil {
		return nil, problemOf(err, ProblemUnavailable)
	}
	return &d, nil
}

// HasRenewalOrders says whether an operation is a renewal whose execution created orders
// (which RenewalOrders then reads), without asking the upstream.
func HasRenewalOrders(op *Operation) bool { return len(renewalOrderIDs(op)) > 0 }

// renewalOrderIDs are the orders named by a renewal's execution result: the executor
// stores the upstream's bss.OrderResult as it came.
func renewalOrderIDs(op *Operation) []bss.OrderID {
	if op.Kind != KindRenewResources || len(op.Response) == 0 {
		return nil
	}
	var r bss.OrderResult
	if json.Unmarshal(op.Response, &r) != nil {
		return nil
	}
	return r.OrderIDs
}
