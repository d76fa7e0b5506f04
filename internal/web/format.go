package web

import (
	"time"

	"github.com/purser-finance/purser/internal/web/webcore"
)

// The formatting and query rules are webcore's, which the areas share; these names keep
// web's own pages reading as before.

func formatTime(t time.Time, lang string) string { return webcore.FormatTime(t, lang) }
func safeNext(next string) string                { return webcore.SafeNext(next) }
