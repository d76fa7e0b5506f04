package approval

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// What the drafting limits count, and when a draft goes over one:
//
//   - Money movements are transfers (transfer_funds) and recoveries (retrieve_funds):
//     the kinds that move cash or credit between the master and its sub-accounts. Coupon
//     moves are not counted: a coupon is moved whole, at its own face value, and draws
//     nothing on the master's funds.
//   - A requester's total of a period is the amounts of their movements drafted
//     (created) in it and not rejected, cancelled, expired or failed: whatever is still
//     waiting, about to move, moving, moved, or may have moved (unknown) counts, and what
//     was refused, withdrawn, lapsed or failed upstream frees its share again.
//   - A batch counts all its rows, against the requester's limits as one amount and
//     against each sub-account's cap row by row (earlier rows first).
//   - A sub-account's cap counts the transfers into it drafted in the month, by anyone,
//     in the same states.
//   - Periods are calendar days and months in Beijing time (Asia/Shanghai), the time
//     Huawei Cloud's China site bills in; a draft counts in the period it was created in.
//   - A draft goes over a limit when the period's total plus its amount is more than the
//     limit: reaching the limit exactly is allowed.
//   - Limits are checked inside the transaction that records the draft, under a lock per
//     requester and per capped sub-account (store.LockDraftLimit), taken after the
//     funds' locks and in one sorted order: concurrent drafts queue, and each one counts
//     every draft committed before it.
//   - A draft over a limit whose mode is "refuse" is refused with the figures. Otherwise
//     (every limit it goes over says "extra approval") it needs one approval more than its
//     policy asks, however many limits it goes over, and the operation keeps the figures
//     (LimitNote) for its page and audit trail.

// limitZone is Beijing time. China has kept UTC+8 without daylight saving since 1991,
// so the fixed zone is exact when the system has no time zone database.
var limitZone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// limitKinds are the kinds the limits count.
var limitKinds = []string{string(KindTransferFunds), string(KindRetrieveFunds)}

// limitFreedStates are the states whose movements no longer count.
var limitFreedStates = []string{string(StateRejected), string(StateCancelled), string(StateExpired), string(StateFailed)}

// LimitBreach is one limit a draft went over, with the figures (two-decimal strings).
type LimitBreach struct {
	Limit        string    `json:"limit"` // LimitDaily, LimitMonthly or LimitSubAccount
	Mode         LimitMode `json:"mode"`
	SubAccountID string    `json:"sub_account_id,omitempty"`
	Drafted      string    `json:"drafted"` // counted in the period before this draft
	Amount       string    `json:"amount"`  // this draft's (a batch's rows')
	Cap          string    `json:"cap"`
	Currency     string    `json:"currency"`
	line         int       // the batch row it refuses; 0: the whole draft
}

// Params are a breach's figures as a message shows them ("5,000.00 CNY").
func (b LimitBreach) Params() map[string]any {
	return map[string]any{"drafted": money.TextOf(b.Drafted, b.Currency), "amount": money.TextOf(b.Amount, b.Currency),
		"limit": money.TextOf(b.Cap, b.Currency), "sub_account": b.SubAccountID}
}

// MessageID is the refusal's message id ("op.err.limit_daily" …).
func (b LimitBreach) MessageID() string { return "op.err.limit_" + b.Limit }

// limitClaim is one movement about to be drafted, as the limits count it.
type limitClaim struct {
	kind   Kind
	sub    string
	amount money.Amount
	line   int // its batch row's line (0: a single draft)
}

// limitPeriods are the Beijing day and month holding now, as [from, to).
func limitPeriods(now time.Time) (day, month [2]time.Time) {
	t := now.In(limitZone)
	d0 := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, limitZone)
	m0 := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, limitZone)
	return [2]time.Time{d0, d0.AddDate(0, 0, 1)}, [2]time.Time{m0, m0.AddDate(0, 1, 0)}
}

