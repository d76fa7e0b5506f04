package view

// The operations area's view models: maker-checker requests as pages show them. Every
// value is display-ready (translated, formatted); permissions arrive as flags that the
// handlers computed with authz and the approval service.

// Tab is one tab of a page's tab bar.
type Tab struct {
	Label, Href, Test string
	Current           bool
	Count             int
}

// OperationRow is one operation in a list.
type OperationRow struct {
	ID, Href         string
	Kind             string // translated
	SubAccount       string // name (or id)
	SubAccountHref   string
	Amount, Currency string // "" for kinds without money
	Requester        string
	Created          string
	State            Badge
	Approvals        string // "1 / 2"
	Batch, BatchHref string
	Expires          string
	Summary          string // what it does, in a few words
	Resources        string // resource ids for resource kinds
	AwaitingYou      bool
	IsBatch          bool
	// BatchCount and BatchTotals: the inbox's batch line, its rows the viewer may see and
	// their amounts added up, one per currency.
	BatchCount  int
	BatchTotals []Money
	// SnapshotHash is what the inbox's "Approve selected" signs for this row (inbox only;
	// a batch's rows are approved on the batch's page).
	SnapshotHash string
}

// OperationList is /operations.
type OperationList struct {
	Tabs                               []Tab
	View                               string // "all", "drafts", "requests", "history"
	State, Kind, Requester, SubAccount string
	States, Kinds                      []Option
	Rows                               []OperationRow
	Empty                              string
	Pager                              Pager
	CanCreate                          bool
	NewKinds                           []Option // kind → /operations/new?kind=…
	Masters                            []Option // the master filter; empty with one master
}

// FormField is one input of an operation form.
type FormField struct {
	Name    string
	Label   string
	Type    string // text, amount, select, textarea, checkbox, number, hidden
	Value   string
	Checked bool
	Options []Option
	Hint    string
	Error   string
	Wide    bool
	// CreditOnly: shown only while the form's balance type is credit (a CSS rule follows
	// the select, no script); a credit line's expiry means nothing for cash.
	CreditOnly bool
}

// BalanceHint shows what a sub-account (or the master) holds beside a form.
type BalanceHint struct {
	Title   string
	Name    string
	Href    string
	Lines   []Fact
	Missing string // shown when the sub-account is not in the cache
}

// Fact is a label and a value, with a test id.
type Fact struct {
	Label, Value string
	Mono         bool
	Test         string
}

// OperationForm is /operations/new for one kind.
type OperationForm struct {
	Kind, KindLabel, KindHelp string
	Kinds                     []Tab // other kinds, as links
	IdemKey                   string
	Fields                    []FormField
	Reason                    FormField
	Errors                    []string // summary of what is wrong, translated
	Context                   []BalanceHint
	Policy                    string // what approval this will need
	// DraftedFrom is the operation this draft repeats ("Draft again"), with its page.
	DraftedFrom, DraftedFromHref string

	Quote *QuoteStep // renewals: the "Get price" step (quote.go)
	// The pickers (pick.go), nil where the kind has none.
	SubAccount   *SubAccountPick
	Coupons      *CouponPick
	ResourcePick *ResourcePick
}

// ApprovalView is one decision on an operation.
type ApprovalView struct {
	User, Comment, At, Factor string
	Decision                  Badge
	// OnBehalf says whom a delegate approved for ("on behalf of dora"); "" for one's own.
	OnBehalf string
}

// TimelineRow is one event of an operation's history.
type TimelineRow struct {
	At, Action, Actor, Summary string
	Outcome                    string // success | failure | denied
}

// OperationPage is /operations/:id.
type OperationPage struct {
	// DraftAgainHref opens a new draft prefilled from this one (failed, rejected, expired
	// or cancelled, for a viewer who may draft); "" when not offered.
	DraftAgainHref string
	// Master names the operation's master with several masters ("" otherwise);
	// MasterGone: that master is no longer configured.
	Master                string
	MasterGone            bool
	ID, KindLabel, Kind   string
	State                 Badge
	StateHelp             string
	Snapshot              []Fact
	TransID, SnapshotHash string
	Requester, Reason     string
	Created, Expires      string
	Updated               string
	ApprovalsSummary      string
	Approvals             []ApprovalView
	ErrorCode, ErrorText  string
	ErrorRequestID        string
	Resolution            string
	Response              string
	Timeline              []TimelineRow
	Batch, BatchHref      string
	Live                  bool // approved/executing: the page refreshes itself
	Context               OperationContext

	// Route is what it needs of approvers and who can approve (the approval matrix).
	Route ApprovalRoute

	CanApprove, CanReject, CanCancel, CanResolve bool
	OwnRequest                                   bool // the viewer requested it: never approves
	Comment, Code                                string
	DecideError                                  string
	ResolveOutcome, ResolveReason                string
	ResolveError                                 string

	// Renewals (quote.go): the quote as signed, and the orders once it ran.
	Quote  *RenewalQuote
	Orders *RenewalOrders
	// OrdersURL, when set, loads Orders after the page (they are read from the upstream).
	OrdersURL string

	// LimitNotes say which drafting limits it went over, with the figures: why it needs
	// one approval more than its policy.
	LimitNotes []string
}

