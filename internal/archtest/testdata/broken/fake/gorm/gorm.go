// Package gorm stands in for gorm.io/gorm.
package gorm

// X is something to import.
const X = 1
