package webcore

import (
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
)

// The approval matrix's routes as people read them, on an operation's page and on the
// admin's matrix pages alike.

// GroupText names an approver group of a level: its name, "any approver" for none, or
// "group #7" for one that is gone.
func GroupText(tr *i18n.Translator, id int64, names map[int64]string) string {
	switch n, ok := names[id]; {
	case id == 0:
		return tr.T("matrix.route.any")
	case ok && n != "":
		return n
	}
	return tr.T("matrix.route.group_gone", map[string]any{"ID": strconv.FormatInt(id, 10)})
}

// LevelText is "level 1 — 1 of Treasury".
func LevelText(tr *i18n.Translator, n int, l approval.Level, names map[int64]string) string {
	return tr.T("matrix.route.level", map[string]any{"N": n, "Count": l.Count, "Group": GroupText(tr, l.GroupID, names)})
}

// RouteText is every level in a line: "level 1 — 1 of Treasury; then level 2 — 1 of CFO
// office" (in order), "…; and …" (in any order), or "no approval needed".
func RouteText(tr *i18n.Translator, levels []approval.Level, sequential bool, names map[int64]string) string {
	if len(levels) == 0 {
		return tr.T("op.no_approval_needed")
	}
	parts := make([]string, len(levels))
	for i, l := range levels {
		parts[i] = LevelText(tr, i+1, l, names)
	}
	sep := tr.T("matrix.route.and")
	if sequential {
		sep = tr.T("matrix.route.then")
	}
	return strings.Join(parts, sep)
}
