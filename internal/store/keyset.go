package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Keyset paging, shared by the cache lists. A list's order is a composite key: columns
// compared left to right, the last of them unique together, so that every row has a place
// of its own and a page can start right after (or end right before) any row. A page is
// then one range of the order however deep it lies, where an offset would read and drop
// every row ahead of it. A cursor names a row's key and the direction to seek from it.

// Page is one keyset page of a list. Total counts every match of the filter; when
// TotalCapped, counting stopped there and more than Total match.
type Page[T any] struct {
	Items       []T
	NextCursor  string // "" on the last page
	PrevCursor  string // "" on the first page
	LastCursor  string // the last page's cursor; "" on the last page
	Total       int64
	TotalCapped bool
	Before      int64 // rows ahead of this page (0 on the first)
}

// Cursor directions: after the key (the next page; cursors without a direction, from
// links made before paging went both ways, are this), before it (the previous page), and
// the last page (no key).
const (
	cursorAfter  = ""
	cursorBefore = "b"
	cursorLast   = "l"
)

// keyCol is one column of an order.
type keyCol struct {
	col string // the column, or an expression of it, ordered on
	// mark is what a cursor's value is compared as ("" = "?"): the same expression of the
	// placeholder when col is one (an expiry reads NULL as a time past every date).
	mark string
	// null: the value may be NULL, which a cursor carries as JSON null.
	null bool
	// arg turns a cursor's text of the value into the SQL argument; false: not a value
	// of this column (a tampered cursor). nil: the text itself.
	arg func(string) (any, bool)
}

// keyset is an order: its columns, all ascending or all descending.
type keyset struct {
	name string // carried by the order's cursors: a cursor of another order is stale
	cols []keyCol
	desc bool
}

// cursor is a keyset cursor as it travels, base64url-encoded JSON.
type cursor struct {
	Sort string    `json:"s"`
	Key  []*string `json:"v,omitempty"` // one value per column; nil: NULL
	Dir  string    `json:"d,omitempty"`
	// K and I are the sub-account list's cursors from before composite keys (a sort
	// key and the id), still in bookmarks.
	K string `json:"k,omitempty"`
	I string `json:"i,omitempty"`
}

func (k keyset) encode(key []*string, dir string) string {
	b, _ := json.Marshal(cursor{Sort: k.name, Key: key, Dir: dir})
	return base64.RawURLEncoding.EncodeToString(b)
}

// lastCursor is the cursor of the last page: a seek from the end, so that the last page
// costs what the first does.
func (k keyset) lastCursor() string { return k.encode(nil, cursorLast) }

