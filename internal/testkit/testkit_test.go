package testkit

import (
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/auth"
)

func TestClockStandsOrRuns(t *testing.T) {
	c := NewClock(time.Time{})
	if !c.Now().Equal(Start) {
		t.Fatalf("standing clock at %v, want %v", c.Now(), Start)
	}
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(Start.Add(90 * time.Second)) {
		t.Fatalf("after Advance: %v", got)
	}
	r := NewRunningClock()
	r.Advance(72 * time.Hour)
	if d := time.Until(r.Now()); d < 71*time.Hour || d > 73*time.Hour {
		t.Fatalf("running clock is %v ahead, want 72h", d)
	}
}

// TestCodesNeverRepeatAStep: each code is valid at the clock's time and of a later step
// than the one before, as a second factor accepts each step once.
func TestCodesNeverRepeatAStep(t *testing.T) {
	c := NewClock(time.Time{})
	var codes Codes
	last := int64(-1)
	for range 3 {
		code := codes.Code(t, c, Secret)
		step := c.Now().Unix() / 30
		if step <= last {
			t.Fatalf("step %d after %d", step, last)
		}
		want, _ := auth.Code(Secret, c.Now())
		if code != want {
			t.Fatalf("code %s, want %s", code, want)
		}
		last = step
	}
}
