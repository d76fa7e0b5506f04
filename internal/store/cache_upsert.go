package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Writes of the cache that touch only what changed. A sync finds most of what it reads
// as it was: rewriting every row each pass (at 10,000 sub-accounts, four versions of each
// sub_accounts row per round, 47,666 dead tuples on a database without autovacuum) cost
// the database and, by moving the write version with every batch, emptied the read
// cache about once a second while a sync ran (issue 16).

// upsertSpec describes a batched INSERT … ON CONFLICT of one table.
type upsertSpec struct {
	table string
	cols  []string // the columns of each row, in order
	key   []string // the conflict target
	// update: the columns set from the new row on a conflict; nil: DO NOTHING.
	update []string
	// compare: a conflicting row is updated only when one of these columns differs from
	// the new row (IS DISTINCT FROM: NULLs compare as values); nil: always. Columns in
	// update but not here (a synced_at) follow a change without causing one.
	compare []string
	// quiet: bookkeeping, left out of the write version (DB.quiet).
	quiet bool
}

// distinct is the condition "the row (cols of table) is not excluded's", for the WHERE
// of an upsert's DO UPDATE; both dialects know row values and IS DISTINCT FROM (SQLite
// since 3.39).
func distinct(table string, cols []string) string {
	have, want := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		have[i], want[i] = table+"."+c, "excluded."+c
	}
	return "(" + strings.Join(have, ", ") + ") IS DISTINCT FROM (" + strings.Join(want, ", ") + ")"
}

func joinCols(cols []string) string { return strings.Join(cols, ", ") }

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// upsertRows inserts rows (each with len(u.cols) values) in batches as u says.
func (db *DB) upsertRows(ctx context.Context, u upsertSpec, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := min(upsertMaxRows, max(1, upsertMaxParams/len(u.cols)))
	var tail string
	if len(u.update) == 0 {
		tail = fmt.Sprintf(" ON CONFLICT (%s) DO NOTHING", strings.Join(u.key, ", "))
	} else {
		sets := make([]string, len(u.update))
		for i, c := range u.update {
			sets[i] = c + " = excluded." + c
		}
		tail = fmt.Sprintf(" ON CONFLICT (%s) DO UPDATE SET %s", strings.Join(u.key, ", "), strings.Join(sets, ", "))
		if len(u.compare) > 0 {
			tail += " WHERE " + distinct(u.table, u.compare)
		}
	}
	one := "(" + placeholders(len(u.cols)) + ")"
	g := db.gorm.WithContext(ctx)
	if u.quiet {
		g = db.quiet(ctx)
	}
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", u.table, strings.Join(u.cols, ", "))
		args := make([]any, 0, len(chunk)*len(u.cols))
		for i, r := range chunk {
			if len(r) != len(u.cols) {
				return fmt.Errorf("store: upsert %s: row has %d values for %d columns", u.table, len(r), len(u.cols))
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		b.WriteString(tail)
		if err := g.Exec(b.String(), args...).Error; err != nil {
			return translate("upsert "+u.table, err)
		}
	}
	return nil
}

// replaceSet makes the rows of u.table within scope (a condition and its arguments) the
// rows given: those whose key is not among them are deleted, the others upserted as u
// says (with u.compare, only the changed are written). It replaces "delete the scope,
// insert it again", which rewrote every row of a list that had not changed.
func (db *DB) replaceSet(ctx context.Context, u upsertSpec, scope string, scopeArgs []any, rows [][]any) error {
	at := make([]int, len(u.key))
	for i, k := range u.key {
		at[i] = -1
		for j, c := range u.cols {
			if c == k {
				at[i] = j
			}
		}
		if at[i] < 0 {
			return fmt.Errorf("store: replace %s: key column %s is not written", u.table, k)
		}
	}
	keep := make(map[string]bool, len(rows))
	for _, r := range rows {
		k := make([]any, len(at))
		for i, j := range at {
			k[i] = r[j]
		}
		keep[keyString(k)] = true
	}
	have, err := db.gorm.WithContext(ctx).Raw("SELECT "+strings.Join(u.key, ", ")+" FROM "+u.table+" WHERE "+scope, scopeArgs...).Rows()
	if err != nil {
		return translate("replace "+u.table+": read keys", err)
	}
	var gone [][]any
	for have.Next() {
		k := make([]any, len(u.key))
		ptrs := make([]any, len(k))
		for i := range k {
			ptrs[i] = &k[i]
		}
		if err := have.Scan(ptrs...); err != nil {
			_ = have.Close()
			return translate("replace "+u.table+": read keys", err)
		}
		if !keep[keyString(k)] {
			gone = append(gone, k)
		}
	}
	if err := have.Close(); err != nil {
		return translate("replace "+u.table+": read keys", err)
	}
	if err := have.Err(); err != nil {
		return translate("replace "+u.table+": read keys", err)
	}
	match := "(" + strings.Join(u.key, " = ? AND ") + " = ?)"
	for start := 0; start < len(gone); start += upsertMaxRows {
		chunk := gone[start:min(start+upsertMaxRows, len(gone))]
		conds := make([]string, len(chunk))
		args := append([]any{}, scopeArgs...)
		for i, k := range chunk {
			conds[i] = match
			args = append(args, k...)
		}
		q := "DELETE FROM " + u.table + " WHERE " + scope + " AND (" + strings.Join(conds, " OR ") + ")"
		if err := db.gorm.WithContext(ctx).Exec(q, args...).Error; err != nil {
			return translate("replace "+u.table+": remove", err)
		}
	}
	return db.upsertRows(ctx, u, rows)
}

// keyString is a key's values as one comparable string, the same for a value as written
// (string, int) and as read back (string, []byte, int64).
func keyString(k []any) string {
	var b strings.Builder
	for _, v := range k {
		switch x := v.(type) {
		case []byte:
			b.Write(x)
		case time.Time:
			b.WriteString(x.UTC().Format(time.RFC3339Nano))
		default:
			fmt.Fprint(&b, x)
		}
		b.WriteByte(0)
	}
	return b.String()
}
