package execute_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/store"
)

// Reading the sandbox's ledger and faults, and counting audit events and jobs.

// ledger reads the sandbox ledger over HTTP.
func ledger(t testing.TB, url string) []sandbox.LedgerEntry {
	t.Helper()
	resp, err := http.Get(url + "/_sandbox/ledger")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Items []sandbox.LedgerEntry }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Items
}

func ledgerCount(t testing.TB, url string) map[string]int {
	out := map[string]int{}
	for _, l := range ledger(t, url) {
		out[l.TransID]++
	}
	return out
}

func setFaults(t testing.TB, url string, f string) {
	t.Helper()
	method := http.MethodPost
	if f == "" {
		method = http.MethodDelete
	}
	req, _ := http.NewRequest(method, url+"/_sandbox/faults", stringsReader(f))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("faults: %s %s", resp.Status, b)
	}
}

// auditCount counts events of action on operation id.
func auditCount(t testing.TB, db *store.DB, action string, id int64) int {
	t.Helper()
	evs, err := db.ListAudit(context.Background(), store.AuditFilter{Action: action, TargetType: approval.TargetOperation, TargetID: fmt.Sprint(id), Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func jobCount(t testing.TB, db *store.DB, id int64) int {
	t.Helper()
	var n int64
	args := fmt.Sprintf(`%%"operation_id":%d}%%`, id)
	col := "CAST(args AS TEXT)"
	if db.Dialect() == store.DialectSQLite {
		col = "json(args)" // riversqlite stores JSONB
	}
	if err := db.Gorm().Raw(`SELECT COUNT(*) FROM river_job WHERE kind = 'execute_operation' AND REPLACE(`+col+`, ' ', '') LIKE ?`, args).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}
