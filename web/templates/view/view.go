// Package view holds the view models that pages render: display-ready values only (text
// already translated or translatable, money formatted, URLs prepared, permissions reduced
// to flags). Templates import this package and nothing from the store or the web layer.
package view

// Translator renders message ids in the page's language.
type Translator interface {
	T(id string, data ...map[string]any) string
	N(id string, n int, data ...map[string]any) string // plural forms by count n
}

// Chrome is everything the layout needs around a page.
type Chrome struct {
	T        Translator
	Lang     string
	Title    string // already translated
	Path     string // current path, to mark the navigation
	Nonce    string // CSP nonce for inline scripts
	Sandbox  bool   // show the "sandbox — not connected" banner
	User     *User  // nil on sign-in pages
	Nav      []NavItem
	Asset    func(name string) string // versioned /static URL
	Flash    *Flash
	Version  string
	Langs    []Lang
	NextPath string // where the language switch returns to
	Unread   int    // unread in-app notifications (the bell); 0 hides the count
	Bell     bool   // show the bell (the notifications page is available)
}

// User is the signed-in person as the page shows them.
type User struct {
	Username    string
	DisplayName string
	Roles       []string // translated role names
}

// NavItem is one link of the side navigation.
type NavItem struct {
	Label string
	Href  string
	Count int // a badge (pending approvals); 0 hides it
	Test  string
}

// Lang is one entry of the language switch.
type Lang struct {
	Code, Name string
	Current    bool
}

// Flash is a one-time message after a redirect.
type Flash struct {
	Kind string // "ok", "info", "error"
	Text string
}

// Active reports whether the nav item is the current area.
func (c Chrome) Active(n NavItem) bool {
	if n.Href == "/" {
		return c.Path == "/"
	}
	return c.Path == n.Href || len(c.Path) > len(n.Href) && c.Path[:len(n.Href)+1] == n.Href+"/"
}

// Login is the sign-in form.
type Login struct {
	Username string
	Error    string
	Next     string
	Info     string
	Demo     *DemoHint
}

// DemoHint tells a visitor of the sandbox how to sign in.
type DemoHint struct {
	Users    string
	Password string
	Secret   string
}

// Code is the second-factor form.
type Code struct {
	Username string
	Error    string
	Next     string
}

// Enrol is the second-factor enrolment page.
type Enrol struct {
	Required bool   // roles require it: the user can do nothing else until done
	Secret   string // base32, to type in by hand
	QR       string // URL of the QR code image (/profile/totp/qr.png)
	Error    string
	Done     bool
}

// Dashboard is the landing page. Its figures come from the synced cache (read-side issue);
// until a sync has run it says so.
type Dashboard struct {
	Greeting     string
	Cards        []Card
	Notice       string
	RecentEvents []EventRow
	Read         ReadDashboard // the synced cache's figures
	Ops          OpsDashboard  // pending approvals and recent operations
	TopUps       *RuleTopUps   // this month's automatic top-ups (nil: not shown)
}

// Card is one headline figure.
type Card struct {
	Label, Value, Test string
}

// EventRow is one audit event in a short list.
type EventRow struct {
	Time, Action, Outcome, Target string
}

// Placeholder is shown for an area whose pages arrive in a later release.
type Placeholder struct {
	Area string
}

// ErrorPage is the one error page.
type ErrorPage struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
}
