package webcore

import (
	"strconv"
	"strings"
	"time"
)

// DisplayZone is where times are shown: Huawei Cloud's China site bills in Beijing time,
// so that is what finance staff read on their statements.
var DisplayZone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// FormatTime renders a time for people, in one format everywhere.
func FormatTime(t time.Time, lang string) string {
	t = t.In(DisplayZone)
	if lang == "zh" {
		return t.Format("2006-01-02 15:04:05") + " (北京时间)"
	}
	return t.Format("2006-01-02 15:04:05") + " CST"
}

// FormatTimePtr renders a time or "".
func FormatTimePtr(t *time.Time, lang string) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return FormatTime(*t, lang)
}

// FormatDate renders a date (no time) in the display zone; "" for nil.
func FormatDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(DisplayZone).Format("2006-01-02")
}

// FormatInt groups digits: 12,345.
func FormatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Isolate wraps a value shown inside a composed line (a timeline or audit summary) in
// FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, the plain-text form of <bdi>: a reason
// holding a right-to-left override cannot reorder the rest of the line.
func Isolate(s string) string { return "\u2068" + s + "\u2069" }
