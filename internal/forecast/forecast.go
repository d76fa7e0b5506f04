// Package forecast estimates how long a sub-account's money lasts: its daily consumption
// from the balance history Purser keeps, corrected by the movements Purser itself
// settled, and the runway that leaves. It is pure: callers load the history and the
// movements (readmodel, the rules job) and pass them in, so the estimate is the same
// wherever it is computed and is tested on constructed histories.
//
// The estimate: the last balance of each calendar day (in the display zone: Huawei
// Cloud's China site bills by Beijing days), a day's consumption as the fall from the
// day before plus what Purser moved in minus what it recovered that day, the median of
// the last Window days (robust to a spike and to a top-up from outside Purser, which
// shows as a rise and is left out), and runway = available ÷ that median.
package forecast

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Window is how many days of consumption the estimate is based on, at most.
const Window = 14

// MinDays is how many days of consumption an estimate needs; fewer is NotEnoughHistory.
const MinDays = 3

// Point is one balance reading: what the account had available (cash and credit
// together: a sub-account spends both before its resources are frozen).
type Point struct {
	At        time.Time
	Available decimal.Decimal
}

// Movement is money Purser moved for the account and that was settled: positive into
// the account (a transfer), negative out of it (a recovery).
type Movement struct {
	At     time.Time
	Amount decimal.Decimal
}

// State says whether the runway is a number.
type State string

const (
	// Estimated: DailyBurn > 0 and Days is the runway.
	Estimated State = "estimated"
	// NoConsumption: the account spent nothing on the days measured; it does not run out.
	NoConsumption State = "no_consumption"
	// NotEnoughHistory: fewer than MinDays of consumption could be measured.
	NotEnoughHistory State = "not_enough_history"
)

// Day is one measured day's consumption.
type Day struct {
	Date        time.Time // midnight of the day, in the zone
	Consumption decimal.Decimal
}

// Runway is the estimate for one account.
type Runway struct {
	State     State
	Available decimal.Decimal // the latest reading
	DailyBurn decimal.Decimal // the median consumption per day (Estimated only)
	// Days is Available ÷ DailyBurn to one decimal (Estimated only); 0 when nothing is
	// left.
	Days decimal.Decimal
	// BasedOn is the number of days the median is taken over.
	BasedOn int
	// RunsOut is when Available reaches zero at DailyBurn (Estimated only; zero beyond
	// ten years).
	RunsOut time.Time
	// Measured are the days the estimate used, oldest first (the chart's projection, and
	// an alert comparing the latest day with the median).
	Measured []Day
	// Excluded counts days left out: a rise that Purser's own movements do not explain (a
	// top-up from the console, a refund).
	Excluded int
}

// Estimate computes the runway of an account from its readings and Purser's movements
// for it, as of now, with days counted in zone.
func Estimate(points []Point, moves []Movement, now time.Time, zone *time.Location) Runway {
	days := endOfDay(points, now, zone)
	r := Runway{State: NotEnoughHistory}
	if len(days) == 0 {
		return r
	}
	r.Available = days[len(days)-1].p.Available
	moves = sortedMoves(moves)
	for i := 1; i < len(days); i++ {
		prev, cur := days[i-1], days[i]
		gap := int(cur.date.Sub(prev.date).Hours()/24 + 0.5)
		if gap < 1 {
			continue
		}
		net := netBetween(moves, prev.p.At, cur.p.At)
		used := prev.p.Available.Sub(cur.p.Available).Add(net)
		if used.IsNegative() {
			r.Excluded++
			continue
		}
		// A gap of several days spreads its consumption evenly over them: one reading
		// missed must not look like a day of double spending.
		per := used.Div(decimal.NewFromInt(int64(gap)))
		for g := gap - 1; g >= 0; g-- {
			r.Measured = append(r.Measured, Day{Date: cur.date.AddDate(0, 0, -g), Consumption: per})
		}
	}
	if len(r.Measured) > Window {
		r.Measured = r.Measured[len(r.Measured)-Window:]
	}
	r.BasedOn = len(r.Measured)
	if r.BasedOn < MinDays {
		r.State = NotEnoughHistory
		return r
	}
	r.DailyBurn = median(r.Measured)
	if !r.DailyBurn.IsPositive() {
		r.State, r.DailyBurn = NoConsumption, decimal.Zero
		return r
	}
	r.State = Estimated
	if r.Available.IsPositive() {
		r.Days = r.Available.Div(r.DailyBurn).RoundFloor(1)
		// Beyond ten years a date means nothing (and would overflow a Duration).
		if hours := r.Available.Div(r.DailyBurn).Mul(decimal.NewFromInt(24)); hours.LessThan(decimal.NewFromInt(24 * 3650)) {
			r.RunsOut = days[len(days)-1].p.At.Add(time.Duration(hours.IntPart()) * time.Hour)
		}
	} else {
		r.Days, r.RunsOut = decimal.Zero, days[len(days)-1].p.At
	}
	return r
}

// Below tells whether the runway is estimated and shorter than n days: "runs out within
// n days". No consumption and not enough history are never below.
func (r Runway) Below(n int) bool {
	return r.State == Estimated && r.Days.LessThan(decimal.NewFromInt(int64(n)))
}

// Needed is what brings the account to target days of runway at its daily burn (zero
// when it has that already, or when the runway is not estimated).
func (r Runway) Needed(target int) decimal.Decimal {
	if r.State != Estimated {
		return decimal.Zero
	}
	want := r.DailyBurn.Mul(decimal.NewFromInt(int64(target)))
	if need := want.Sub(r.Available); need.IsPositive() {
		return need
	}
	return decimal.Zero
}

// Anomaly tells whether the latest measured day consumed more than factor times the
// median of the days before it (at least MinDays of them), and returns that day.
func (r Runway) Anomaly(factor decimal.Decimal) (Day, bool) {
	if len(r.Measured) < MinDays+1 {
		return Day{}, false
	}
	last := r.Measured[len(r.Measured)-1]
	before := median(r.Measured[:len(r.Measured)-1])
	if !before.IsPositive() {
		return last, false
	}
	return last, last.Consumption.GreaterThan(before.Mul(factor))
}

type dayEnd struct {
	date time.Time // midnight in the zone
	p    Point
}

// endOfDay keeps the last reading of each day up to now, oldest first.
func endOfDay(points []Point, now time.Time, zone *time.Location) []dayEnd {
	ps := make([]Point, 0, len(points))
	for _, p := range points {
		if !p.At.After(now) {
			ps = append(ps, p)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].At.Before(ps[j].At) })
	var out []dayEnd
	for _, p := range ps {
		t := p.At.In(zone)
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone)
		if n := len(out); n > 0 && out[n-1].date.Equal(d) {
			out[n-1].p = p
			continue
		}
		out = append(out, dayEnd{date: d, p: p})
	}
	return out
}

func sortedMoves(moves []Movement) []Movement {
	out := append([]Movement(nil), moves...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// netBetween sums the movements settled after from and up to to.
func netBetween(moves []Movement, from, to time.Time) decimal.Decimal {
	sum := decimal.Zero
	for _, m := range moves {
		if m.At.After(from) && !m.At.After(to) {
			sum = sum.Add(m.Amount)
		}
	}
	return sum
}

// median of the days' consumption; the mean of the middle two for an even count.
func median(days []Day) decimal.Decimal {
	vs := make([]decimal.Decimal, len(days))
	for i, d := range days {
		vs[i] = d.Consumption
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].LessThan(vs[j]) })
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return vs[n/2-1].Add(vs[n/2]).Div(decimal.NewFromInt(2))
}
