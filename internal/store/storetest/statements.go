package storetest

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/purser-finance/purser/internal/store"
)

// StatementLog records the SQL statements run through a database handle while on.
type StatementLog struct {
	on   atomic.Bool
	mu   sync.Mutex
	list []string
}

// LogStatements starts recording db's statements; a test reads them with During.
func LogStatements(t *testing.T, db *store.DB) *StatementLog {
	t.Helper()
	l := &StatementLog{}
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
		cb.Create().After("*").Register("test:statements", rec),
		cb.Update().After("*").Register("test:statements", rec),
		cb.Delete().After("*").Register("test:statements", rec),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// During runs fn and returns the statements it ran, blank runs collapsed.
func (l *StatementLog) During(fn func()) []string {
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
