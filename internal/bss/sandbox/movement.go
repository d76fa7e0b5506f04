package sandbox

import (
	"net/http"
	"time"

	"github.com/shopspring/decimal"
)

// Money movements: transfers and recoveries between the master and a sub-account, and
// coupon moves. The upstream serialises them per master account (CBC.99007461 while one is
// running) and de-duplicates them by trans_id (CBC.99007009, with no second movement).

const (
	kindTransfer       = "transfer"
	kindRetrieve       = "retrieve"
	kindTransferCoupon = "transfer_coupon"
	kindRetrieveCoupon = "retrieve_coupon"
)

type movement struct {
	kind, customerID, amount, transID, balanceType, expire string
	maxTransID                                             int
	// legacy: the v1.0 operation, which requires transId and lets a credit recovery
	// exceed the sub-account's credit balance.
	legacy bool
}

// beginMovement claims the master's single movement slot and holds it for the configured
// processing time, so that tests and demos can observe CBC.99007461.
func (s *Server) beginMovement(r *http.Request) (func(), *apiError) {
	if !s.moving.CompareAndSwap(false, true) {
		return nil, refuse("CBC.99007461", "Another transfer or recovery is in progress for this account. Try again later.")
	}
	if d := s.faults.movementDelay(); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	return func() { s.moving.Store(false) }, nil
}

func validTransID(id string, max int) *apiError {
	if id == "" || len(id) > max {
		return badParam("trans_id is required and at most %d characters", max)
	}
	return nil
}

// v2TransID applies the v2 rule: at most 32 characters, and optional: when the caller
// sends none (absent, null or ""), the service generates one, so such a call is never
// de-duplicated. (The legacy operations require transId.)
func v2TransID(id string) (string, *apiError) {
	if id == "" {
		return newRequestID(), nil
	}
	return id, validTransID(id, 32)
}

func (s *Server) move(r *http.Request, m movement) *apiError {
	if m.customerID == "" {
		return badParam("customer_id is required")
	}
	amount, e := parseMoveAmount(m.amount)
	if e != nil {
		return e
	}
	if m.legacy {
		e = validTransID(m.transID, m.maxTransID)
	} else {
		m.transID, e = v2TransID(m.transID)
	}
	if e != nil {
		return e
	}
	if m.balanceType == "" {
		m.balanceType = balanceDebit
	}
	if e := checkBalanceType(m.balanceType); e != nil {
		return e
	}
	expire, e := parseTime(m.expire)
	if e != nil {
		return e
	}
	if m.balanceType == balanceDebit && m.expire != "" {
		return badParam("expire_time is only for credit balances")
	}
	done, e := s.beginMovement(r)
	if e != nil {
		return e
	}
	defer done()

	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if _, dup := st.transIDs[m.transID]; dup {
		return refuse("CBC.99007009", "The transaction ID already exists.")
	}
	sa, e := st.movableSub(m.customerID)
	if e != nil {
		return e
	}
	now := s.now()
	if m.balanceType == balanceDebit {
		from, to := &st.masterDebit, &sa.debit
		if m.kind == kindRetrieve {
			from, to = to, from
		}
		if from.LessThan(amount) {
			return insufficient(m.kind)
		}
		*from, *to = from.Sub(amount), to.Add(amount)
	} else {
		if e := st.moveCredit(m.kind, sa, amount, expire, now, m.legacy); e != nil {
			return e
		}
	}
	st.rememberTransID(m.transID)
	st.appendLedger(LedgerEntry{TransID: m.transID, Kind: m.kind, CustomerID: sa.id, Amount: amount.StringFixed(2), BalanceType: m.balanceType, Time: now.UTC()})
	return nil
}

func insufficient(kind string) *apiError {
	if kind == kindRetrieve {
		return refuse("CBC.99005003", "Insufficient balance: the amount exceeds what can be recovered from the sub-account.")
	}
	return refuse("CBC.99005003", "Insufficient balance.")
}

// movableSub finds a sub-account that money may move to or from.
func (st *state) movableSub(id string) (*subAccount, *apiError) {
	sa, ok := st.subByID[id]
	if !ok {
		return nil, refuse("CBC.99000047", "The account does not exist.")
	}
	switch sa.status {
	case 1:
		return sa, nil
	case 3, 4:
		return nil, refuse("CBC.99003626", "The account has been frozen or closed.")
	default:
		return nil, refuse("CBC.99007004", "Business check failed: the sub-account is not active yet.")
	}
}

// moveCredit moves credit between the master's and the sub-account's ledger of the same
// expiry. expire_time is required exactly when that ledger expires. A v2 recovery may
// take at most the sub-account's credit balance; a legacy one may take back all of the
// credit granted (its credit amount), more than the balance, leaving the sub-account in
// arrears (the old API's documentation warns of exactly that).
func (st *state) moveCredit(kind string, sa *subAccount, amount decimal.Decimal, expire, now time.Time, legacy bool) *apiError {
	if !expire.IsZero() && expire.Before(now) {
		return refuse("CBC.99007181", "The credit validity period has expired.")
	}
	master := creditLedger(st.masterCredit, expire)
	if master == nil {
		if expire.IsZero() {
			return badParam("expire_time is required for this credit balance")
		}
		return badParam("no credit balance expires at expire_time")
	}
	sub := creditLedger(sa.credit, expire)
	if kind == kindTransfer {
		if master.avail.LessThan(amount) {
			return insufficient(kind)
		}
		if sub == nil {
			sub = &ledger{expire: expire}
			sa.credit = append(sa.credit, sub)
		}
		master.avail = master.avail.Sub(amount)
		sub.avail = sub.avail.Add(amount)
		sub.creditAmount = sub.creditAmount.Add(amount)
		return nil
	}
	limit := decimal.Zero
	if sub != nil {
		limit = sub.avail
		if legacy {
			limit = decimal.Max(sub.avail, sub.creditAmount)
		}
	}
	if sub == nil || limit.LessThan(amount) {
		return insufficient(kind)
	}
	sub.avail = sub.avail.Sub(amount)
	sub.creditAmount = sub.creditAmount.Sub(amount)
	master.avail = master.avail.Add(amount)
	return nil
}
