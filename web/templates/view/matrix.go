package view

// The approval matrix (issue 15): an operation's or batch's route of approvals, and the
// admin pages of rules, approver groups, held changes and the "which rule applies" form.

// ApprovalRoute is what an operation or batch needs, level by level, and who can approve.
type ApprovalRoute struct {
	Summary string // "Needs: level 1 — 1 of Treasury; then level 2 — 1 of CFO office"
	Rule    string // the matrix rule that applied, or the kind's policy
	Why     string // why that rule, as recorded when it was requested ("" if unknown)
	// ExplainHref asks the admin's "which rule applies?" about the same request ("" for
	// anyone else).
	ExplainHref string
	Levels      []RouteLevel
	// Note tells an approver who cannot approve it now why ("" otherwise).
	Note string
}

// RouteLevel is one level of a route.
type RouteLevel struct {
	Label     string // "Level 1 — 1 of Treasury"
	Progress  string // "0 of 1 approved"
	Approvers string // who can approve it ("" when complete)
	Status    string // done | open | waiting
}

// MatrixPage is /admin/matrix.
type MatrixPage struct {
	Rules   []MatrixRuleRow
	Groups  []MatrixGroupRow
	Changes []MatrixChangeRow // held for a second admin
	Recent  []MatrixChangeRow // decided, newest first
	Explain MatrixExplainForm
	// The refusal of a decision on a held change (ChangeError on ChangeID's row).
	ChangeID, ChangeError string
}

// MatrixRuleRow is one rule in the list.
type MatrixRuleRow struct {
	ID, Href, Kind, Unit, Band, Needs, Version, Updated string
}

// MatrixGroupRow is one approver group in the list.
type MatrixGroupRow struct {
	ID, Href, Name, Units, Members string
}

// MatrixChangeRow is a change of the matrix held for (or decided by) a second admin.
type MatrixChangeRow struct {
	ID, Action, Before, After, Lowers string
	ProposedBy, ProposedAt            string
	State, DecidedBy, Comment         string
	Own                               bool // the viewer proposed it: they may only withdraw it
}

// MatrixExplainForm asks which rule applies to a request.
type MatrixExplainForm struct {
	Kinds, Units       []Option
	SubAccount, Amount string
	Errors             map[string]string
}

// MatrixExplain is /admin/matrix/explain: the answer and how it was found.
type MatrixExplain struct {
	Form       MatrixExplainForm
	Asked      bool   // the form was submitted and valid
	Path       string // the organisation path, root first
	Result     string // which rule applies and why
	Route      ApprovalRoute
	Candidates []MatrixCandidate
}

// MatrixCandidate is one rule of the kind and what became of it.
type MatrixCandidate struct {
	Rule, Unit, Band, Needs, Verdict string
	Applies                          bool
}

// MatrixRuleForm is the form of a new or existing rule.
type MatrixRuleForm struct {
	ID, Version      string
	New              bool
	Kinds, Units     []Option
	Min, Max         string
	Sequential       bool
	Levels           []MatrixLevelInput
	Errors           map[string]string
	Error, CodeError string
}

// MatrixLevelInput is one level's row of the rule form.
type MatrixLevelInput struct {
	N      int
	Groups []Option
	Count  string
}

// MatrixGroupForm is the form of a new or existing approver group.
type MatrixGroupForm struct {
	ID, Version       string
	New               bool
	Name, Description string
	Members, Units    []Check
	NoOrgs            bool
	Errors            map[string]string
	Error             string
	StepUp            StepUp
}
