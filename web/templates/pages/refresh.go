package pages

import "github.com/a-h/templ"

// The draft form's pickers change the form without creating anything: their controls
// post the whole form to refreshPath, which shows it again with the change applied. A
// button does so as a plain submit (formaction), so it works without script; with htmx
// the same request swaps the page's content in place (its <main>, taken from the page
// answered: errors, tabs and the hints beside the form change with it), and a select
// does it when it changes.
const refreshPath = "/operations/new"

// refreshButton are the attributes of a button that re-renders the draft form.
func refreshButton() templ.Attributes {
	a := refreshSwap()
	a["formaction"] = refreshPath
	a["formnovalidate"] = true
	return a
}

// refreshSelect are the attributes of a select that re-renders the draft form when it
// changes (without script, a button beside it does).
func refreshSelect() templ.Attributes {
	a := refreshSwap()
	a["hx-trigger"] = "change"
	return a
}

func refreshSwap() templ.Attributes {
	return templ.Attributes{"hx-post": refreshPath, "hx-target": "#main", "hx-select": "#main", "hx-swap": "outerHTML"}
}
