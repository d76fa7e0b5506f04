package testkit

import (
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/auth"
)

// Codes hands out TOTP codes as the authenticator app would. A code works once, so the
// next one asked for the same secret is for the next 30-second step: the clock moves on to
// it, as a person waits for the app's next code. One Codes per set of users (a database):
// two servers over one database share their users' used steps, though each has its own
// clock.
type Codes struct {
	mu   sync.Mutex
	last map[string]int64 // secret → step of the last code handed out
}

// Code is the current code of secret on clk, never one of a step already handed out.
func (c *Codes) Code(t testing.TB, clk *Clock, secret string) string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]int64{}
	}
	now := clk.Now()
	if last, ok := c.last[secret]; ok && now.Unix()/30 <= last {
		clk.Advance(time.Duration((last+1)*30-now.Unix()) * time.Second)
		now = clk.Now()
	}
	c.last[secret] = now.Unix() / 30
	code, err := auth.Code(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return code
}
