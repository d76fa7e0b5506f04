package forecast

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var beijing = time.FixedZone("CST", 8*3600)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// day is 20:00 Beijing time on day n of December 2026 (a reading after the day's use).
func day(n int) time.Time { return time.Date(2026, 12, n, 20, 0, 0, 0, beijing) }

// history reads available amounts on consecutive days starting at day 1; "" is a day
// without a reading (a failed sync).
func history(values ...string) []Point {
	var out []Point
	for i, v := range values {
		if v != "" {
			out = append(out, Point{At: day(i + 1), Available: d(v)})
		}
	}
	return out
}

func TestSteadyBurn(t *testing.T) {
	r := Estimate(history("1000", "900", "800", "700", "600"), nil, day(5).Add(time.Hour), beijing)
	if r.State != Estimated || !r.DailyBurn.Equal(d("100")) || !r.Days.Equal(d("6")) || r.BasedOn != 4 {
		t.Fatalf("steady burn: %+v", r)
	}
	if want := day(5).Add(6 * 24 * time.Hour); !r.RunsOut.Equal(want) {
		t.Fatalf("runs out %v, want %v", r.RunsOut, want)
	}
	if !r.Below(7) || r.Below(6) || !r.Needed(30).Equal(d("2400")) || !r.Needed(5).IsZero() {
		t.Fatalf("Below/Needed: %v %v %v %v", r.Below(7), r.Below(6), r.Needed(30), r.Needed(5))
	}
}

// Purser's own transfer in is not negative spending, its recovery is not spending.
func TestPursersMovementsAreNotConsumption(t *testing.T) {
	points := history("1000", "900", "1300", "1200", "600")
	moves := []Movement{
		{At: day(3).Add(-2 * time.Hour), Amount: d("500")},  // a transfer in on day 3
		{At: day(5).Add(-3 * time.Hour), Amount: d("-500")}, // a recovery on day 5
	}
	r := Estimate(points, moves, day(5), beijing)
	if r.State != Estimated || !r.DailyBurn.Equal(d("100")) || r.Excluded != 0 || r.BasedOn != 4 {
		t.Fatalf("with movements: %+v", r)
	}
	for _, m := range r.Measured {
		if !m.Consumption.Equal(d("100")) {
			t.Fatalf("day %v consumed %v", m.Date, m.Consumption)
		}
	}
}

// A top-up from outside Purser (the console) shows as a rise: that day is left out.
func TestOutsideTopUpIsLeftOut(t *testing.T) {
	r := Estimate(history("1000", "950", "2000", "1950", "1900", "1850"), nil, day(6), beijing)
	if r.State != Estimated || !r.DailyBurn.Equal(d("50")) || r.Excluded != 1 || r.BasedOn != 4 {
		t.Fatalf("outside top-up: %+v", r)
	}
}

// A missed reading spreads the fall over the days it covers.
func TestGapsSpreadOverTheirDays(t *testing.T) {
	r := Estimate(history("1000", "", "", "700", "600"), nil, day(5), beijing)
	if r.State != Estimated || !r.DailyBurn.Equal(d("100")) || r.BasedOn != 4 {
		t.Fatalf("gap: %+v", r)
	}
	if got := r.Measured[0].Date; !got.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, beijing)) {
		t.Fatalf("first measured day %v", got)
	}
}

// One day of heavy use does not move the median; it is an anomaly beside it.
func TestSpike(t *testing.T) {
	r := Estimate(history("2000", "1900", "1800", "1700", "1600", "600"), nil, day(6), beijing)
	if r.State != Estimated || !r.DailyBurn.Equal(d("100")) || !r.Days.Equal(d("6")) {
		t.Fatalf("spike: %+v", r)
	}
	last, odd := r.Anomaly(d("3"))
	if !odd || !last.Consumption.Equal(d("1000")) {
		t.Fatalf("anomaly %v %v", last, odd)
	}
	if _, odd := Estimate(history("1000", "900", "800", "700", "600"), nil, day(5), beijing).Anomaly(d("3")); odd {
		t.Fatal("a steady burn is an anomaly")
	}
}

func TestNotEnoughHistoryAndNoConsumption(t *testing.T) {
	for name, points := range map[string][]Point{"none": nil, "one reading": history("500"), "two days": history("500", "400", "300")[:2]} {
		if r := Estimate(points, nil, day(5), beijing); r.State != NotEnoughHistory || r.Below(1000) || !r.Needed(30).IsZero() {
			t.Fatalf("%s: %+v", name, r)
		}
	}
	r := Estimate(history("500", "500", "500", "500"), nil, day(4), beijing)
	if r.State != NoConsumption || r.Below(1000) || r.BasedOn != 3 || !r.Available.Equal(d("500")) {
		t.Fatalf("no consumption: %+v", r)
	}
}

// Several readings a day: the day's last one counts; later readings than now are ignored.
func TestLastReadingOfTheDay(t *testing.T) {
	points := history("1000", "900", "800", "700")
	points = append(points, Point{At: day(2).Add(-6 * time.Hour), Available: d("990")}, Point{At: day(9), Available: d("1")})
	r := Estimate(points, nil, day(4).Add(time.Hour), beijing)
	if !r.DailyBurn.Equal(d("100")) || !r.Available.Equal(d("700")) || r.BasedOn != 3 {
		t.Fatalf("readings a day: %+v", r)
	}
}

// The window keeps the latest 14 days; an old heavy spend no longer counts.
func TestWindow(t *testing.T) {
	var values []string
	v := d("100000")
	for i := 0; i < 30; i++ {
		values = append(values, v.String())
		if i < 10 {
			v = v.Sub(d("1000"))
		} else {
			v = v.Sub(d("10"))
		}
	}
	r := Estimate(history(values...), nil, day(30), beijing)
	if r.BasedOn != Window || !r.DailyBurn.Equal(d("10")) {
		t.Fatalf("window: based on %d, burn %v", r.BasedOn, r.DailyBurn)
	}
}

func TestNothingLeftAndFarFuture(t *testing.T) {
	r := Estimate(history("300", "200", "100", "0"), nil, day(4), beijing)
	if r.State != Estimated || !r.Days.IsZero() || !r.Below(1) {
		t.Fatalf("empty account: %+v", r)
	}
	r = Estimate(history("100000000", "99999999.99", "99999999.98", "99999999.97"), nil, day(4), beijing)
	if r.State != Estimated || !r.RunsOut.IsZero() || r.Below(1000) {
		t.Fatalf("far future: %+v", r)
	}
}
