// Package templ stands in for github.com/a-h/templ.
package templ

// X is something to import.
const X = 1
