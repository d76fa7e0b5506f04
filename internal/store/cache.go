package store

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
)

// The synced cache: what Purser last read from the upstream, so that pages never wait
// for it. Sync (internal/cachesync) writes these rows; pages and the JSON API read them. Every
// row carries when it was synced; a failed refresh keeps the last good data and marks it
// stale. Money columns are NUMERIC(20,2) (TEXT holding a decimal on SQLite).

// Organization is one unit of the enterprise organisation tree.
type Organization struct {
	ID       string
	Name     string
	ParentID string // "" for the root
	// Path lists the ids from the root down to this unit (inclusive); org scopes cover a
	// unit and everything whose Path contains it.
	Path     []string
	Depth    int       // root = 0
	SyncedAt time.Time // when a sync last found it changed (or new)
}

// CreditLine is one credit ledger of an account: what can be recovered (or transferred)
// from it, and when it expires (nil: never).
type CreditLine struct {
	Available    money.Amount
	CreditAmount money.Amount
	ExpireTime   *time.Time
}

// SubAccount is a cached enterprise sub-account with its recoverable balances.
type SubAccount struct {
	ID          string
	Name        string
	DisplayName string
	Status      int // bss.SubAccountStatus values
	OrgID       string
	OrgName     string
	OrgPath     []string // the unit's Path; empty when the unit is unknown

	Debit    money.Amount // recoverable debit (cash) amount
	Credit   money.Amount // sum of the recoverable credit lines
	Total    money.Amount // Debit + Credit: what "sort by balance" sorts on
	Currency string
	Credits  []CreditLine // filled by SubAccountByID only

	// LowBalanceThreshold is this sub-account's own alert level; nil uses the default.
	LowBalanceThreshold *money.Amount

	SyncedAt         time.Time  // the row (name, status, org) was last confirmed
	BalancesSyncedAt *time.Time // nil until its balances were read once
	Stale            bool       // the last refresh of its balances failed
	LastError        string     // why, for the page (an upstream code, never a secret)
	// MasterAccountID is the domain id of the master account the sub-account belongs to
	// ("" for a row cached before multi-master and not yet adopted by a sync).
	MasterAccountID string
	// Runway is how long its money lasts, as computed after its last balance sync.
	Runway Runway
	// runwayKey is the "days left" sort key as read (the cursor of that sort).
	runwayKey int64
}

// Sub-account list sort orders.
const (
	SortName        = "name"
	SortNameDesc    = "-name"
	SortBalance     = "balance"
	SortBalanceDesc = "-balance"
	// SortRunway: days left, soonest out first; no consumption, not enough history and
	// not computed follow in that order (store/runway.go). SortRunwayDesc is its reverse.
	SortRunway     = "runway"
	SortRunwayDesc = "-runway"
)

// SubAccountFilter selects sub-accounts for the list page and the JSON API.
type SubAccountFilter struct {
	Q string // case-insensitive substring of name or display name
	// QMatchesID: Q also matches the start of the id (the draft form's picker, where a
	// pasted or half-typed id names the account as well as its name does).
	QMatchesID bool
	OrgID      string // this unit and every unit below it
	// OrgIDs: any of these units and those below them (the units a typed name matched);
	// nil = no such filter, empty = none matched (nothing is listed).
	OrgIDs []string
	Status int // 0: any
	// MasterAccountID: only this master's sub-accounts ("" = every master).
	MasterAccountID string
	// HiddenMasters: leave these masters' rows out (masters no longer configured).
	HiddenMasters []string
	// RunwayBelow > 0: only those that run out within that many days (an estimated
	// runway shorter than that).
	RunwayBelow int
	Sort        string // SortName (default), SortNameDesc, SortBalance, SortBalanceDesc, SortRunway, SortRunwayDesc
	Cursor      string // opaque keyset cursor: a page's NextCursor or PrevCursor, or LastPageCursor
	Limit       int    // default 25, at most 500
}

// SubAccountPage is one page of the sub-account list.
type SubAccountPage = Page[SubAccount]

// AmountLine is one row of the master's transferable amounts.
type AmountLine struct {
	Available    money.Amount
	Amount       money.Amount
	CreditAmount money.Amount
	ExpireTime   *time.Time
}

// MasterBalances are the master account's transferable amounts.
type MasterBalances struct {
	MasterAccountID string       // the master's domain id
	Debit           money.Amount // transferable cash
	Credits         []AmountLine // transferable credit, one line per ledger
	Credit          money.Amount // sum of Credits' Available
	Currency        string
	SyncedAt        *time.Time // nil before the first sync
	Stale           bool
}

// BalanceSnapshot is one point of the balance history. SubAccountID "" is the total
// over all sub-accounts at that sync.
type BalanceSnapshot struct {
	TakenAt      time.Time
	SubAccountID string
	Debit        money.Amount
	Credit       money.Amount
}

// Coupon is a cached coupon: a master coupon that can be allocated (SubAccountID ""),
// or a sub-coupon a sub-account holds and the master can recover.
type Coupon struct {
	CouponID     string
	SubCouponID  string // "" for master coupons
	SubAccountID string // "" for master coupons
	PlanName     string
	Balance      money.Amount
	Effective    *time.Time
	Expire       *time.Time
	UseLimits    string // JSON of the upstream's use_limits, for display
	SyncedAt     time.Time
}

