package bss

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
)

// Domain types of the upstream. Times are UTC; a zero time means "none" (for example a
// credit line that never expires). Money is money.Amount; resource-package quantities
// (GB, hours) are decimals, since they are not money.

type (
	SubAccountID string
	OrgID        string
	CouponID     string
	SubCouponID  string
	CardID       string
	ResourceID   string
	OrderID      string
)

// BalanceType selects the cash (debit) or the credit balance.
type BalanceType string

const (
	BalanceDebit  BalanceType = "BALANCE_TYPE_DEBIT"
	BalanceCredit BalanceType = "BALANCE_TYPE_CREDIT"
)

// SubAccountStatus as the upstream reports it.
type SubAccountStatus int

const (
	SubAccountNormal        SubAccountStatus = 1
	SubAccountCreating      SubAccountStatus = 2
	SubAccountClosing       SubAccountStatus = 3
	SubAccountClosed        SubAccountStatus = 4
	SubAccountRegistering   SubAccountStatus = 101
	SubAccountToBeActivated SubAccountStatus = 102
)

// Documented limits of the upstream.
const (
	MaxPageLimit           = 100
	MaxRenewResources      = 10
	MaxToOnDemandResources = 100
	MaxOrderResourcesLimit = 50
)

// Page selects rows: Offset counts rows from 0 (the legacy API's page numbers are derived
// from it), Limit is the page size (0: the upstream's default).
type Page struct {
	Offset, Limit int
}

// SubAccountQuery filters the sub-account list.
type SubAccountQuery struct {
	AccountName string // exact unless Fuzzy
	DisplayName string // ≤ 64 characters
	Fuzzy       bool
	OrgID       OrgID
	Page
}

type SubAccount struct {
	ID          SubAccountID
	Name        string
	DisplayName string
	Status      SubAccountStatus
	OrgID       OrgID
	OrgName     string
}

type SubAccountPage struct {
	Total int
	Items []SubAccount
}

// OrgTree is the enterprise organisation tree (or the part below ParentID).
type OrgTree struct {
	RootID   OrgID
	RootName string
	Children []OrgNode
}

type OrgNode struct {
	RelationID string
	ID         OrgID
	Name       string
	Children   []OrgNode
}

// OrgQuery: Recursive asks for whole subtrees; ParentID empty means the root.
type OrgQuery struct {
	ParentID  OrgID
	Recursive bool
}

// AmountInfo is one ledger row: the master's transferable amount or a sub-account's
// recoverable amount (debit: one row; credit: one row per credit line).
type AmountInfo struct {
	Available    money.Amount // avail_transfer_amount or avail_retrieve_amount
	Amount       money.Amount
	CreditAmount money.Amount
	MeasureID    int
	ExpireTime   time.Time // credit lines only; zero: never expires
}

type AmountPage struct {
	Total int
	Items []AmountInfo
}

// Movement is a transfer to or a recovery from a sub-account.
type Movement struct {
	SubAccountID SubAccountID
	Amount       money.Amount // > 0, two decimals
	TransID      string       // NewTransID(), fixed when the operation is created
	BalanceType  BalanceType
	ExpireTime   time.Time // credit only: required exactly when the credit line expires
}

type CouponLimit struct {
	ID, Key, Value1, Value2, ValueUnit, LimitType, PromotionPlanID string
}

// Coupon is a master coupon that can be allocated, or (with SubCouponID) a part of one
// held by a sub-account.
type Coupon struct {
	ID          CouponID
	SubCouponID SubCouponID
	PlanName    string
	Balance     money.Amount
	Effective   time.Time
	Expire      time.Time
	UseLimits   []CouponLimit
}

type CouponPage struct {
	Total int
	Items []Coupon
}

// CouponAllocation moves part of a coupon's balance to a sub-account.
type CouponAllocation struct {
	SubAccountID SubAccountID
	CouponID     CouponID
	Amount       money.Amount
	TransID      string
}

