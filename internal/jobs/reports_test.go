package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/notify/smtptest"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
)

// countingReporter counts the ticks that asked what is due.
type countingReporter struct {
	*reports.Service
	ticks *atomic.Int64
}

func (c countingReporter) Due(ctx context.Context) ([]reports.Due, error) {
	c.ticks.Add(1)
	return c.Service.Due(ctx)
}

// TestReportsSentOncePerPeriodWithTwoReplicas: two replicas (two River runners, each
// with its own reports service, on one database) send each subscriber's report once per
// period, with the real SMTP test server, however many ticks pass; a runner started
// again sends nothing more for that period; the next period is sent once again.
func TestReportsSentOncePerPeriodWithTwoReplicas(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := testkit.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
		srv := smtptest.Start(t)
		var ticks atomic.Int64
		newReporter := func() countingReporter {
			s, err := reports.New(reports.Deps{DB: db, Reader: readmodel.New(db), Now: clock.Now,
				Mailer: notify.New(nil, notify.Config{SMTPHost: srv.Host, SMTPPort: srv.Port, SMTPTLS: "none", SMTPFrom: "purser@example.com"}, nil)})
			if err != nil {
				t.Fatal(err)
			}
			return countingReporter{Service: s, ticks: &ticks}
		}
		first := newReporter()
		for _, u := range []*store.User{
			{Username: "fay", Email: "fay@example.com", Roles: []string{"finance"}},
			{Username: "otto", Email: "otto@example.com", Language: "zh", Roles: []string{"auditor"}},
		} {
			if err := db.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if _, err := first.Subscribe(ctx, reports.Actor{Subject: reports.SubjectOf(*u), Meta: audit.System("test")}, reports.Daily); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(24 * time.Hour) // the day of subscribing is over

		syncer := cachesync.New(db, nil, cachesync.Options{MasterAccountID: "m"})
		stop := func(r *jobs.Runner) {
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			_ = r.Stop(sctx) // a second stop (the cleanup) finds it stopped
		}
		start := func() *jobs.Runner {
			r, err := jobs.StartWith(ctx, db, syncer, nil, time.Hour, jobs.Options{PollInterval: 20 * time.Millisecond, TickInterval: time.Hour,
				Reports: &jobs.ReportJobs{Reports: newReporter(), Interval: 100 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { stop(r) })
			return r
		}
		waitTicks := func(n int64) {
			t.Helper()
			want := ticks.Load() + n
			deadline := time.Now().Add(60 * time.Second) // River elects its leader a moment after start
			for ticks.Load() < want {
				if time.Now().After(deadline) {
					t.Fatalf("fewer than %d ticks within a minute", n)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		sentOnce := func(want int) {
			t.Helper()
			if n := len(srv.Messages()); n != want {
				t.Fatalf("%d e-mails sent, want %d", n, want)
			}
			evs, err := db.ListAudit(ctx, store.AuditFilter{Action: reports.ActionSend, Limit: 100})
			if err != nil || len(evs) != want {
				t.Fatalf("%d report.send events (%v), want %d", len(evs), err, want)
			}
		}

		replicas := []*jobs.Runner{start(), start()}
		deadline := time.Now().Add(60 * time.Second)
		for len(srv.Messages()) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("%d of 2 reports sent within a minute", len(srv.Messages()))
			}
			time.Sleep(20 * time.Millisecond)
		}
		waitTicks(5) // five more ticks of the period: nothing more
		sentOnce(2)
		for _, m := range srv.Messages() {
			if len(m.Attachments) != 1 || m.Attachments[0].Name != "purser-daily-2026-11-25.xlsx" {
				t.Fatalf("e-mail %q without its report: %+v", m.Subject, m.Attachments)
			}
		}

		// Started again: nothing more for this period.
		for _, r := range replicas {
			stop(r)
		}
		start()
		waitTicks(3)
		sentOnce(2)

		// The next day, once each again.
		clock.Advance(24 * time.Hour)
		deadline = time.Now().Add(60 * time.Second)
		for len(srv.Messages()) < 4 {
			if time.Now().After(deadline) {
				t.Fatalf("%d of 4 reports sent within a minute", len(srv.Messages()))
			}
			time.Sleep(20 * time.Millisecond)
		}
		waitTicks(3)
		sentOnce(4)
	})
}
