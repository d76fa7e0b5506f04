package approval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// Proposed top-ups: for the sub-accounts that run out within Below days, what brings each
// to Target days at its daily burn, rounded up to Step, within what each master has free;
// drafted as one batch of transfers that goes through the normal approval (CreateBatch).
//
// The rules, in order:
//  1. Accounts: active sub-accounts in the actor's scope (in SQL) whose stored runway is
//     estimated and shorter than Below days (store.SubAccountFilter.RunwayBelow), soonest
//     out first.
//  2. Need: forecast.Runway.Needed(Target) — daily burn × Target − what it has — less
//     the transfers to it already waiting (pending, approved, executing or unknown), so
//     that proposing twice never pays twice. Nothing needed: the account is left out.
//  3. Amount: the need rounded up to a multiple of Step (a top-up of 100s, not 1,234.56).
//  4. Free funds, per master: the master's free cash (Funds: its transferable debit less
//     the movements that reserve it). When the amounts of its accounts add up to more,
//     the excess is taken from the accounts with the longest runway first (they can
//     wait), each cut by whole Steps, so amounts stay multiples of Step and the total
//     fits; an account cut to zero is left out. A master whose amounts were never read
//     has nothing free.

// Top-up defaults and bounds.
const (
	DefaultTopUpBelow  = 14
	DefaultTopUpTarget = 30
	DefaultTopUpStep   = "100.00"
	maxTopUpDays       = 365
)

// TopUpRequest is what the page asks for; zero values take the defaults.
type TopUpRequest struct {
	Below  int    // accounts that run out within this many days
	Target int    // bring each to this many days of runway
	Step   string // round each amount up to a multiple of this
	Master string // only this master's accounts ("" = every master)
}

// TopUpNote says why an account's amount is not its rounded need.
type TopUpNote string

const (
	TopUpTrimmed  TopUpNote = "trimmed"  // cut to fit in the master's free funds
	TopUpDropped  TopUpNote = "dropped"  // cut to nothing
	TopUpNoMaster TopUpNote = "inactive" // its master is no longer configured
)

// TopUpRow is one account of a proposal.
type TopUpRow struct {
	SubAccount store.SubAccount
	Days       decimal.Decimal // its runway now
	Burn       decimal.Decimal // its daily burn
	Waiting    money.Amount    // transfers to it not settled yet
	Needed     money.Amount    // what brings it to Target days (less Waiting)
	Rounded    money.Amount    // Needed rounded up to Step
	Amount     money.Amount    // what the batch transfers; zero when left out
	Note       TopUpNote
}

// TopUpMaster is one master's side of a proposal.
type TopUpMaster struct {
	Master string
	Free   money.Amount // free for transfers now
	AsOf   *time.Time   // when its amounts were read; nil: never
	Asked  money.Amount // the rounded amounts of its accounts
	Total  money.Amount // after trimming
	Short  bool         // Asked exceeds Free: amounts were trimmed
}

// TopUpProposal is the preview: the accounts with their amounts, each master's funds,
// and the rows of the batch it drafts.
type TopUpProposal struct {
	Request TopUpRequest // as applied (defaults filled in)
	Step    money.Amount
	Rows    []TopUpRow // soonest out first
	Masters []TopUpMaster
	Total   money.Amount
	Batch   []BatchRow // the rows with an amount, in Rows' order
}

// ProposeTopUps computes the proposal for req within a's scope; nothing is created (the
// page drafts Batch with CreateBatch). Bad parameters are a *ValidationError on "below",
// "target" or "step".
func (s *Service) ProposeTopUps(ctx context.Context, a Actor, req TopUpRequest) (TopUpProposal, error) {
	var p TopUpProposal
	if !authz.Allowed(a.Subject(), authz.CreateOperation, authz.Target{}) {
		return p, ErrForbidden
	}
	req, step, err := req.normalised()
	if err != nil {
		return p, err
	}
	p.Request, p.Step, p.Total = req, step, money.Zero(money.DefaultCurrency)
	var rows []TopUpRow
	f := store.SubAccountFilter{RunwayBelow: req.Below, Status: int(bss.SubAccountNormal), Sort: store.SortRunway, MasterAccountID: req.Master}
	err = s.db.ForEachSubAccount(ctx, authz.ScopeOf(a.Subject()), f, func(sa store.SubAccount) error {
		rows = append(rows, TopUpRow{SubAccount: sa, Days: sa.Runway.Days, Burn: sa.Runway.Burn})
		if len(rows) > MaxBatchRows {
			return errTooManyTopUps
		}
		return nil
	})
	if errors.Is(err, errTooManyTopUps) {
		ve := &ValidationError{}
		ve.add("below", "op.err.csv_too_many_rows", map[string]any{"max": MaxBatchRows})
		return p, ve
	}
	if err != nil {
		return p, err
	}
	waiting, err := s.waitingTransfers(ctx)
	if err != nil {
		return p, err
	}
	live := map[string]bool{}
	masters := map[string]*TopUpMaster{}
	for i := range rows {
		r := &rows[i]
		r.Waiting = usedOr(waiting, r.SubAccount.ID)
		fr := forecast.Runway{State: forecast.Estimated, Available: r.SubAccount.Total.Decimal(), DailyBurn: r.Burn, Days: r.Days}
		need := fr.Needed(req.Target).Sub(r.Waiting.Decimal())
		r.Needed, r.Rounded, r.Amount = money.Zero(""), money.Zero(""), money.Zero("")
		if !need.IsPositive() {
			continue
		}
		r.Needed = money.New(need.RoundCeil(2), "")
		r.Rounded = money.New(roundUp(need, step.Decimal()), "")
		master := s.masterOf(&r.SubAccount)
		gone := &ValidationError{}
		if err := s.checkMasterLive(ctx, master, "sub_account_id", gone, live); err != nil {
			return p, err
		}
		if len(gone.Fields) > 0 {
			r.Note = TopUpNoMaster // drafting to it would be refused
			continue
		}
		m, ok := masters[master]
		if !ok {
			fu, err := s.fundsOf(ctx, s.db, KindTransferFunds, master, nil, BalanceDebit, nil)
			if err != nil {
				return p, err
			}
			free := fu.Free
			if fu.AsOf == nil {
				free = money.Zero("")
			}
			m = &TopUpMaster{Master: master, Free: free, AsOf: fu.AsOf, Asked: money.Zero(""), Total: money.Zero("")}
			masters[master] = m
		}
		r.Amount = r.Rounded
		m.Asked = m.Asked.Add(r.Rounded)
	}
	for _, m := range masters {
		trim(rows, m, step.Decimal(), s.masterOf)
		p.Masters = append(p.Masters, *m)
	}
	slices.SortFunc(p.Masters, func(x, y TopUpMaster) int { return strings.Compare(x.Master, y.Master) })
	for _, r := range rows {
		if r.Rounded.IsZero() {
			continue // nothing needed: not part of the proposal
		}
		p.Rows = append(p.Rows, r)
		if r.Amount.IsPositive() {
			p.Total = p.Total.Add(r.Amount)
			p.Batch = append(p.Batch, BatchRow{Line: len(p.Batch) + 1, SubAccount: r.SubAccount.ID, SubAccountID: r.SubAccount.ID,
				Amount: r.Amount.String(), BalanceType: BalanceDebit})
		}
	}
	return p, nil
}

