package execute_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// BenchmarkBulkExecution executes a bulk transfer of PURSER_BENCH_ROWS rows (default 400)
// with the client limited to PURSER_BENCH_RATE calls/s (default 20) on Postgres, and
// reports the execution rate as a share of the configured rate. Run:
//
//	go test ./internal/execute/ -run '^$' -bench BulkExecution -benchtime 1x
func BenchmarkBulkExecution(b *testing.B) {
	rows, rate := envInt("PURSER_BENCH_ROWS", 400), envInt("PURSER_BENCH_RATE", 20)
	for range b.N {
		db := storetest.Postgres(b)
		e := newEnv(b, db, envOpts{rate: float64(rate), poll: 20 * time.Millisecond}) // as TestBulk
		subs := e.subs(10)
		var sb strings.Builder
		sb.WriteString("sub_account,amount,balance_type,reason\n")
		for i := range rows {
			fmt.Fprintf(&sb, "%s,1.%02d,debit,bench\n", subs[i%len(subs)].ID, i%100)
		}
		parsed, err := approval.ParseCSV(strings.NewReader(sb.String()))
		if err != nil {
			b.Fatal(err)
		}
		batch, err := e.svc.CreateBatch(e.ctx, e.users["finance"], approval.KindTransferFunds, "bench", parsed, "")
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i := 0; i < batch.RequiredApprovals; i++ {
			if _, err := e.svc.ApproveBatch(e.ctx, e.users[[]string{"approver", "approver2"}[i]], batch.ID, goodCode, ""); err != nil {
				b.Fatal(err)
			}
		}
		for {
			p, err := e.svc.BatchProgress(e.ctx, e.users["finance"], batch.ID)
			if err != nil {
				b.Fatal(err)
			}
			if p.Finished {
				if p.Succeeded != rows {
					b.Fatalf("progress %+v", p)
				}
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		el := time.Since(start)
		got := float64(rows) / el.Seconds()
		dups := 0
		for _, n := range ledgerCount(b, e.sb.URL()) {
			if n != 1 {
				dups++
			}
		}
		b.ReportMetric(got, "rows/s")
		b.ReportMetric(100*got/float64(rate), "%_of_rate")
		b.ReportMetric(float64(dups), "duplicates")
	}
}

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}
