package reports

import (
	"testing"
	"time"
)

// TestPrevious: a report covers the previous complete Beijing-time day, ISO week (Monday
// to Sunday) or month, wherever the instant falls in UTC: 2026-11-24 17:00 UTC is already
// the 25th in Beijing. Weeks across a year end take the ISO year (2021-01-01 is in week 53
// of 2020), and months know their lengths (February of a leap year).
func TestPrevious(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cst := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02", s, Zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		f                Frequency
		now              string // UTC
		start, end, last string // Beijing dates
		label            string
	}{
		{Daily, "2026-11-25 09:00", "2026-11-24", "2026-11-25", "2026-11-24", "2026-11-24"},
		{Daily, "2026-11-24 15:59", "2026-11-23", "2026-11-24", "2026-11-23", "2026-11-23"}, // 23:59 in Beijing
		{Daily, "2026-11-24 16:00", "2026-11-24", "2026-11-25", "2026-11-24", "2026-11-24"}, // midnight in Beijing
		{Daily, "2027-01-01 00:00", "2026-12-31", "2027-01-01", "2026-12-31", "2026-12-31"},
		{Daily, "2028-03-01 02:00", "2028-02-29", "2028-03-01", "2028-02-29", "2028-02-29"},
		// 2026-11-25 is a Wednesday: last week ran Monday the 16th to Sunday the 22nd.
		{Weekly, "2026-11-25 09:00", "2026-11-16", "2026-11-23", "2026-11-22", "2026-W47"},
		// Monday 00:30 in Beijing is Sunday in UTC: the week just ended is the one before.
		{Weekly, "2026-11-22 16:30", "2026-11-16", "2026-11-23", "2026-11-22", "2026-W47"},
		{Weekly, "2026-11-22 15:30", "2026-11-09", "2026-11-16", "2026-11-15", "2026-W46"},
		{Weekly, "2021-01-05 00:00", "2020-12-28", "2021-01-04", "2021-01-03", "2020-W53"},
		{Weekly, "2026-01-06 00:00", "2025-12-29", "2026-01-05", "2026-01-04", "2026-W01"},
		{Monthly, "2026-11-25 09:00", "2026-10-01", "2026-11-01", "2026-10-31", "2026-10"},
		{Monthly, "2026-10-31 16:00", "2026-10-01", "2026-11-01", "2026-10-31", "2026-10"}, // Nov 1st 00:00 in Beijing
		{Monthly, "2026-10-31 15:59", "2026-09-01", "2026-10-01", "2026-09-30", "2026-09"},
		{Monthly, "2027-01-15 00:00", "2026-12-01", "2027-01-01", "2026-12-31", "2026-12"},
		{Monthly, "2028-03-10 00:00", "2028-02-01", "2028-03-01", "2028-02-29", "2028-02"},
	}
	for _, c := range cases {
		p := Previous(c.f, utc(c.now))
		if !p.Start.Equal(cst(c.start)) || !p.End.Equal(cst(c.end)) || p.Frequency != c.f {
			t.Errorf("%s at %s UTC: %s – %s, want %s – %s", c.f, c.now, p.Start, p.End, c.start, c.end)
		}
		if got := p.LastDay().Format("2006-01-02"); got != c.last {
			t.Errorf("%s at %s UTC: last day %s, want %s", c.f, c.now, got, c.last)
		}
		if got := p.Label(); got != c.label {
			t.Errorf("%s at %s UTC: label %s, want %s", c.f, c.now, got, c.label)
		}
		if again, ok := PeriodAt(c.f, p.Start); !ok || again != p {
			t.Errorf("%s: PeriodAt(%s) = %+v %v", c.f, p.Start, again, ok)
		}
		if _, ok := PeriodAt(c.f, p.Start.Add(time.Hour)); ok {
			t.Errorf("%s: %s is no period start", c.f, p.Start.Add(time.Hour))
		}
	}
	if _, ok := PeriodAt("hourly", cst("2026-11-24")); ok {
		t.Error("an unknown frequency has periods")
	}
}
