package webcore

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/view"
)

// Stateless rules more than one area (or an area and the core) follow.

// PathID reads a positive integer id from the path; anything else is ErrNotFound.
func PathID(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotFound
	}
	return id, nil
}

// RoleLabels are the translated names of roles.
func RoleLabels(tr *i18n.Translator, roles []string) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, tr.T("role."+r))
	}
	return out
}

// SessionRows lists a user's sessions for display (their own profile, an admin's user
// page); current is the id of the request's session.
func SessionRows(list []store.Session, current, lang string) []view.SessionRow {
	rows := make([]view.SessionRow, 0, len(list))
	for _, x := range list {
		agent := x.UserAgent
		if r := []rune(agent); len(r) > 80 {
			agent = string(r[:80]) + "…"
		}
		rows = append(rows, view.SessionRow{ID: x.ID, Started: FormatTime(x.CreatedAt, lang), LastSeen: FormatTime(x.LastSeenAt, lang),
			IP: x.IP, Agent: agent, Current: x.ID == current})
	}
	return rows
}
