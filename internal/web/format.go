package web

import (
	"time"

	"github.com/purser-finance/purser/internal/web/webcore"
)

// displayZone and formatTime are webcore's, which the areas share.
var displayZone = webcore.DisplayZone

// formatTime renders a time for people, in one format everywhere.
func formatTime(t time.Time, lang string) string { return webcore.FormatTime(t, lang) }
