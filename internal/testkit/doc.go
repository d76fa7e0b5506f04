// Package testkit is the shared test harness of the web, execute and command tests: one
// fake clock, TOTP codes that move it on, the demo users, cheap password hashing and
// SQLite databases with the job tables in place. Its sub-package webdeps builds a web
// server's collaborators with the production wiring (internal/wiring).
//
// Only tests import it (by convention: nothing under cmd/ or internal/ outside *_test.go
// files may); it is a normal package so that every package's tests share one copy.
package testkit