// CouponRecovery takes a sub-coupon back.
type CouponRecovery struct {
	SubAccountID SubAccountID
	CouponID     CouponID
	SubCouponID  SubCouponID
	TransID      string
}

// CardStatus: 1 usable, 2 used up.
type CardStatus int

const (
	CardUsable CardStatus = 1
	CardUsedUp CardStatus = 2
)

type CardQuery struct {
	Status CardStatus // required
	CardID CardID
	Page
}

type StoredValueCard struct {
	ID        CardID
	Name      string
	Status    CardStatus
	FaceValue money.Amount
	Balance   money.Amount
	Effective time.Time
	Expire    time.Time
}

type CardPage struct {
	Total int
	Items []StoredValueCard
}

// Balances are the signing account's own balances (ShowCustomerAccountBalances).
type Balances struct {
	Accounts []AccountBalance
	Debt     money.Amount
	Currency string
}

type AccountBalance struct {
	AccountID        string
	AccountType      int // 1 cash, 2 credit, 5 reward, 7 deposit
	Amount           money.Amount
	DesignatedAmount money.Amount
	CreditAmount     money.Amount
}

// ResourceQuery filters the yearly/monthly resources of the signing account.
type ResourceQuery struct {
	ResourceIDs []ResourceID
	OrderID     OrderID
	OnlyMain    bool
	Statuses    []ResourceStatus
	ExpireFrom  time.Time
	ExpireTo    time.Time
	ServiceType string
	Page
}

// ResourceStatus: 2 in use, 3 closed, 4 frozen, 5 expired.
type ResourceStatus int

const (
	ResourceInUse   ResourceStatus = 2
	ResourceClosed  ResourceStatus = 3
	ResourceFrozen  ResourceStatus = 4
	ResourceExpired ResourceStatus = 5
)

// ExpirePolicy: what happens at expiry (0 grace period, 1 to pay-per-use, 3 auto-renew, …).
type ExpirePolicy int

const (
	ExpireGracePeriod ExpirePolicy = 0
	ExpireToOnDemand  ExpirePolicy = 1
	ExpireAutoRenew   ExpirePolicy = 3
)

type Resource struct {
	InstanceID       string
	ID               ResourceID
	Name             string
	Region           string
	ServiceType      string
	ServiceTypeName  string
	ResourceType     string
	ResourceTypeName string
	SpecCode         string
	SpecDesc         string
	ProjectID        string
	ProductID        string
	ParentID         ResourceID
	IsMain           bool
	Status           ResourceStatus
	Effective        time.Time
	Expire           time.Time
	ExpirePolicy     ExpirePolicy
	SpecSize         decimal.Decimal
	SpecSizeMeasure  int
	Updated          time.Time
}

type ResourcePage struct {
	Total int
	Items []Resource
}

// PeriodType of renewals: 2 month (1–11), 3 year (1–3).
type PeriodType int

const (
	PeriodMonth PeriodType = 2
	PeriodYear  PeriodType = 3
)

type RenewRequest struct {
	ResourceIDs []ResourceID // ≤ 10 main resources
	PeriodType  PeriodType
	PeriodNum   int
	AutoPay     bool
}

// ResourceFailure is one resource the upstream refused within an otherwise accepted call.
type ResourceFailure struct {
	ResourceID ResourceID
	Code       string
	Message    string
}

// OrderResult: the orders created, and the resources refused. When nothing was accepted
// the call returns an *Error (ErrPartialFailure or the code's kind) carrying Failures.
type OrderResult struct {
	OrderIDs []OrderID
	Failures []ResourceFailure
}

// UnsubscribeType: 1 the resource and its renewed periods, 2 renewed periods only.
type UnsubscribeType int

const (
	UnsubscribeResource UnsubscribeType = 1
	UnsubscribeRenewals UnsubscribeType = 2
)

type UnsubscribeRequest struct {
	ResourceIDs []ResourceID // ≤ 10 main resources
	Type        UnsubscribeType
	ReasonType  int // 1–5, 0: not given
	Reason      string
}

