package store_test

import "os"

// benchSQLite runs the 10,000 sub-account benchmarks on SQLite instead of Postgres.
var benchSQLite = os.Getenv("PURSER_BENCH_SQLITE") == "1"