// ApprovalInbox is /approvals.
type ApprovalInbox struct {
	Rows    []OperationRow
	Count   int
	Empty   string
	More    bool
	Masters []Option // the master filter; empty with one master
	// "Approve selected": the rows ticked (by id), the comment kept after a refusal, why
	// it was refused, and the links that tick every row or none (no script needed).
	Selected       map[string]bool
	Comment        string
	Error          string
	SelectAllHref  string
	SelectNoneHref string
	AllSelected    bool
	CanSelect      bool // some row can be approved from the inbox
	// Results says what became of each request of the last "Approve selected".
	Results []InboxResult
}

// InboxResult is one request's outcome of an "Approve selected".
type InboxResult struct {
	ID, Href, Text string
	OK             bool
}

// NotificationRow is one in-app notice.
type NotificationRow struct {
	ID, Text, Href, At string
	Unread             bool
}

// Notifications is /notifications.
type Notifications struct {
	Rows   []NotificationRow
	Unread int
}

// PolicyRow is one kind's approval rule on the policy page.
type PolicyRow struct {
	Kind, Label       string
	NeedsApproval     bool
	TwoAbove          string // "" = never
	ExpiryHours       string
	MovesMoney        bool
	Updated           string
	ErrTwo, ErrExpiry string
}

// PolicyPage is /admin/policy.
type PolicyPage struct {
	Rows      []PolicyRow
	CodeError string
	Error     string
}

// AdminArea is one entry of the admin index.
type AdminArea struct {
	Label, Help, Href, Test string
	Available               bool
}

// AdminIndex is /admin.
type AdminIndex struct {
	Areas []AdminArea
}

// BulkForm is /operations/bulk: upload or paste a CSV.
type BulkForm struct {
	Kind      string
	Kinds     []Option
	CSV       string
	Reason    string
	IdemKey   string
	Errors    []string
	ReasonErr string
	MaxRows   string
	Template  string
	// Skip: "skip invalid rows" rather than all or nothing.
	Skip bool
	// Upload is a checked file (base64) carried to the next post, UploadName its name.
	Upload, UploadName string
	// Detected says how the file was read ("Read as GB18030, semicolon-separated, 12 rows").
	Detected                  string
	TemplateCSV, TemplateXLSX string
}

// BulkRowError is one problem of one CSV line.
type BulkRowError struct {
	Line, Field, Message string
}

// BulkRow is one valid CSV line in the preview.
type BulkRow struct {
	Line, SubAccount, SubAccountID, Amount, BalanceType, Reason string
}

// BulkPreview is the preview of a CSV: its errors, or its rows and total.
type BulkPreview struct {
	Form      BulkForm
	KindLabel string
	Errors    []BulkRowError
	Skipped   []BulkRowError // rows left out on "skip invalid rows"
	// Notes explain the amounts a selection computed or left out ("recover what is there").
	Notes  []string
	Rows   []BulkRow
	Count  string
	Total  string
	Policy string
}

// BatchProgress is the live progress bar of a batch.
type BatchProgress struct {
	Href                                    string // polling URL, "" when finished
	Percent                                 int
	Done, Total, Succeeded, Failed, Unknown string
	Label                                   string
	Finished                                bool
}

// BatchPage is /operations/batches/:id.
type BatchPage struct {
	// ApproveHelp says what one approval covers: "all 3 rows (4,500.00 CNY)".
	ApproveHelp                      string
	ID, KindLabel                    string
	State                            Badge
	Requester, Reason                string
	Rows, Total                      string
	Created, Expires                 string
	SnapshotHash                     string
	ApprovalsSummary                 string
	Approvals                        []ApprovalView
	Route                            ApprovalRoute
	Progress                         BatchProgress
	Items                            []OperationRow
	More                             bool
	ResultCSV                        string
	CanApprove, CanReject, CanCancel bool
	OwnRequest                       bool
	DecideError                      string
	Comment                          string
	// LimitNotes as OperationPage's.
	LimitNotes []string
}

// OpsDashboard is the dashboard's operations panel.
type OpsDashboard struct {
	Enabled       bool
	ShowApprovals bool
	Pending       int
	Recent        []OperationRow
	CanCreate     bool
}

// SubAccountOps is the operations part of a sub-account's page.
type SubAccountOps struct {
	Enabled      bool
	CanCreate    bool
	TransferHref string
	RecoverHref  string
	Actions      []Option // other kinds: Value = href
	Rows         []OperationRow
	AllHref      string
}