// ToOnDemandOperation sets or cancels "switch to pay-per-use at expiry".
type ToOnDemandOperation string

const (
	ToOnDemandSet    ToOnDemandOperation = "SET_UP"
	ToOnDemandCancel ToOnDemandOperation = "CANCEL"
)

type ToOnDemandRequest struct {
	Operation   ToOnDemandOperation
	ResourceIDs []ResourceID // ≤ 100 main resources
}

// AutoRenewRequest turns auto-renewal on for one resource. PeriodType "MONTH" or "YEAR"
// (empty: the resource's own period); Times 0: until cancelled.
type AutoRenewRequest struct {
	ResourceID ResourceID
	Times      int
	PeriodType string
}

type OrderQuery struct {
	OrderID     OrderID
	CreatedFrom time.Time
	CreatedTo   time.Time
	ServiceType string
	Status      int // 0: any
	OrderType   string
	Page
}

// Order statuses and types as the upstream reports them.
const (
	OrderCompleted     = 5
	OrderPendingPay    = 6
	OrderTypeNew       = 1
	OrderTypeRenew     = 2
	OrderTypeUnsubscri = 4
)

type Order struct {
	ID              OrderID
	CustomerID      string
	ServiceType     string
	ServiceTypeName string
	SourceType      int
	Status          int
	OrderType       int
	Amount          money.Amount // after discount
	OfficialAmount  money.Amount
	Created         time.Time
	Paid            time.Time
}

type OrderPage struct {
	Total int
	Items []Order
}

type OrderLine struct {
	ID              string
	ServiceType     string
	ServiceTypeName string
	ProductID       string
	SpecDesc        string
	PeriodType      int
	PeriodNum       int
	Effective       time.Time
	Expire          time.Time
	Amount          money.Amount
}

type OrderDetail struct {
	Order
	TotalLines int
	Lines      []OrderLine
}

// OrderResource is one resource provisioned by an order (legacy v1.0 endpoint).
type OrderResource struct {
	ResourceID    ResourceID
	ServiceType   string
	Region        string
	ResourceType  string
	SpecCode      string
	Size          decimal.Decimal
	SizeMeasureID int
	Status        int
}

type OrderResourcePage struct {
	Total int
	Items []OrderResource
}

// PackageQuery filters resource packages (ListFreeResourceInfos).
type PackageQuery struct {
	Region       string
	OrderID      OrderID
	ProductID    string
	ProductName  string
	Status       int // 0 any; 1 in effect, 2 used up, 3 expired
	ServiceTypes []string
	Page
}

type ResourcePackage struct {
	InstanceID      string
	OrderID         OrderID
	ProductID       string
	ProductName     string
	ServiceType     string
	ServiceTypeName string
	Region          string
	Status          int
	Effective       time.Time
	Expire          time.Time
	FreeResources   []FreeResource
}

type FreeResource struct {
	ID            string
	UsageTypeName string
	Remaining     decimal.Decimal
	Original      decimal.Decimal
	MeasureID     int
}

type PackagePage struct {
	Total int
	Items []ResourcePackage
}

// PackageUsage is how much of a free resource is left now.
type PackageUsage struct {
	FreeResourceID string
	TypeName       string
	UsageTypeName  string
	Start, End     time.Time
	Remaining      decimal.Decimal
	Original       decimal.Decimal
	MeasureID      int
}

// Language of catalogue answers.
type Language string

const (
	LangZH Language = "zh_CN"
	LangEN Language = "en_US"
)

type ServiceType struct{ Code, Name, Abbreviation string }

type ResourceType struct{ Code, Name, Description, ServiceType string }

type ServiceResource struct{ ResourceType, OwnerService, Name, Description string }

type UsageType struct{ Code, Name, ResourceType, ResourceTypeName, ServiceType, ServiceTypeName string }

type CatalogQuery struct {
	Lang Language
	Page
}
