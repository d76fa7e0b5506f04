package view

// MasterAmount is one master account's transferable amounts on the dashboard (shown when
// the portal has more than one master).
type MasterAmount struct {
	Name, DomainID string
	Debit, Credit  string
	Stale          bool
	Href           string // the dashboard filtered to this master
}
