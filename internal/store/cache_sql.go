package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
)

// Helpers shared by the cache repositories (cache_*.go): dialect-neutral SQL pieces,
// batched upserts, and conversions between rows and domain values.

// Page bounds of the cache lists.
const (
	defaultListLimit = 50
	maxListLimit     = 500
	// upsertMaxParams stays under SQLite's 32766 bound variables (Postgres allows 65535).
	upsertMaxParams = 30000
	upsertMaxRows   = 500
)

func clampLimit(limit, def int) int {
	switch {
	case limit <= 0:
		return def
	case limit > maxListLimit:
		return maxListLimit
	}
	return limit
}

func clampOffset(offset int) int { return max(offset, 0) }

// isSQLite reports whether amounts need their *_cents sort/sum columns (SQLite only).
func (db *DB) isSQLite() bool { return db.dialect == DialectSQLite }

// cents is an amount in integer cents: the SQLite sort and sum key. Amounts carry at most
// two decimals, so nothing is lost.
func cents(a money.Amount) int64 { return a.Decimal().Shift(2).Round(0).IntPart() }

func fromCents(c int64, currency string) money.Amount {
	return money.New(decimal.New(c, -2), currency)
}

// amount reads a stored decimal string; a malformed value (never written by Purser) is zero.
func amount(s, currency string) money.Amount {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		d = decimal.Zero
	}
	return money.New(d, currency)
}

func decimalOf(s string) decimal.Decimal {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return decimal.Zero
	}
	return d
}

// searchText is what the *_search_text columns hold: lower-cased with Go's Unicode rules
// (SQLite's lower() only knows ASCII), so search behaves the same on both dialects.
func searchText(parts ...string) string { return strings.ToLower(strings.Join(parts, "\x1f")) }

// likeContains turns user input into a LIKE pattern matching it as a substring of a
// searchText column (use with ESCAPE '\').
func likeContains(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// likePrefix turns user input into a LIKE pattern matching values that start with it,
// lower-cased as the upstream's ids are (use with ESCAPE '\').
func likePrefix(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(strings.ToLower(q)) + "%"
}

// nullTime and nullAmount pass nullable values as SQL NULL.
func nullTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return utc(*t)
}

// timePtr turns the upstream's zero time ("none") into nil.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := utc(t)
	return &u
}

// conds collects AND-ed conditions with their arguments.
type conds struct {
	parts []string
	args  []any
}

func (c *conds) add(cond string, args ...any) {
	c.parts = append(c.parts, cond)
	c.args = append(c.args, args...)
}

// hideMasters leaves out the rows of the hidden masters (masters no longer configured
// whose cached rows remain); nothing to add in the usual case of none.
func hideMasters(c *conds, col string, hidden []string) {
	if len(hidden) > 0 {
		c.add(col+" NOT IN ?", hidden)
	}
}

// clone is a copy to add conditions to, leaving c as it is.
func (c *conds) clone() *conds {
	return &conds{parts: slices.Clone(c.parts), args: slices.Clone(c.args)}
}

func (c *conds) sql() string {
	if len(c.parts) == 0 {
		return "1=1"
	}
	return strings.Join(c.parts, " AND ")
}

// count runs a COUNT(*) query.
func (db *DB) count(ctx context.Context, op, query string, args ...any) (int64, error) {
	var n int64
	if err := db.gorm.WithContext(ctx).Raw(query, args...).Scan(&n).Error; err != nil {
		return 0, translate(op, err)
	}
	return n, nil
}

// nullString reads a nullable text column.
func nullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}
