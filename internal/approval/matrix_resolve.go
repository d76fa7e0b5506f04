package approval

import (
	"cmp"
	"context"
	"slices"

	"github.com/purser-finance/purser/internal/money"
)

// Verdict says what became of one rule when the matrix was resolved for an operation.
type Verdict string

// The verdicts. A rule either applies, lost to one that applies (deeper unit, narrower
// band, a tie), or does not match at all (its unit is not on the path, the amount is
// outside its band, the operation has no amount and the rule a band).
const (
	VerdictApplies      Verdict = "applies"
	VerdictDeeperUnit   Verdict = "deeper_unit"
	VerdictNarrowerBand Verdict = "narrower_band"
	VerdictTie          Verdict = "tie"
	VerdictOtherUnit    Verdict = "other_unit"
	VerdictOutsideBand  Verdict = "outside_band"
	VerdictNoAmount     Verdict = "no_amount"
)

// Why the route is what it is: the message ids of Resolution.Why.
const (
	WhyPolicy     = "matrix.why.policy"      // no rule matches: the kind's policy
	WhyPolicyNone = "matrix.why.policy_none" // … and it needs no approval
	WhyOnly       = "matrix.why.only"        // the one rule that matches
	WhyDeepest    = "matrix.why.deepest"     // the deepest unit on the path with a rule
	WhyNarrowest  = "matrix.why.narrowest"   // same unit: the narrowest band
	WhyTie        = "matrix.why.tie"         // same unit and band width: the stricter, then the older
)

// Candidate is one rule of the kind and its verdict.
type Candidate struct {
	Rule    Rule
	Verdict Verdict
}

// Resolution is the route the matrix gives an operation, and why: the rule that applies
// (nil: the kind's policy), the message id of the reason, and every rule of the kind with
// its verdict, in the order they rank (matching rules first).
type Resolution struct {
	Route      Route
	Rule       *Rule
	Policy     Policy
	Why        string
	Candidates []Candidate
}

// Resolve is the matrix's answer for an operation of pol's kind on orgPath (root first)
// with amount (nil: none): the most specific matching rule, or the policy as the root
// rule (see the design in matrix.go). Rules of other kinds are ignored.
func Resolve(rules []Rule, pol Policy, orgPath []string, amount *money.Amount) Resolution {
	var matched []Rule
	var out []Candidate
	for _, r := range rules {
		if r.Kind != pol.Kind {
			continue
		}
		switch {
		case r.OrgUnitID != "" && !slices.Contains(orgPath, r.OrgUnitID):
			out = append(out, Candidate{Rule: r, Verdict: VerdictOtherUnit})
		case amount == nil && (r.Min != nil || r.Max != nil):
			out = append(out, Candidate{Rule: r, Verdict: VerdictNoAmount})
		case amount != nil && ((r.Min != nil && amount.Cmp(*r.Min) < 0) || (r.Max != nil && amount.Cmp(*r.Max) >= 0)):
			out = append(out, Candidate{Rule: r, Verdict: VerdictOutsideBand})
		default:
			matched = append(matched, r)
		}
	}
	res := Resolution{Policy: pol}
	if len(matched) == 0 {
		res.Why = WhyPolicy
		if n := requiredApprovals(pol, amount); n > 0 {
			res.Route = Route{Levels: []Level{{Count: n}}}
		} else {
			res.Why = WhyPolicyNone
		}
		res.Candidates = out
		return res
	}
	slices.SortStableFunc(matched, func(a, b Rule) int { return rank(a, b, orgPath) })
	win := matched[0]
	res.Rule, res.Route = &win, win.route()
	ranked := []Candidate{{Rule: win, Verdict: VerdictApplies}}
	for _, r := range matched[1:] {
		ranked = append(ranked, Candidate{Rule: r, Verdict: outranked(win, r, orgPath)})
	}
	res.Why = WhyOnly
	if len(matched) > 1 {
		res.Why = map[Verdict]string{VerdictDeeperUnit: WhyDeepest, VerdictNarrowerBand: WhyNarrowest, VerdictTie: WhyTie}[ranked[1].Verdict]
	}
	res.Candidates = append(ranked, out...)
	return res
}