// errTooManyTopUps stops the walk past a batch's size.
var errTooManyTopUps = errors.New("approval: more top-ups than a batch holds")

// trim fits the amounts of m's accounts in its free funds: the excess comes off the
// longest runways first, by whole steps (rule 4 above).
func trim(rows []TopUpRow, m *TopUpMaster, step decimal.Decimal, masterOf func(*store.SubAccount) string) {
	free := m.Free.Decimal()
	if free.IsNegative() {
		free = decimal.Zero
	}
	excess := m.Asked.Decimal().Sub(free)
	m.Short = excess.IsPositive()
	// rows are soonest out first: from the end is the longest runway first.
	for i := len(rows) - 1; i >= 0 && excess.IsPositive(); i-- {
		r := &rows[i]
		if !r.Amount.IsPositive() || masterOf(&r.SubAccount) != m.Master {
			continue
		}
		cut := decimal.Min(r.Amount.Decimal(), roundUp(excess, step))
		r.Amount = money.New(r.Amount.Decimal().Sub(cut), "")
		excess = excess.Sub(cut)
		r.Note = TopUpTrimmed
		if !r.Amount.IsPositive() {
			r.Note = TopUpDropped
		}
	}
	for _, r := range rows {
		if r.Amount.IsPositive() && masterOf(&r.SubAccount) == m.Master {
			m.Total = m.Total.Add(r.Amount)
		}
	}
}

// roundUp is v rounded up to a multiple of step.
func roundUp(v, step decimal.Decimal) decimal.Decimal {
	return v.Div(step).Ceil().Mul(step)
}

// waitingTransfers adds up, per sub-account, the transfers to it not settled yet.
func (s *Service) waitingTransfers(ctx context.Context) (map[string]money.Amount, error) {
	ops, err := s.db.ReservingMovements(ctx, store.MovementQuery{Kind: string(KindTransferFunds), States: reservingStates})
	if err != nil {
		return nil, err
	}
	out := map[string]money.Amount{}
	for _, o := range ops {
		if o.Amount == nil {
			continue
		}
		if a, err := money.Parse(*o.Amount, money.DefaultCurrency); err == nil {
			out[o.SubAccountID] = usedOr(out, o.SubAccountID).Add(a)
		}
	}
	return out, nil
}

// normalised fills in the defaults and checks the bounds.
func (r TopUpRequest) normalised() (TopUpRequest, money.Amount, error) {
	if r.Below == 0 {
		r.Below = DefaultTopUpBelow
	}
	if r.Target == 0 {
		r.Target = DefaultTopUpTarget
	}
	if strings.TrimSpace(r.Step) == "" {
		r.Step = DefaultTopUpStep
	}
	r.Master = strings.TrimSpace(r.Master)
	ve := &ValidationError{}
	if r.Below < 1 || r.Below > maxTopUpDays {
		ve.add("below", "topup.err.days", map[string]any{"max": strconv.Itoa(maxTopUpDays)})
	}
	switch {
	case r.Target < 1 || r.Target > maxTopUpDays:
		ve.add("target", "topup.err.days", map[string]any{"max": strconv.Itoa(maxTopUpDays)})
	case r.Target < r.Below:
		ve.add("target", "topup.err.target_below", nil)
	}
	step, err := money.Parse(strings.TrimSpace(r.Step), money.DefaultCurrency)
	if err != nil {
		ve.add("step", amountError(err), nil)
	} else {
		r.Step = step.String()
	}
	return r, step, ve.orNil()
}

// Fingerprint names the batch a proposal drafts (its accounts and amounts, in order): the
// page carries it from the preview to the submit, which drafts only when the proposal
// computed again is the one that was shown.
func (p TopUpProposal) Fingerprint() string {
	h := sha256.New()
	for _, r := range p.Batch {
		fmt.Fprintf(h, "%s=%s;", r.SubAccountID, r.Amount)
	}
	return hex.EncodeToString(h.Sum(nil))
}
