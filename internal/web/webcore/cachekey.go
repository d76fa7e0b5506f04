package webcore

import (
	"slices"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/store"
)

// Keys of the read cache (readmodel.Cached) for entries that depend on who asks: the
// core's navigation counters and the dashboard's panels of the areas.

// ScopeKey names a set of org scopes in cache keys: order does not matter, "" is
// "everything" (as the store reads an empty scope list).
func ScopeKey(scopes []string) string {
	if len(scopes) == 0 {
		return ""
	}
	s := slices.Clone(scopes)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), "\x1f")
}

// ActorKey names a user as they are on this request — id, roles and scopes — for entries
// that depend on who asks (their approvals, their notifications, what they may see).
func ActorKey(u *store.User) string {
	if u == nil {
		return "-"
	}
	roles := slices.Clone(u.Roles)
	slices.Sort(roles)
	return strings.Join([]string{
		strconv.FormatInt(u.ID, 10), strings.Join(roles, ","), ScopeKey(u.Scopes),
	}, "\x1e")
}
