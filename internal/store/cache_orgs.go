package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/authz"
)

type orgRow struct {
	ID       string
	Name     string
	ParentID string
	Path     string
	Depth    int
	SyncedAt time.Time
}

func (r orgRow) org() Organization {
	return Organization{ID: r.ID, Name: r.Name, ParentID: r.ParentID, Path: splitPath(r.Path), Depth: r.Depth, SyncedAt: r.SyncedAt.UTC()}
}

// joinPath encodes an org path as stored: "/root/unit/" (ids never contain '/').
func joinPath(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return "/" + strings.Join(ids, "/") + "/"
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return []string{}
	}
	return strings.Split(p, "/")
}

// Organizations lists every cached unit in tree order (by path).
func (db *DB) Organizations(ctx context.Context) ([]Organization, error) {
	return db.OrganizationsOf(ctx, authz.Everything, "")
}

// OrganizationsOf is Organizations of one master's tree ("" = every master's), limited to
// the units in scope (a scope's units and those below them): the organisation filter
// offers only units whose sub-accounts the subject may see.
func (db *DB) OrganizationsOf(ctx context.Context, scope authz.QueryScope, master string) ([]Organization, error) {
	c := &conds{}
	if master != "" {
		c.add("master_account_id = ?", master)
	}
	if err := db.addScope(ctx, c, scope, "%s", "id", "path"); err != nil {
		return nil, err
	}
	q, args := `SELECT id, name, parent_id, path, depth, synced_at FROM organizations WHERE `+c.sql()+` ORDER BY path`, c.args
	// Scanned by hand rather than by gorm's reflection: the sub-account list reads the
	// whole tree (a thousand units and more) on every request for its filter.
	rows, err := db.gorm.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, translate("list organizations", err)
	}
	defer rows.Close()
	var out []Organization
	for rows.Next() {
		var r orgRow
		if err := rows.Scan(&r.ID, &r.Name, &r.ParentID, &r.Path, &r.Depth, &r.SyncedAt); err != nil {
			return nil, translate("list organizations", err)
		}
		out = append(out, r.org())
	}
	if err := rows.Err(); err != nil {
		return nil, translate("list organizations", err)
	}
	if out == nil {
		out = []Organization{}
	}
	return out, nil
}

