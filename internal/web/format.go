package web

import "time"

// displayZone is where times are shown: Huawei Cloud's China site bills in Beijing time,
// so that is what finance staff read on their statements.
var displayZone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// formatTime renders a time for people, in one format everywhere.
func formatTime(t time.Time, lang string) string {
	t = t.In(displayZone)
	if lang == "zh" {
		return t.Format("2006-01-02 15:04:05") + " (北京时间)"
	}
	return t.Format("2006-01-02 15:04:05") + " CST"
}
