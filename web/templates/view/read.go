package view

import "io"

// The read side's view models: the synced cache as pages show it. Amounts arrive
// formatted ("1,234.50"), times formatted in the display zone, URLs prepared with the
// current filters, permissions reduced to flags.

// AsOf says how fresh a page's data is and offers a refresh.
type AsOf struct {
	Time       string // "" when never synced
	Stale      bool   // the last refresh of this area failed
	Running    bool   // a refresh is in progress
	Reason     string // why it is stale (an upstream code, never a secret)
	CanRefresh bool
	Area       string // sync area the refresh button asks for
	SubAccount string // one sub-account's refresh
	Master     string // the page's master filter: the refresh syncs that master only
	Next       string // where the refresh comes back to
	// BalancesRead of BalancesTotal ("3,120", "10,000") is how far the running balance
	// pass is; both "" when none is running.
	BalancesRead, BalancesTotal string
}

// Option (a select's choice) is shared with the audit pages (audit.go).

// Pager links the pages of a list.
type Pager struct {
	Summary string // "Showing 26–50 of 1,234"
	First   string // "" on the first page
	Prev    string // "" when there is none
	Next    string // "" on the last page
	Last    string // "" on the last page
}

// Exports are the download links of a list, carrying its current filters.
type Exports struct {
	CSV, XLSX string // "" hides the links (no permission)
}

// Badge is a status shown as a coloured label; Kind is "ok", "warn", "bad" or "".
type Badge struct {
	Text, Kind string
}

// Chart is an SVG chart (already escaped and safe) with its table fallback.
type Chart struct {
	ID      string
	Caption string
	SVG     string
	Legend  []LegendItem
	Columns []string
	Rows    [][]string // first cell is the time
	Empty   string     // shown instead when there are no points
}

// LegendItem names one series of a chart.
type LegendItem struct {
	Label string
	Class string // series-0, series-1, …
}

// SubAccountList is the sub-account list page.
type SubAccountList struct {
	Q, OrgID, Status, Sort string
	OrgText                string // the organisation box: the selected unit's name, or the typed text
	Statuses               []Option
	Sorts                  []Option
	Rows                   []SubAccountRow
	Total                  string
	MoreThan               bool // counting stopped at Total: more match
	Empty                  string
	Pager                  Pager
	Exports                Exports
	AsOf                   AsOf
	CanBulk                bool // may draft operations for the selection
	BulkKinds              []Option
	Masters                []Option // the master filter; empty with one master
	ShowMaster             bool     // a master column: several masters, none filtered
	RunwayBelow            []Option // the "runs out within" filter
	DaysLeftHeader         SortHeader
}

// SubAccountRow is one line of the list.
type SubAccountRow struct {
	ID, Name, DisplayName, Href string
	Status                      Badge
	Org                         string
	Master                      string // the master account's name (ShowMaster)
	Debit, Credit, Total        string
	Low                         bool
	Stale                       bool
	// NotRead: the balances were never read, so Debit/Credit/Total are a dash, not a zero.
	NotRead  bool
	DaysLeft RunwayCell
}

// SubAccountDetail is one sub-account's page.
type SubAccountDetail struct {
	ID, Name, DisplayName string
	Status                Badge
	Org                   string
	OrgPath               string
	Currency              string
	Debit, Credit, Total  string
	Low                   bool
	Stale                 bool
	StaleReason           string
	Credits               []CreditRow
	Threshold             Threshold
	Chart                 Chart
	Coupons               []CouponRow
	Resources             []ResourceRow
	Events                []EventRow
	AsOf                  AsOf
	Ops                   SubAccountOps // operations about it, and buttons to draft one
	// Master names the sub-account's master with several masters ("" otherwise);
	// MasterGone: that master is no longer configured; MasterSynced: its last sync.
	Master       string
	MasterGone   bool
	MasterSynced string
	Runway       RunwayDetail
}

// CreditRow is one credit ledger.
type CreditRow struct {
	Available, CreditAmount, Expire string
	ExpireSoon                      bool
}

// Threshold is the low-balance alert level and its form.
type Threshold struct {
	Effective string // what applies now
	Own       bool   // the sub-account has its own (not the default)
	Default   string
	CanSet    bool
	Action    string // form action
	Input     string // the value in the field (the user's input after an error)
	Error     string
}

