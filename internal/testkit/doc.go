// Package testkit is the shared test harness of the web, execute and command tests: one
// fake clock, the portal's collaborators built by the production wiring (internal/wiring)
// with cheap password hashing, the demo users and TOTP codes that move the clock on.
//
// Only tests import it (by convention: nothing under cmd/ or internal/ outside *_test.go
// files may); it is a normal package so that every package's tests share one copy.
package testkit
