package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/purser-finance/purser/internal/authz"
)

// Organisation scopes and filters in SQL. A row's unit is matched by the path of its
// org (the sub-accounts' denormalised org_path, the units' own path), a range of the
// org_path index: '/a/b/' ≤ path < '/a/b0', '0' being the byte after '/'. The path is
// the unit's own path whenever the unit is in the tree: the sync sets it with the row
// (UpsertSubAccounts) and again whenever the tree changes (ReplaceOrganizations), under
// one lock (lockOrgPaths). So the range alone finds the unit's rows too; matching the
// org id as well, OR-ed with the range, made Postgres give up the range scan.

// addScope limits the rows to scope: nothing to add for everything, otherwise wrap (a
// format with one %s) around the condition that the row's org (orgIDCol, orgPathCol) is
// in one of the scope's units or below; the zero scope matches nothing.
func (db *DB) addScope(ctx context.Context, c *conds, scope authz.QueryScope, wrap, orgIDCol, orgPathCol string) error {
	if scope.All {
		return nil
	}
	paths, err := db.orgPaths(ctx, scope.OrgIDs)
	if err != nil {
		return err
	}
	addScopeOf(c, paths, scope, wrap, orgIDCol, orgPathCol)
	return nil
}

// addScopeOf is addScope with the units' paths already read (orgPaths).
func addScopeOf(c *conds, paths map[string]string, scope authz.QueryScope, wrap, orgIDCol, orgPathCol string) {
	if scope.All {
		return
	}
	cond, args := orgMatch(paths, scope.OrgIDs, orgIDCol, orgPathCol)
	c.add(fmt.Sprintf(wrap, cond), args...)
}

// masterWide limits objects of a master account as a whole (its stored-value cards and
// resource packages), which belong to no unit: every subject who sees anything sees them,
// the zero scope sees none.
func masterWide(c *conds, scope authz.QueryScope) {
	if !scope.All && len(scope.OrgIDs) == 0 {
		c.add("1=0")
	}
}

// orgCondition matches rows whose org (column orgIDCol, path column orgPathCol) lies in
// one of the units ids or below them (orgMatch), reading their paths first.
func (db *DB) orgCondition(ctx context.Context, ids []string, orgIDCol, orgPathCol string) (string, []any, error) {
	paths, err := db.orgPaths(ctx, ids)
	if err != nil {
		return "", nil, err
	}
	cond, args := orgMatch(paths, ids, orgIDCol, orgPathCol)
	return cond, args, nil
}

// orgPaths reads the paths of the units named in ids found in the organisations table, by
// id: one query for all the units a read filters and is scoped on.
func (db *DB) orgPaths(ctx context.Context, ids ...[]string) (map[string]string, error) {
	all := uniqueSorted(slices.Concat(ids...))
	paths := make(map[string]string, len(all))
	if len(all) == 0 {
		return paths, nil
	}
	rows, err := db.gorm.WithContext(ctx).Raw(`SELECT id, path FROM organizations WHERE id IN ?`, all).Rows()
	if err != nil {
		return nil, translate("org scope", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, path string
		if err := rows.Scan(&id, &path); err != nil {
			return nil, translate("org scope", err)
		}
		paths[id] = path
	}
	return paths, translate("org scope", rows.Err())
}

// orgMatch matches rows whose org lies in one of the units ids or below them: by path
// range for the units in paths (a unit below another one listed adds nothing), by org id
// for those not (yet) in the tree, whose rows have no path.
func orgMatch(paths map[string]string, ids []string, orgIDCol, orgPathCol string) (string, []any) {
	ids = uniqueSorted(ids)
	if len(ids) == 0 {
		return "1=0", nil
	}
	var found, missing []string
	for _, id := range ids {
		if p, ok := paths[id]; ok {
			found = append(found, p)
		} else {
			missing = append(missing, id)
		}
	}
	// In byte order every path below a unit follows the unit's own path, before any other.
	slices.Sort(found)
	var parts []string
	var args []any
	last := ""
	for _, p := range found {
		if last != "" && strings.HasPrefix(p, last) {
			continue
		}
		last = p
		parts = append(parts, fmt.Sprintf("(%s >= ? AND %s < ?)", orgPathCol, orgPathCol))
		args = append(args, p, strings.TrimSuffix(p, "/")+"0")
	}
	if len(missing) > 0 {
		parts = append(parts, orgIDCol+" IN ?")
		args = append(args, missing)
	}
	if len(parts) == 1 {
		return parts[0], args
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}