// OrganizationByID returns one unit; ErrNotFound when it is not cached.
func (db *DB) OrganizationByID(ctx context.Context, id string) (*Organization, error) {
	var rows []orgRow
	if err := db.gorm.WithContext(ctx).Raw(`SELECT id, name, parent_id, path, depth, synced_at FROM organizations WHERE id = ?`, id).Scan(&rows).Error; err != nil {
		return nil, translate("get organization", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get organization %q: %w", id, ErrNotFound)
	}
	o := rows[0].org()
	return &o, nil
}

// OrganizationInScope returns unit id when it is in scope and in master's tree ("" =
// any master's); ErrNotFound otherwise, so that a scoped subject learns nothing of a unit
// outside the scope. One primary-key read: the scope is checked on the unit's path, which
// holds every unit above it (authz.QueryScope.Covers), as addScope would in SQL.
func (db *DB) OrganizationInScope(ctx context.Context, scope authz.QueryScope, master, id string) (*Organization, error) {
	var r orgRow
	var of string
	row := db.gorm.WithContext(ctx).Raw(`SELECT id, name, parent_id, path, depth, synced_at, master_account_id FROM organizations WHERE id = ?`, id).Row()
	err := row.Scan(&r.ID, &r.Name, &r.ParentID, &r.Path, &r.Depth, &r.SyncedAt, &of)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && master != "" && of != master) {
		return nil, fmt.Errorf("store: get organization %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, translate("get organization", err)
	}
	o := r.org()
	if !scope.Covers(o.Path) {
		return nil, fmt.Errorf("store: get organization %q: %w", id, ErrNotFound)
	}
	return &o, nil
}

// OrganizationAncestors returns the units along path (a sub-account's OrgPath, root
// first), root first: those whose path is a prefix of it, read by the path index instead
// of the whole tree. A unit of path that is not in the tree is left out.
func (db *DB) OrganizationAncestors(ctx context.Context, path []string) ([]Organization, error) {
	out := []Organization{}
	if len(path) == 0 {
		return out, nil
	}
	prefixes := make([]string, len(path))
	for i := range path {
		prefixes[i] = joinPath(path[:i+1])
	}
	var rows []orgRow
	if err := db.gorm.WithContext(ctx).Raw(`SELECT id, name, parent_id, path, depth, synced_at FROM organizations WHERE path IN ? ORDER BY depth`, prefixes).Scan(&rows).Error; err != nil {
		return nil, translate("organization ancestors", err)
	}
	for _, r := range rows {
		out = append(out, r.org())
	}
	return out, nil
}

// ReplaceOrganizations stores master's whole tree read by run runID (not stored: what is
// gone is found by comparing the tree with the cached units): units are upserted,
// master's units (and untagged ones) no longer in the tree are removed, and the
// sub-accounts' denormalised org paths follow. Each unit's Path must be set (root first,
// the unit last). Only what changed is written: a unit read as it was keeps its row (and
// its synced_at, which so says when it last changed), and only the sub-accounts whose
// path changed are touched.
func (db *DB) ReplaceOrganizations(ctx context.Context, master string, runID int64, orgs []Organization, at time.Time) error {
	rows := make([][]any, len(orgs))
	for i, o := range orgs {
		rows[i] = []any{o.ID, o.Name, o.ParentID, joinPath(o.Path), len(o.Path) - 1, utc(at), master}
	}
	unit := []string{"name", "parent_id", "path", "depth", "master_account_id"}
	spec := upsertSpec{table: "organizations", cols: []string{"id", "name", "parent_id", "path", "depth", "synced_at", "master_account_id"}, key: []string{"id"},
		update: append([]string{"synced_at"}, unit...), compare: unit}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.lockOrgPaths(ctx); err != nil {
			return err
		}
		if err := tx.replaceSet(ctx, spec, `master_account_id IN (?, '')`, []any{master}, rows); err != nil {
			return err
		}
		err := tx.gorm.WithContext(ctx).Exec(`UPDATE sub_accounts SET org_path = ` + orgPathOf + ` WHERE org_path <> ` + orgPathOf).Error
		return translate("update sub-account org paths", err)
	})
}

// orgPathLockKey is the Postgres transaction advisory lock taken by the two writers of
// sub-accounts' org paths, UpsertSubAccounts and ReplaceOrganizations. Without it, a
// sub-account inserted in a new unit while that unit's tree commits could be left
// without a path: each transaction's update would miss the other's uncommitted rows, and
// the org filters and scopes, which match by path alone, would miss the sub-account.
const orgPathLockKey int64 = 0x7075727365760001

// lockOrgPaths serialises the writers of org paths until the transaction ends. SQLite's
// transactions begin IMMEDIATE: one writer at a time already.
func (db *DB) lockOrgPaths(ctx context.Context) error {
	if db.isSQLite() {
		return nil
	}
	return translate("lock org paths", db.gorm.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(?)", orgPathLockKey).Error)
}

// SearchOrganizations lists up to limit units in scope of master's tree ("" = every
// master's) whose name contains q (any case) or whose id is q, by name: the organisation
// filter's type-ahead. The scope is applied here, in SQL, so that a scoped subject never
// gets a unit outside it.
func (db *DB) SearchOrganizations(ctx context.Context, scope authz.QueryScope, master, q string, limit int) ([]Organization, error) {
	c := &conds{}
	if master != "" {
		c.add("master_account_id = ?", master)
	}
	if q = strings.TrimSpace(q); q != "" {
		c.add(`(LOWER(name) LIKE ? ESCAPE '\' OR id = ?)`, likeContains(q), q)
	}
	if err := db.addScope(ctx, c, scope, "%s", "id", "path"); err != nil {
		return nil, err
	}
	var rows []orgRow
	err := db.gorm.WithContext(ctx).Raw(`SELECT id, name, parent_id, path, depth, synced_at FROM organizations WHERE `+c.sql()+
		` ORDER BY LOWER(name), id LIMIT ?`, append(c.args, clampLimit(limit, 20))...).Scan(&rows).Error
	if err != nil {
		return nil, translate("search organizations", err)
	}
	out := make([]Organization, len(rows))
	for i, r := range rows {
		out[i] = r.org()
	}
	return out, nil
}
