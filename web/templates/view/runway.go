package view

// RunwayCell is a sub-account's days left as the lists show it: a number of days, or the
// state that is not one ("no consumption", "not enough history (N days)").
type RunwayCell struct {
	Text  string
	Class string // badge class: "bad" within 7 days, "warn" within 14, "" otherwise
	Title string // what it is based on, for the tooltip ("45.20 a day over 14 days")
	Known bool   // false before the first computation ("—")
}

// RunwayDetail is the detail page's card of the runway.
type RunwayDetail struct {
	Cell    RunwayCell
	Burn    string // the daily consumption ("" unless estimated)
	BasedOn string // "based on 14 days"
	RunsOut string // the date it runs out at that pace ("" unless estimated)
}

// RunwayPanel is the dashboard's panel of the accounts running out.
type RunwayPanel struct {
	Rows        []RunwayBucketRow
	ProposeHref string // "Propose top-ups"; "" when the user may not draft
}

// RunwayBucketRow is one horizon: how many accounts run out within it, and what keeps
// them running that long.
type RunwayBucketRow struct {
	Days, Label, Count, Needed, Href string
}

// SortHeader is a column header that sorts the list: its link, and the direction it is
// sorted in now ("ascending", "descending" or "" — the aria-sort value).
type SortHeader struct {
	Href, Sort string
}