// depth is the rule's unit's place on the path (-1: every unit).
func depth(r Rule, orgPath []string) int {
	if r.OrgUnitID == "" {
		return -1
	}
	return slices.Index(orgPath, r.OrgUnitID)
}

// rank orders matching rules, the one that applies first.
func rank(a, b Rule, orgPath []string) int {
	return cmp.Or(
		cmp.Compare(depth(b, orgPath), depth(a, orgPath)),
		narrower(a, b),
		cmp.Compare(b.Required(), a.Required()),
		cmp.Compare(a.ID, b.ID),
	)
}

// outranked is why loser does not apply where win does.
func outranked(win, loser Rule, orgPath []string) Verdict {
	switch {
	case depth(win, orgPath) != depth(loser, orgPath):
		return VerdictDeeperUnit
	case narrower(win, loser) != 0:
		return VerdictNarrowerBand
	}
	return VerdictTie
}

// narrower compares bands: -1 when a's is narrower than b's. A band bounded on both sides
// is narrower than one open above; two bounded bands compare by width; two bands open
// above by their minimum (the higher is narrower; no minimum is the lowest).
func narrower(a, b Rule) int {
	switch {
	case a.Max != nil && b.Max == nil:
		return -1
	case a.Max == nil && b.Max != nil:
		return 1
	case a.Max != nil:
		return width(a).Cmp(width(b))
	}
	return cmp.Compare(minOf(b).Cmp(minOf(a)), 0)
}

func minOf(r Rule) money.Amount {
	if r.Min == nil {
		return money.Zero(money.DefaultCurrency)
	}
	return *r.Min
}

func width(r Rule) money.Amount { return r.Max.Sub(minOf(r)) }

// stricter reports whether route a asks more than b: more approvals, then more levels,
// then in order. A batch takes the strictest of its rows' routes.
func stricter(a, b Route) bool {
	if a.Required() != b.Required() {
		return a.Required() > b.Required()
	}
	if len(a.Levels) != len(b.Levels) {
		return len(a.Levels) > len(b.Levels)
	}
	return a.Sequential && !b.Sequential
}

// rules reads the matrix's rules of kind ("" = every kind).
func (s *Service) rules(ctx context.Context, kind Kind) ([]Rule, error) {
	rows, err := s.db.ApprovalRules(ctx, string(kind))
	if err != nil {
		return nil, err
	}
	out := make([]Rule, len(rows))
	for i, r := range rows {
		out[i] = ruleFromRow(r)
	}
	return out, nil
}

// ResolveRule is the matrix's answer, as it stands now, for an operation of kind on
// orgPath with amount (nil: none).
func (s *Service) ResolveRule(ctx context.Context, kind Kind, orgPath []string, amount *money.Amount) (Resolution, error) {
	pol, err := s.policy(ctx, kind)
	if err != nil {
		return Resolution{}, err
	}
	rules, err := s.rules(ctx, kind)
	if err != nil {
		return Resolution{}, err
	}
	return Resolve(rules, pol, orgPath, amount), nil
}

// batchResolution is the route of a batch: the strictest of the rules resolved for each
// organisation path among its rows, at the batch's total.
func (s *Service) batchResolution(ctx context.Context, kind Kind, paths [][]string, total money.Amount) (Resolution, error) {
	pol, err := s.policy(ctx, kind)
	if err != nil {
		return Resolution{}, err
	}
	rules, err := s.rules(ctx, kind)
	if err != nil {
		return Resolution{}, err
	}
	if len(paths) == 0 {
		paths = [][]string{nil}
	}
	var best Resolution
	for i, p := range paths {
		r := Resolve(rules, pol, p, &total)
		if i == 0 || stricter(r.Route, best.Route) {
			best = r
		}
	}
	return best, nil
}
