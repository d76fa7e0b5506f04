package store_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/purser-finance/purser/internal/store"
)

// statementLog records the SQL statements run through a database handle while on, for
// tests of how many round trips a read takes.
type statementLog struct {
	on   atomic.Bool
	mu   sync.Mutex
	list []string
}

func logStatements(t *testing.T, db *store.DB) *statementLog {
	t.Helper()
	l := &statementLog{}
	rec := func(g *gorm.DB) {
		if l.on.Load() {
			l.mu.Lock()
			l.list = append(l.list, strings.Join(strings.Fields(g.Statement.SQL.String()), " "))
			l.mu.Unlock()
		}
	}
	cb := db.Gorm().Callback()
	for _, err := range []error{
		cb.Query().After("*").Register("test:statements", rec),
		cb.Row().After("*").Register("test:statements", rec),
		cb.Raw().After("*").Register("test:statements", rec),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// during runs fn and returns the statements it ran.
func (l *statementLog) during(fn func()) []string {
	l.mu.Lock()
	l.list = nil
	l.mu.Unlock()
	l.on.Store(true)
	fn()
	l.on.Store(false)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.list
}

// counting are the statements that count rows.
func counting(stmts []string) []string {
	var out []string
	for _, s := range stmts {
		if strings.Contains(s, "COUNT(*)") {
			out = append(out, s)
		}
	}
	return out
}
