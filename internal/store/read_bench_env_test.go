package store_test

import (
	"context"
	"os"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// benchSQLite runs the 10,000 sub-account benchmarks on SQLite instead of Postgres.
var benchSQLite = os.Getenv("PURSER_BENCH_SQLITE") == "1"

// listPage is how the list page reads a filtered page and its total (readmodel.SubAccounts).
// Kept apart so that the benchmarks run unchanged on the code before issue 16, where it
// was ListSubAccounts.
func listPage(db *store.DB) func(context.Context, authz.QueryScope, store.SubAccountFilter) (store.SubAccountPage, error) {
	return db.ListSubAccountsCapped
}
