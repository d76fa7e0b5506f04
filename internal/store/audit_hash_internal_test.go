package store

import (
	"math/rand/v2"
	"testing"
	"time"
)

// appendAuditTime must be the canonical layout exactly, or stored chains stop verifying.
func TestAppendAuditTimeMatchesFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	times := []time.Time{
		{}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("CST", 8*3600)),
	}
	for range 10000 {
		times = append(times, time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)).In(time.FixedZone("X", rng.IntN(50000)-25000)))
	}
	for _, tm := range times {
		if got, want := string(appendAuditTime(nil, tm)), tm.UTC().Format(auditTimeLayout); got != want {
			t.Fatalf("appendAuditTime(%v) = %q, want %q", tm, got, want)
		}
	}
}