// decode reads a cursor of this order: its direction and the SQL arguments of its key.
// One of another order, or one that does not decode, is not ok: the list starts from
// its first page (a stale or tampered link never fails the page).
func (k keyset) decode(s string) (dir string, args []any, ok bool) {
	if s == "" {
		return "", nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", nil, false
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.Sort != k.name {
		return "", nil, false
	}
	switch c.Dir {
	case cursorLast:
		return cursorLast, nil, true
	case cursorAfter, cursorBefore:
	default:
		return "", nil, false
	}
	if c.Key == nil && c.I != "" {
		c.Key = []*string{&c.K, &c.I}
	}
	args, ok = k.args(c.Key)
	return c.Dir, args, ok
}

// seeks says whether cursor s names a key of this order to seek from (a next or previous
// page), rather than the start or the end of the list.
func (k keyset) seeks(s string) bool {
	dir, _, ok := k.decode(s)
	return ok && dir != cursorLast
}

// args are the SQL arguments of a key; false when it is not a key of this order.
func (k keyset) args(key []*string) ([]any, bool) {
	if len(key) != len(k.cols) {
		return nil, false
	}
	out := make([]any, len(key))
	for i, c := range k.cols {
		switch v := key[i]; {
		case v == nil && !c.null:
			return nil, false
		case v == nil:
		case c.arg == nil:
			out[i] = *v
		default:
			a, ok := c.arg(*v)
			if !ok {
				return nil, false
			}
			out[i] = a
		}
	}
	return out, true
}

// orderBy is the ORDER BY of the list, or of its reverse (a page read backward).
func (k keyset) orderBy(reverse bool) string {
	dir := " ASC"
	if k.desc != reverse {
		dir = " DESC"
	}
	parts := make([]string, len(k.cols))
	for i, c := range k.cols {
		parts[i] = c.col + dir
	}
	return strings.Join(parts, ", ")
}

// seek is the condition on the rows after (dir cursorAfter) or before the key with the
// arguments args, in the list's order: one row-value comparison, which both dialects
// compare left to right and Postgres reads as one index range (the index on the order's
// columns).
func (k keyset) seek(args []any, dir string) (string, []any) {
	op := "<"
	if (dir == cursorAfter) != k.desc {
		op = ">"
	}
	cols, marks := make([]string, len(k.cols)), make([]string, len(k.cols))
	for i, c := range k.cols {
		cols[i], marks[i] = c.col, cmp.Or(c.mark, "?")
	}
	return fmt.Sprintf("(%s) %s (%s)", strings.Join(cols, ", "), op, strings.Join(marks, ", ")), args
}

// Key values as cursors carry them.

func textKey(s string) *string { return &s }

func intKey(n int) *string { return textKey(strconv.Itoa(n)) }

// timeKey is nil (NULL) for no time.
func timeKey(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	return textKey(t.UTC().Format(time.RFC3339Nano))
}

func intArg(s string) (any, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func timeArg(s string) (any, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err == nil
}

// keysetList is a list read in keyset pages: the rows R its query scans, the values T it
// answers, and each value's key in the order.
type keysetList[R, T any] struct {
	op    string // names the list in errors
	from  string // the table
	cols  string // the columns selected into R
	order keyset
	value func(R) T
	key   func(T) []*string
}

// each calls fn on every row matching c in order, reading maxListLimit rows at a time;
// fn's error stops the walk and is returned.
func (l keysetList[R, T]) each(ctx context.Context, db *DB, c *conds, fn func(T) error) error {
	cur := ""
	for {
		p, err := l.read(ctx, db, c, cur, maxListLimit)
		if err != nil {
			return err
		}
		for _, x := range p.Items {
			if err := fn(x); err != nil {
				return err
			}
		}
		if p.NextCursor == "" {
			return nil
		}
		cur = p.NextCursor
	}
}

// read reads one page and the cursors of the pages around it ("" when there is none),
// without counting. A page before the cursor (or the last page) is read in the reverse
// order and turned back, so that every page is one range of the order.
func (l keysetList[R, T]) read(ctx context.Context, db *DB, c *conds, cur string, limit int) (Page[T], error) {
	dir, args, ok := l.order.decode(cur)
	w := c.clone()
	if ok && dir != cursorLast {
		cond, condArgs := l.order.seek(args, dir)
		w.add(cond, condArgs...)
	}
	backward := ok && dir != cursorAfter
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT ?", l.cols, l.from, w.sql(), l.order.orderBy(backward))
	var rows []R
	if err := db.byValue(ctx, q, append(w.args, limit+1)...).Scan(&rows).Error; err != nil {
		return Page[T]{}, translate(l.op, err)
	}
	return l.pageOf(rows, limit, ok, dir), nil
}

// pageOf is the page of rows (up to limit + 1, the one more saying there is more) read
// from the cursor decoded as ok and dir, with the cursors of the pages around it.
func (l keysetList[R, T]) pageOf(rows []R, limit int, ok bool, dir string) Page[T] {
	backward := ok && dir != cursorAfter
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	if backward {
		slices.Reverse(rows)
	}
	p := Page[T]{Items: make([]T, len(rows))}
	for i, r := range rows {
		p.Items[i] = l.value(r)
	}
	if len(rows) == 0 {
		return p
	}
	// Forward, there is a page before whenever we came from one; backward, a page after.
	hasPrev, hasNext := more, ok && dir == cursorBefore
	if !backward {
		hasPrev, hasNext = ok, more
	}
	if hasPrev {
		p.PrevCursor = l.order.encode(l.key(p.Items[0]), cursorBefore)
	}
	if hasNext {
		p.NextCursor = l.order.encode(l.key(p.Items[len(p.Items)-1]), cursorAfter)
		p.LastCursor = l.order.lastCursor()
	}
	return p
}
