package approval

import (
	"context"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
)

// Four eyes on the controls: whether a change of the matrix lowers the approvals needed
// anywhere. The matrix is a function of (kind, organisation path, amount) that changes
// only at a rule's unit and at a band's edge, so comparing before and after at every
// known unit's path (and outside every unit, and at each unit a rule names but the synced
// tree lacks) and at every band edge (the policy's threshold included, and the smallest
// amount) finds every place where it drops.

// LowerPoint is one place where a change lowers the approvals needed: an operation of
// Kind on OrgPath with Amount (nil: without an amount) needed Before and would need After.
type LowerPoint struct {
	Kind    Kind     `json:"kind"`
	OrgPath []string `json:"org_path"`
	Amount  string   `json:"amount,omitempty"`
	Before  int      `json:"before"`
	After   int      `json:"after"`
}

// lowers looks for a place where the rules after need fewer approvals than before, for
// the kinds of pols; nil when there is none.
func lowers(before, after []Rule, pols []Policy, paths [][]string) *LowerPoint {
	for _, pol := range pols {
		for _, amount := range bandEdges(before, after, pol) {
			for _, p := range paths {
				b, a := Resolve(before, pol, p, amount).Route.Required(), Resolve(after, pol, p, amount).Route.Required()
				if a < b {
					lp := &LowerPoint{Kind: pol.Kind, OrgPath: p, Before: b, After: a}
					if amount != nil {
						lp.Amount = amount.String()
					}
					return lp
				}
			}
		}
	}
	return nil
}

// bandEdges are the amounts to compare at for pol's kind: the smallest amount and every
// edge of a band or of the policy's threshold, ascending; only "no amount" for a kind
// that moves no money.
func bandEdges(before, after []Rule, pol Policy) []*money.Amount {
	if !pol.Kind.MovesMoney() {
		return []*money.Amount{nil}
	}
	smallest := money.New(decimal.New(1, -2), money.DefaultCurrency) // 0.01, the smallest amount

	edges := []money.Amount{smallest}
	if pol.TwoApproversAbove != nil {
		edges = append(edges, *pol.TwoApproversAbove)
	}
	for _, r := range slices.Concat(before, after) {
		if r.Kind != pol.Kind {
			continue
		}
		for _, e := range []*money.Amount{r.Min, r.Max} {
			if e != nil {
				edges = append(edges, *e)
			}
		}
	}
	slices.SortFunc(edges, func(a, b money.Amount) int { return a.Cmp(b) })
	out := make([]*money.Amount, 0, len(edges))
	for i := range edges {
		if i > 0 && edges[i].Cmp(edges[i-1]) == 0 {
			continue
		}
		out = append(out, &edges[i])
	}
	return out
}

// comparePaths are the organisation paths the lowering check compares at: every unit of
// the synced tree, no unit at all, and each unit the rules name that the tree lacks.
func (s *Service) comparePaths(ctx context.Context, rules ...[]Rule) ([][]string, error) {
	orgs, err := s.db.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	paths := [][]string{nil}
	known := map[string]bool{}
	for _, o := range orgs {
		paths = append(paths, o.Path)
		known[o.ID] = true
	}
	for _, rs := range rules {
		for _, r := range rs {
			if r.OrgUnitID != "" && !known[r.OrgUnitID] {
				known[r.OrgUnitID] = true
				paths = append(paths, []string{r.OrgUnitID})
			}
		}
	}
	return paths, nil
}
