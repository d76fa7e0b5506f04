// Package river stands in for github.com/riverqueue/river.
package river

// X is something to import.
const X = 1
