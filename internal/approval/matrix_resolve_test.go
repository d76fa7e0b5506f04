package approval_test

import (
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/money"
)

// rule is a transfer rule on unit with the band [min, max) ("" = open) needing one
// level of n approvals from group g.
func rule(id int64, unit, min, max string, n int, g int64) approval.Rule {
	r := approval.Rule{ID: id, Version: 1, Kind: approval.KindTransferFunds, OrgUnitID: unit,
		Levels: []approval.Level{{Count: n, GroupID: g}}}
	if min != "" {
		r.Min = amt(min)
	}
	if max != "" {
		r.Max = amt(max)
	}
	return r
}

func transferPolicy() approval.Policy {
	two := yuan("10000.00")
	return approval.Policy{Kind: approval.KindTransferFunds, NeedsApproval: true, TwoApproversAbove: &two, Expiry: 72 * time.Hour}
}

// TestResolveTable: the matrix's answer for an operation, by organisation path and
// amount — inheritance down the tree, bands [min, max), the most specific rule winning
// (deepest unit, then narrowest band, then the stricter, then the older), the policy as
// the root rule where nothing matches, and the reason each rule got.
func TestResolveTable(t *testing.T) {
	// The tree: root › east › east-ops; root › west.
	eastOps := []string{"root", "east", "east-ops"}
	east := []string{"root", "east"}
	west := []string{"root", "west"}
	global := rule(1, "", "", "", 1, 10)             // every unit, every amount
	eastAll := rule(2, "east", "", "", 2, 20)        // east and below
	eastBig := rule(3, "east", "5000.00", "", 3, 30) // east, from 5,000.00
	eastMid := rule(4, "east", "1000.00", "20000.00", 2, 40)
	opsSmall := rule(5, "east-ops", "", "100.00", 1, 50) // east-ops, under 100.00
	rules := []approval.Rule{global, eastAll, eastBig, eastMid, opsSmall}

	cases := []struct {
		name     string
		rules    []approval.Rule
		path     []string
		amount   *money.Amount
		wantRule int64 // 0: the policy
		wantReq  int
		why      string
		verdicts map[int64]approval.Verdict
	}{
		{"no rules: the policy under its threshold", nil, east, amt("50.00"), 0, 1, approval.WhyPolicy, nil},
		{"no rules: the policy from its threshold", nil, east, amt("10000.00"), 0, 2, approval.WhyPolicy, nil},
		{"the global rule alone where nothing deeper exists", rules, west, amt("50.00"), 1, 1, approval.WhyOnly,
			map[int64]approval.Verdict{2: approval.VerdictOtherUnit, 5: approval.VerdictOtherUnit}},
		{"a unit's rule is inherited by the units below it", rules, eastOps, amt("500.00"), 2, 2, approval.WhyDeepest,
			map[int64]approval.Verdict{1: approval.VerdictDeeperUnit, 3: approval.VerdictOutsideBand, 5: approval.VerdictOutsideBand}},
		{"the deepest unit wins over a wider one", rules, eastOps, amt("99.99"), 5, 1, approval.WhyDeepest,
			map[int64]approval.Verdict{2: approval.VerdictDeeperUnit, 1: approval.VerdictDeeperUnit}},
		{"a band's maximum is outside it", rules, eastOps, amt("100.00"), 2, 2, approval.WhyDeepest,
			map[int64]approval.Verdict{5: approval.VerdictOutsideBand}},
		{"on one unit the narrowest band wins", rules, east, amt("7000.00"), 4, 2, approval.WhyNarrowest,
			map[int64]approval.Verdict{3: approval.VerdictNarrowerBand, 2: approval.VerdictNarrowerBand, 1: approval.VerdictDeeperUnit}},
		{"a band's minimum is inside it", rules, east, amt("5000.00"), 4, 2, approval.WhyNarrowest, nil},
		{"an open band with a higher minimum is narrower", rules, east, amt("25000.00"), 3, 3, approval.WhyNarrowest,
			map[int64]approval.Verdict{4: approval.VerdictOutsideBand, 2: approval.VerdictNarrowerBand}},
		{"outside every unit only the global rule applies", rules, nil, amt("25000.00"), 1, 1, approval.WhyOnly, nil},
		{"a band below the amount leaves the policy", []approval.Rule{rule(7, "east", "", "100.00", 1, 0)}, east, amt("20000.00"), 0, 2,
			approval.WhyPolicy, map[int64]approval.Verdict{7: approval.VerdictOutsideBand}},
		{"a tie on unit and band width goes to the stricter rule",
			[]approval.Rule{rule(8, "east", "0.01", "100.00", 1, 0), rule(9, "east", "50.00", "149.99", 2, 0)}, east, amt("75.00"), 9, 2, approval.WhyTie,
			map[int64]approval.Verdict{8: approval.VerdictTie}},
		{"an equally strict tie goes to the older rule",
			[]approval.Rule{rule(11, "east", "50.00", "149.99", 2, 0), rule(10, "east", "0.01", "100.00", 2, 0)}, east, amt("75.00"), 10, 2, approval.WhyTie, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := approval.Resolve(c.rules, transferPolicy(), c.path, c.amount)
			got := int64(0)
			if res.Rule != nil {
				got = res.Rule.ID
			}
			if got != c.wantRule || res.Route.Required() != c.wantReq || res.Why != c.why || res.Route.RuleID != got {
				t.Fatalf("rule %d needing %d (%s), want rule %d needing %d (%s)", got, res.Route.Required(), res.Why, c.wantRule, c.wantReq, c.why)
			}
			if len(res.Candidates) != len(c.rules) {
				t.Fatalf("%d candidates for %d rules", len(res.Candidates), len(c.rules))
			}
			for _, cand := range res.Candidates {
				if (cand.Verdict == approval.VerdictApplies) != (cand.Rule.ID == c.wantRule) {
					t.Errorf("rule %d: %s", cand.Rule.ID, cand.Verdict)
				}
				if want, ok := c.verdicts[cand.Rule.ID]; ok && cand.Verdict != want {
					t.Errorf("rule %d: %s, want %s", cand.Rule.ID, cand.Verdict, want)
				}
			}
		})
	}
}

