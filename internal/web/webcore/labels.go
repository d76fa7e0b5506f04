package webcore

import (
	"strconv"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/i18n"
)

// StatusLabel translates prefix+code ("res.status.4"), or says "unknown (code)" for a
// code the catalogue does not know (the upstream adds statuses over time).
func StatusLabel(tr *i18n.Translator, prefix string, code int) string {
	s := tr.T(prefix + strconv.Itoa(code))
	if strings.HasPrefix(s, "[") {
		return tr.T("read.unknown_code", map[string]any{"Code": code})
	}
	return s
}

// ExpiresSoon: t comes within 30 days of now (or has passed), what the lists highlight.
func ExpiresSoon(t *time.Time, now time.Time) bool {
	return t != nil && !t.IsZero() && t.Before(now.Add(30*24*time.Hour))
}