// CouponFilter selects coupons.
type CouponFilter struct {
	// MasterAccountID: the master's coupons and its sub-accounts' ("" = every master).
	MasterAccountID string
	// HiddenMasters: leave these masters' coupons and their sub-accounts' out.
	HiddenMasters []string
	SubAccountID  string // "" and !AllHolders: master coupons only
	AllHolders    bool   // master and every sub-account's coupons
	Q             string // plan name substring
	Cursor        string // a page's NextCursor, PrevCursor or LastCursor; "" = the first page
	Limit         int
}

// StoredValueCard is a cached stored-value card of the master.
type StoredValueCard struct {
	CardID    string
	Name      string
	Status    int // 1 usable, 2 used up
	FaceValue money.Amount
	Balance   money.Amount
	Effective *time.Time
	Expire    *time.Time
	SyncedAt  time.Time
}

// CardFilter selects stored-value cards.
type CardFilter struct {
	MasterAccountID string // "" = every master
	HiddenMasters   []string
	Status          int    // 0: any
	Cursor          string // a page's NextCursor, PrevCursor or LastCursor; "" = the first page
	Limit           int
}

// Resource is a cached yearly/monthly resource of an account that has credentials
// (AccountID: the master's domain id, or a sub-account id).
type Resource struct {
	ResourceID       string
	AccountID        string
	Name             string
	Region           string
	ServiceType      string
	ServiceTypeName  string
	ResourceType     string
	ResourceTypeName string
	SpecDesc         string
	ParentID         string
	IsMain           bool
	Status           int // bss.ResourceStatus values
	Effective        *time.Time
	Expire           *time.Time
	ExpirePolicy     int // bss.ExpirePolicy values
	SyncedAt         time.Time
}

// ResourceFilter selects resources.
type ResourceFilter struct {
	AccountID string
	// MasterAccountID: the master's own resources and its sub-accounts' ("" = every master).
	MasterAccountID string
	// HiddenMasters: leave these masters' resources and their sub-accounts' out.
	HiddenMasters []string
	ServiceType   string
	Region        string
	Status        int
	ExpiringUntil *time.Time // expire ≤ this
	MainOnly      bool
	Q             string
	Cursor        string // a page's NextCursor, PrevCursor or LastCursor; "" = the first page
	Limit         int
}

// PackageUsage is a cached resource package's free resource with its usage.
type PackageUsage struct {
	FreeResourceID  string
	PackageID       string // the package instance
	ProductName     string
	ServiceType     string
	ServiceTypeName string
	Region          string
	UsageTypeName   string
	Status          int
	Original        decimal.Decimal
	Remaining       decimal.Decimal
	MeasureID       int
	Effective       *time.Time
	Expire          *time.Time
	SyncedAt        time.Time
}

// PackageFilter selects resource-package usages.
type PackageFilter struct {
	MasterAccountID string // "" = every master
	HiddenMasters   []string
	Q               string // product, usage type or service name
	Cursor          string // a page's NextCursor, PrevCursor or LastCursor; "" = the first page
	Limit           int
}

// CatalogEntry is one row of a catalogue in one language. Kind is "service_type",
// "resource_type", "usage_type" or "service_resource"; Parent links a resource type to
// its service type and a usage type or service resource to its resource type.
type CatalogEntry struct {
	Kind        string
	Lang        string // "zh_CN" or "en_US"
	Code        string
	Name        string
	Description string
	Parent      string
	Extra       string // abbreviation, owner service, …
	SyncedAt    time.Time
}

// CatalogFilter selects the entries of one catalogue.
type CatalogFilter struct {
	Kind      string
	Lang      string // "" = any
	Parent, Q string // "" = any; Q matches code or name
	Cursor    string // a page's NextCursor, PrevCursor or LastCursor; "" = the first page
	Limit     int
}

// SyncRun records one run of the sync of an area.
type SyncRun struct {
	ID              int64
	MasterAccountID string // the master whose sync this is
	Area            string // "organizations", "sub_accounts", "balances", "master", "coupons", "cards", "resources", "packages", "catalog", "full"
	// SubAccountID is set on a refresh of one sub-account's balances and coupons.
	SubAccountID string
	Trigger      string // "schedule", "manual:<user>", "startup"
	StartedAt    time.Time
	FinishedAt   *time.Time
	Status       string // "running", "succeeded", "partial", "failed"
	Items        int
	Errors       int
	Error        string
	// Total is how many items the run set out to read (a balance pass: its sub-accounts),
	// 0 when it did not say; Items of Total is the run's progress.
	Total int
	// Cursor lets a run resume where a crashed one stopped (e.g. the last sub-account
	// whose balances were read).
	Cursor string
	// HeartbeatAt is when a running run last showed that its process is alive.
	HeartbeatAt time.Time
}

// SubAccountStats summarises the cached sub-accounts (within scopes) for the dashboard.
type SubAccountStats struct {
	Total         int64
	ByStatus      map[int]int64
	Debit, Credit money.Amount
	// OldestSync and NewestSync bound when the balances shown were read; nil when none was.
	OldestSync, NewestSync *time.Time
}