// TestResolveWithoutAmount: a kind that moves no money never matches a banded rule, and a
// policy that needs no approval gives an empty route.
func TestResolveWithoutAmount(t *testing.T) {
	pol := approval.Policy{Kind: approval.KindAutoRenew, NeedsApproval: false, Expiry: time.Hour}
	banded := approval.Rule{ID: 1, Kind: approval.KindAutoRenew, Min: amt("1.00"), Levels: []approval.Level{{Count: 3}}}
	res := approval.Resolve([]approval.Rule{banded}, pol, []string{"root"}, nil)
	if res.Rule != nil || res.Route.Required() != 0 || res.Why != approval.WhyPolicyNone || res.Candidates[0].Verdict != approval.VerdictNoAmount {
		t.Fatalf("banded rule without an amount: %+v", res)
	}
	open := approval.Rule{ID: 2, Kind: approval.KindAutoRenew, Levels: []approval.Level{{Count: 1, GroupID: 4}, {Count: 1, GroupID: 5}}, Sequential: true}
	res = approval.Resolve([]approval.Rule{banded, open}, pol, []string{"root"}, nil)
	if res.Rule == nil || res.Rule.ID != 2 || res.Route.Required() != 2 || !res.Route.Sequential || len(res.Route.Levels) != 2 {
		t.Fatalf("a rule without a band applies without an amount: %+v", res)
	}
	// Rules of another kind are not candidates.
	if res := approval.Resolve([]approval.Rule{rule(3, "", "", "", 5, 0)}, pol, nil, nil); len(res.Candidates) != 0 || res.Rule != nil {
		t.Fatalf("another kind's rule: %+v", res)
	}
}
