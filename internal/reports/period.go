package reports

import (
	"fmt"
	"time"

	"github.com/purser-finance/purser/internal/store"
)

// Frequency is how often a subscriber gets a report.
type Frequency string

// The frequencies.
const (
	Daily   Frequency = store.ReportDaily
	Weekly  Frequency = store.ReportWeekly
	Monthly Frequency = store.ReportMonthly
)

// Frequencies lists them in the order the page offers them.
var Frequencies = []Frequency{Daily, Weekly, Monthly}

// Valid reports whether f is a known frequency.
func (f Frequency) Valid() bool { return f == Daily || f == Weekly || f == Monthly }

// Zone is the calendar periods are counted in: Beijing time, as Huawei Cloud's China site
// bills and as the portal shows times (webcore.DisplayZone; a test holds them equal).
var Zone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// Period is the span a report covers: from Start (included) to End (excluded), both
// midnights in Zone.
type Period struct {
	Frequency  Frequency
	Start, End time.Time
}

// midnight is the start of t's day in Zone.
func midnight(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}

// current is the period of f that contains t.
func current(f Frequency, t time.Time) Period {
	day := midnight(t)
	switch f {
	case Weekly: // ISO weeks start on Monday
		start := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		return Period{Frequency: f, Start: start, End: start.AddDate(0, 0, 7)}
	case Monthly:
		start := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, Zone)
		return Period{Frequency: f, Start: start, End: start.AddDate(0, 1, 0)}
	default:
		return Period{Frequency: f, Start: day, End: day.AddDate(0, 0, 1)}
	}
}

// Previous is the last complete period of f at now: yesterday, last week (Monday to
// Sunday) or last month, in Beijing time. A report covers it.
func Previous(f Frequency, now time.Time) Period {
	return current(f, current(f, now).Start.Add(-time.Nanosecond))
}

// PeriodAt is the period of f that starts at start, and whether start is such a start.
func PeriodAt(f Frequency, start time.Time) (Period, bool) {
	p := current(f, start)
	return p, f.Valid() && p.Start.Equal(start)
}

// Label names the period in file names and subjects: 2026-11-24, 2026-W48, 2026-11.
func (p Period) Label() string {
	s := p.Start.In(Zone)
	switch p.Frequency {
	case Weekly:
		y, w := s.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case Monthly:
		return s.Format("2006-01")
	default:
		return s.Format("2006-01-02")
	}
}

// LastDay is the period's last calendar day (End is the midnight after it).
func (p Period) LastDay() time.Time { return p.End.In(Zone).AddDate(0, 0, -1) }
