package sandbox

import (
	"time"

	"github.com/shopspring/decimal"
)

// state is everything the simulated upstream knows. One mutex guards all of it: requests
// are short, and a single lock makes every rule (balances never negative, a trans_id moves
// money once) trivially true under concurrency.
type state struct {
	domainID string
	rootOrg  *org
	orgs     []*org
	orgByID  map[string]*org

	subs    []*subAccount
	subByID map[string]*subAccount

	masterDebit  decimal.Decimal // transferable debit balance of the master
	masterCredit []*ledger       // the master's credit ledgers, by expiry
	masterBonus  decimal.Decimal // reward balance, shown only in the master's own balances

	coupons    []*coupon
	couponByID map[string]*coupon
	cards      []*card

	resources []*resource
	resByID   map[string]*resource

	orders    []*order
	orderByID map[string]*order

	packages []*resourcePackage
	freeByID map[string]*freeResource

	catalog catalog

	transIDs  map[string]struct{}
	transRing []string // oldest first; bounds transIDs
	ledger    []LedgerEntry
	nextSeq   uint64 // for ids minted at run time (orders, sub-coupons)
}

// Bounds that keep a long-running sandbox's memory flat.
const (
	maxTransIDs     = 1_000_000 // de-duplication window
	maxLedgerLength = 100_000   // /_sandbox/ledger keeps the most recent entries
)

type org struct {
	id, relationID, name string
	parent               *org
	children             []*org
	depth                int
}

type subAccount struct {
	id, name, displayName string
	status                int
	org                   *org
	otherEntity           bool // another legal entity: coupons cannot move to it (CBC.99000086)
	debit                 decimal.Decimal
	credit                []*ledger
	subCoupons            []*subCoupon
}

// ledger is one credit line, keyed by its expiry (zero: never expires).
type ledger struct {
	expire       time.Time
	creditAmount decimal.Decimal // the line granted
	avail        decimal.Decimal // what can be transferred or recovered now
}

type couponLimit struct {
	id, key, value1, value2, unit, limitType, planID string
}

type coupon struct {
	id, plan          string
	balance           decimal.Decimal
	effective, expire time.Time
	limits            []couponLimit
}

type subCoupon struct {
	couponID, subCouponID string
	balance               decimal.Decimal
}

type card struct {
	id, name          string
	status            int // 1 usable, 2 used up
	face, balance     decimal.Decimal
	effective, expire time.Time
}

type resource struct {
	instanceID, resourceID, name, region     string
	serviceType, serviceTypeName             string
	resourceType, resourceTypeName, specCode string
	projectID, productID, parentID, specDesc string
	isMain                                   bool
	status                                   int // 2 in use, 3 closed, 4 frozen, 5 expired
	effective, expire, updated               time.Time
	expirePolicy                             int
	specSize                                 decimal.Decimal
	specSizeMeasure                          int
	children                                 []*resource
	renewedMonths                            int // periods bought by renewals, undone by unsubscribe type 2
	autoRenewTimes                           int
	autoRenewPeriod                          string
}

type orderLine struct {
	id, serviceType, serviceTypeName, productID, specDesc string
	periodType, periodNum                                 int
	effective, expire                                     time.Time
	amount                                                decimal.Decimal
}

type order struct {
	id, customerID, serviceType, serviceTypeName string
	status, orderType                            int // status 5 done, 6 to pay; type 1 new, 2 renew, 4 unsubscribe
	amount, official                             decimal.Decimal
	created, paid                                time.Time
	lines                                        []orderLine
	resources                                    []*resource
}

type resourcePackage struct {
	instanceID, orderID, productID, productName string
	serviceType, serviceTypeName, region        string
	effective, expire                           time.Time
	status                                      int
	free                                        []*freeResource
}

type freeResource struct {
	id, typeName, usageTypeName string
	original                    decimal.Decimal
	perDay                      decimal.Decimal // consumption: usage decreases over time
	measureID                   int
	start, end                  time.Time
}

// remaining is the unused quantity at now; it only goes down.
func (f *freeResource) remaining(now time.Time) decimal.Decimal {
	secs := int64(now.Sub(f.start) / time.Second)
	if secs < 0 {
		secs = 0
	}
	days := decimal.NewFromInt(secs).Div(decimal.NewFromInt(86400))
	left := f.original.Sub(f.perDay.Mul(days)).Round(2)
	if left.IsNegative() {
		return decimal.Zero
	}
	return left
}

// LedgerEntry is one applied money movement or coupon move, as /_sandbox/ledger shows it.
type LedgerEntry struct {
	TransID     string    `json:"trans_id"`
	Kind        string    `json:"kind"` // transfer, retrieve, transfer_coupon, retrieve_coupon
	CustomerID  string    `json:"customer_id"`
	Amount      string    `json:"amount"`
	BalanceType string    `json:"balance_type,omitempty"`
	Time        time.Time `json:"time"`
}

// rememberTransID records a used trans_id; the oldest leaves the window when it is full.
func (st *state) rememberTransID(id string) {
	st.transIDs[id] = struct{}{}
	st.transRing = append(st.transRing, id)
	if len(st.transRing) > maxTransIDs {
		delete(st.transIDs, st.transRing[0])
		st.transRing = st.transRing[1:]
	}
}

func (st *state) appendLedger(e LedgerEntry) {
	st.ledger = append(st.ledger, e)
	if len(st.ledger) > maxLedgerLength {
		st.ledger = append(st.ledger[:0:0], st.ledger[len(st.ledger)-maxLedgerLength:]...)
	}
}

// creditLedger finds the ledger with the given expiry (zero: the one that never expires).
func creditLedger(ls []*ledger, expire time.Time) *ledger {
	for _, l := range ls {
		if l.expire.Equal(expire) {
			return l
		}
	}
	return nil
}
