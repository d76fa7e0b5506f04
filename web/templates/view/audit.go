package view

// AuditFilter is the auditor's search form, as typed (kept on errors).
type AuditFilter struct {
	From, To   string // local date-time "2006-01-02T15:04"
	Actor      string
	Area       string
	Action     string
	TargetType string
	TargetID   string
	Outcome    string
	RequestID  string
	Text       string
	Errors     map[string]string // field → translated reason
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
	Selected     bool
}

// AuditRow is one event in a list.
type AuditRow struct {
	ID         int64
	Href       string
	Time       string
	Actor      string
	Action     string // translated label
	ActionCode string
	Target     string
	TargetHref string
	Outcome    string // translated
	OutcomeRaw string
	IP         string
	Summary    string
}

// AuditList is the search page.
type AuditList struct {
	Filter      AuditFilter
	Areas       []Option
	Actions     []Option
	Outcomes    []Option
	Rows        []AuditRow
	NextHref    string // older events
	FirstHref   string // back to the newest
	ExportCSV   string
	ExportJSONL string
	ExportXLSX  string
	CanExport   bool
}

// KV is a labelled value.
type KV struct {
	Label, Value, Href string
	Mono               bool
}

// Change is one field of a before/after comparison.
type Change struct {
	Field, Before, After string
}

// AuditEvent is one event with every field.
type AuditEvent struct {
	ID           int64
	Title        string
	Fields       []KV
	Changes      []Change
	DetailsJSON  string
	TimelineHref string
	PrevHref     string
	NextHref     string
}

// AuditTimeline is every event about one object, oldest first.
type AuditTimeline struct {
	Target   string
	Rows     []AuditRow
	Error    string
	NextHref string
}

// VerifyRun is a verification with its progress.
type VerifyRun struct {
	ID         int64
	StartedBy  string
	StartedAt  string
	Status     string // running, intact, broken, failed
	Label      string // translated status
	Checked    int64
	Total      int64
	Percent    int
	BrokenID   int64
	BrokenHref string
	Reason     string
	PollHref   string // set while running
}

// Checkpoint row.
type CheckpointRow struct {
	ID        int64
	CreatedAt string
	EventID   int64
	HeadHash  string
}

// AuditVerify is the verification page.
type AuditVerify struct {
	Events      int64
	HeadHash    string
	PublicKey   string
	Runs        []VerifyRun
	Checkpoints []CheckpointRow
	CanStart    bool
	CanExport   bool
}
