package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// typedSteps remembers, per portal and user, the TOTP time step of the last code a test
// typed (the demo users share one secret but each has its own used step).
var typedSteps sync.Map // "base user" → int64

// A code is accepted once per user and 30-second step, so a test that types several
// codes as one user needs a new step for each. On a portal it runs in-process
// (servePortal) the test moves that portal's TOTP clock (env.codeNow) to the next step
// instead of waiting up to 30 s for it; the portal still refuses a step it has seen.
// totpClocks holds those clocks by base URL.
var totpClocks sync.Map // base → *totpClock

// totpClock is the wall clock plus the whole steps the test skipped ahead.
type totpClock struct {
	mu    sync.Mutex   // one freshCode at a time per portal: the skip and the code agree
	ahead atomic.Int64 // seconds, a multiple of 30
}

func (c *totpClock) now() time.Time {
	return time.Now().Add(time.Duration(c.ahead.Load()) * time.Second)
}

// freshCode is user's current code of secret on the portal at base. A code works once, so
// when this test already typed a code of the current 30-second step it moves the portal's
// TOTP clock to the next step (an in-process portal), or else waits for it, as a person
// waits for the app's next code.
func freshCode(t *testing.T, base, user, secret string) string {
	t.Helper()
	key := base + " " + user
	now := time.Now
	if v, ok := totpClocks.Load(base); ok {
		c := v.(*totpClock)
		c.mu.Lock()
		defer c.mu.Unlock()
		if last, ok := typedSteps.Load(key); ok {
			// Whole steps, so that a code another user of this portal was just given
			// stays within the portal's window of one step either way.
			for c.now().Unix()/30 <= last.(int64) {
				c.ahead.Add(30)
			}
		}
		now = c.now
	} else if last, ok := typedSteps.Load(key); ok && time.Now().Unix()/30 <= last.(int64) {
		began := time.Now()
		for time.Now().Unix()/30 <= last.(int64) {
			time.Sleep(time.Until(time.Unix((last.(int64)+1)*30, 0)) + 50*time.Millisecond)
		}
		t.Logf("waited %s for %s's next TOTP step", time.Since(began).Round(100*time.Millisecond), user)
	}
	at := now()
	typedSteps.Store(key, at.Unix()/30)
	c, err := totp.GenerateCode(secret, at)
	must(t, "TOTP code", err)
	return c
}

// consoleErrors collects what the page reports as an error from the moment watchConsole
// is called: console.error calls, uncaught exceptions, and browser log entries of level
// error (a CSP violation, an image or script that failed to load). reset forgets what was
// collected so far.
type consoleErrors struct {
	mu   sync.Mutex
	msgs []string
}

func watchConsole(ctx context.Context) *consoleErrors {
	w := &consoleErrors{}
	messages := chromedp.Console(ctx) // subscribed now, read below
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				w.mu.Lock()
				w.msgs = append(w.msgs, fmt.Sprintf("%s %s %s", m.Source, m, m.URL))
				w.mu.Unlock()
			}
		}
	}()
	return w
}

func (w *consoleErrors) reset() { w.mu.Lock(); w.msgs = nil; w.mu.Unlock() }

func (w *consoleErrors) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

// imageWidth waits until the image matched by css has finished loading (or failed) and
// returns its natural width: 0 when it did not load.
func imageWidth(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](fmt.Sprintf(
			"(i => i ? [i.complete ? 1 : 0, i.naturalWidth] : [1, 0])(document.querySelector(%q))", css)))
		must(t, "read the image "+css, err)
		if state[0] == 1 || time.Now().After(deadline) {
			return state[1]
		}
		time.Sleep(100 * time.Millisecond)
	}
}