// checkLimits applies the limits to the claims of one draft (a batch's rows) by
// requester at now, in tx: the breaches that add an approval (nil: none), or the
// refusal as a *ValidationError on the amount (batch false) or *BatchErrors.
func (s *Service) checkLimits(ctx context.Context, tx *store.DB, requester int64, claims []limitClaim, now time.Time, batch bool) ([]LimitBreach, error) {
	var counted []limitClaim
	for _, c := range claims {
		if slices.Contains(limitKinds, string(c.kind)) {
			counted = append(counted, c)
		}
	}
	if len(counted) == 0 {
		return nil, nil
	}
	def, err := s.limitDefaults(ctx, tx)
	if err != nil {
		return nil, err
	}
	daily, monthly := def.Daily, def.Monthly
	switch own, err := tx.UserDraftLimitByID(ctx, requester); {
	case err == nil:
		d, m, err := userLimits(own)
		if err != nil {
			return nil, err
		}
		if d != nil {
			daily = d
		}
		if m != nil {
			monthly = m
		}
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	caps := map[string]*money.Amount{}
	var locks []string
	if daily != nil || monthly != nil {
		locks = append(locks, "user:"+strconv.FormatInt(requester, 10))
	}
	for _, c := range counted {
		if _, seen := caps[c.sub]; seen || c.kind != KindTransferFunds {
			continue
		}
		var cp *money.Amount
		switch row, err := tx.InflowCapByID(ctx, c.sub); {
		case err == nil:
			if cp, err = storedLimit(&row.Monthly); err != nil {
				return nil, err
			}
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		caps[c.sub] = cp
		if cp != nil {
			locks = append(locks, "sub:"+c.sub)
		}
	}
	slices.Sort(locks)
	for _, k := range locks {
		if err := tx.LockDraftLimit(ctx, k); err != nil {
			return nil, err
		}
	}
	cur := money.DefaultCurrency
	total := money.Zero(cur)
	for _, c := range counted {
		total = total.Add(c.amount)
	}
	day, month := limitPeriods(now)
	var breaches []LimitBreach
	for _, l := range []struct {
		name   string
		cap    *money.Amount
		mode   LimitMode
		period [2]time.Time
	}{{LimitDaily, daily, def.DailyMode, day}, {LimitMonthly, monthly, def.MonthlyMode, month}} {
		if l.cap == nil {
			continue
		}
		d, err := tx.DraftedTotal(ctx, store.DraftedQuery{Kinds: limitKinds, RequestedBy: requester, ExceptStates: limitFreedStates,
			From: l.period[0], To: l.period[1]})
		if err != nil {
			return nil, err
		}
		if drafted := money.New(d, cur); drafted.Add(total).Cmp(*l.cap) > 0 {
			breaches = append(breaches, LimitBreach{Limit: l.name, Mode: l.mode, Drafted: drafted.String(), Amount: total.String(),
				Cap: l.cap.String(), Currency: cur})
		}
	}
	// Each capped sub-account's transfers, row after row.
	into := map[string]money.Amount{}
	reported := map[string]bool{}
	for _, c := range counted {
		cp := caps[c.sub]
		if c.kind != KindTransferFunds || cp == nil {
			continue
		}
		prev, ok := into[c.sub]
		if !ok {
			d, err := tx.DraftedTotal(ctx, store.DraftedQuery{Kinds: []string{string(KindTransferFunds)}, SubAccountID: c.sub,
				ExceptStates: limitFreedStates, From: month[0], To: month[1]})
			if err != nil {
				return nil, err
			}
			prev = money.New(d, cur)
		}
		into[c.sub] = prev.Add(c.amount)
		if !reported[c.sub] && prev.Add(c.amount).Cmp(*cp) > 0 {
			// Reported once, on the first row that goes over.
			reported[c.sub] = true
			breaches = append(breaches, LimitBreach{Limit: LimitSubAccount, Mode: def.SubAccountMode, SubAccountID: c.sub,
				Drafted: prev.String(), Amount: c.amount.String(), Cap: cp.String(), Currency: cur, line: c.line})
		}
	}
	return breaches, limitRefusal(breaches, batch)
}

// limitRefusal is the refusal of the breaches whose mode refuses (nil: none).
func limitRefusal(breaches []LimitBreach, batch bool) error {
	ve, be := &ValidationError{}, &BatchErrors{}
	for _, b := range breaches {
		if b.Mode == LimitExtraApproval {
			continue
		}
		ve.add("amount", b.MessageID(), b.Params())
		be.Rows = append(be.Rows, RowError{Line: b.line, Field: "amount", Message: b.MessageID(), Params: b.Params()})
	}
	switch {
	case len(be.Rows) == 0:
		return nil
	case batch:
		return be
	}
	return ve
}

// applyLimits checks a single draft's limits in its transaction; over a limit that adds
// an approval, row needs one more and keeps why.
func (s *Service) applyLimits(ctx context.Context, tx *store.DB, requester int64, row *store.Operation, amount *money.Amount, now time.Time) error {
	if amount == nil {
		return nil
	}
	breaches, err := s.checkLimits(ctx, tx, requester, []limitClaim{{kind: Kind(row.Kind), sub: row.SubAccountID, amount: *amount}}, now, false)
	if err != nil || len(breaches) == 0 {
		return err
	}
	note, err := json.Marshal(breaches)
	if err != nil {
		return err
	}
	row.RequiredApprovals++
	row.LimitNote = string(note)
	return nil
}

// applyBatchLimits is applyLimits for a batch: every row counts; over a limit that adds
// an approval, the batch and its rows need one more than required. It returns what the
// batch needs.
func (s *Service) applyBatchLimits(ctx context.Context, tx *store.DB, requester int64, required int, rows []BatchRow, ops []*store.Operation,
	b *store.OperationBatch, now time.Time) (int, error) {
	claims := make([]limitClaim, 0, len(ops))
	for i, o := range ops {
		amt, err := money.Parse(ptrString(o.Amount), money.DefaultCurrency)
		if err != nil {
			return required, err
		}
		claims = append(claims, limitClaim{kind: Kind(o.Kind), sub: o.SubAccountID, amount: amt, line: rows[i].Line})
	}
	breaches, err := s.checkLimits(ctx, tx, requester, claims, now, true)
	if err != nil || len(breaches) == 0 {
		return required, err
	}
	note, err := json.Marshal(breaches)
	if err != nil {
		return required, err
	}
	required++
	b.RequiredApprovals, b.LimitNote = required, string(note)
	for _, o := range ops {
		o.RequiredApprovals, o.LimitNote = required, string(note)
	}
	return required, nil
}

// limitNotes reads an operation's or batch's LimitNote.
func limitNotes(note string) []LimitBreach {
	if note == "" {
		return nil
	}
	var out []LimitBreach
	_ = json.Unmarshal([]byte(note), &out)
	return out
}