// Dashboard figures from the synced cache.
type ReadDashboard struct {
	MasterDebit, MasterCredit string
	Recoverable               string
	SubAccounts               string
	ByStatus                  []StatusCount
	Low                       []SubAccountRow
	LowTotal                  string
	LowMore                   string // link to the full list, "" when all are shown
	Expiring                  []ResourceRow
	ExpiringTotal             string
	ShowApprovals             bool
	Chart                     Chart
	AsOf                      AsOf
	Synced                    bool           // false before the first sync
	Masters                   []Option       // the master filter; empty with one master
	MasterRows                []MasterAmount // each master's amounts, with several
	Runway                    RunwayPanel    // the accounts running out within 7 / 14 / 30 days
}

// StatusCount is how many sub-accounts have one status.
type StatusCount struct {
	Status Badge
	Count  string
	Href   string
}

// CouponRow is one coupon.
type CouponRow struct {
	Key                                                                         string // unique in the list (data-id)
	CouponID, SubCouponID, Holder, HolderHref, Plan, Balance, Effective, Expire string
	ExpireSoon                                                                  bool
}

// CouponList is the coupons page.
type CouponList struct {
	Q, Holder string
	Holders   []Option
	Rows      []CouponRow
	Total     string
	Pager     Pager
	Exports   Exports
	AsOf      AsOf
	Masters   []Option // the master filter; empty with one master
}

// CardRow is one stored-value card.
type CardRow struct {
	ID, Name, FaceValue, Balance, Effective, Expire string
	Status                                          Badge
	UsedPct                                         int // 0–100, for the usage bar
}

// CardList is the stored-value cards page.
type CardList struct {
	Status   string
	Statuses []Option
	Rows     []CardRow
	Total    string
	Pager    Pager
	Exports  Exports
	AsOf     AsOf
	Masters  []Option // the master filter; empty with one master
}

// ResourceRow is one yearly/monthly resource.
type ResourceRow struct {
	Key                                                                                               string // unique in the list (data-id)
	ID, Name, Account, AccountHref, Region, Service, Type, Spec, Effective, Expire, ExpiresIn, Policy string
	Status                                                                                            Badge
	ExpireSoon                                                                                        bool
}

// ResourceList is the resources page.
type ResourceList struct {
	Q, Service, Region, Status, Expiring string
	Services, Regions, Statuses          []Option
	ExpiringChoices                      []Option
	Rows                                 []ResourceRow
	Total                                string
	Pager                                Pager
	Exports                              Exports
	AsOf                                 AsOf
	Note                                 string
	Masters                              []Option // the master filter; empty with one master
	Accounts                             []Option // the owning-account filter; empty with one account
}

// PackageRow is one free resource of a resource package.
type PackageRow struct {
	ID                                                                                string // the free resource
	Product, Service, Region, UsageType, Original, Remaining, Used, Effective, Expire string
	UsedPct                                                                           int
	Status                                                                            Badge
}

// PackageList is the resource packages page.
type PackageList struct {
	Q       string
	Rows    []PackageRow
	Total   string
	Pager   Pager
	Exports Exports
	AsOf    AsOf
	Masters []Option // the master filter; empty with one master
}

// CatalogRow is one catalogue entry.
type CatalogRow struct {
	Key                                    string // unique in the list (data-id)
	Code, Name, Description, Parent, Extra string
	ChildHref                              string // drill down, "" for leaves
	ParentHref                             string
}

// CatalogList is the catalogue page.
type CatalogList struct {
	Kind, Parent, Q string
	Kinds           []Option
	Crumbs          []Crumb
	Rows            []CatalogRow
	Total           string
	Pager           Pager
	Exports         Exports
	AsOf            AsOf
	ChildLabel      string
}

// Crumb is one step of a breadcrumb.
type Crumb struct {
	Label, Href string
}

// OptionsHTML is a select's options rendered ahead of time (escaped by whoever rendered
// them), for selects too long to render on every request: the organisation filter lists
// every unit of the enterprise.
type OptionsHTML interface {
	WriteOptions(w io.Writer) error
}

// OrgSuggestions are the organisation type-ahead's matches (Value: unit id, Label: name).
type OrgSuggestions struct {
	Units []Option
	Empty string // "" when there are matches
}
