package reports_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/notify/smtptest"
	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
)

// mailer is a notifier sending through the test SMTP server, in English by default.
func mailer(srv *smtptest.Server) *notify.Notifier {
	return notify.New(nil, notify.Config{SMTPHost: srv.Host, SMTPPort: srv.Port, SMTPTLS: "none", SMTPFrom: "purser@example.com"}, nil)
}

func actor(u *store.User) reports.Actor {
	return reports.Actor{Subject: reports.SubjectOf(*u), Meta: audit.Meta{}.WithActor(u.ID, u.Username)}
}

func events(t *testing.T, db *store.DB, action string) []store.AuditEvent {
	t.Helper()
	evs, err := db.ListAudit(context.Background(), store.AuditFilter{Action: action, Limit: 500})
	must(t, err)
	return evs
}

// TestDueAndDeliverOnce: a subscription is due once the first period after it was made
// is over; delivering that period from many goroutines at once (replicas racing) makes,
// stores and e-mails it exactly once, in the subscriber's language with the file
// attached, and audits it once; after that the period is no longer due and delivering it
// again does nothing. A subscriber without an address gets the report stored only; a
// mail server that refuses leaves nothing claimed, so the next attempt sends it.
func TestDueAndDeliverOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := testkit.NewClock(reportNow)
		srv := smtptest.Start(t)
		s := service(t, db, clock.Now, mailer(srv))
		w := seedWorld(t, db, reportNow)
		otto := addUser(t, db, "otto", "otto@example.com", "zh", []string{"auditor"})
		nell := addUser(t, db, "nell", "", "", []string{"viewer"})
		var subs []*store.ReportSubscription
		for _, u := range []*store.User{w.fay, otto, nell} {
			sub, err := s.Subscribe(ctx, actor(u), reports.Daily)
			must(t, err)
			subs = append(subs, sub)
		}
		if _, err := s.Subscribe(ctx, actor(w.fay), reports.Daily); !isValidation(err, "reports.err.subscribed") {
			t.Fatalf("a second daily subscription: %v", err)
		}
		if _, err := s.Subscribe(ctx, actor(w.fay), "hourly"); !isValidation(err, "reports.err.frequency") {
			t.Fatalf("an hourly subscription: %v", err)
		}
		if due, err := s.Due(ctx); err != nil || len(due) != 0 {
			t.Fatalf("due on the day of subscribing: %v %v", due, err)
		}

		clock.Advance(24 * time.Hour) // the 26th: the 25th is over
		due, err := s.Due(ctx)
		must(t, err)
		day := reports.Previous(reports.Daily, clock.Now())
		if len(due) != 3 || !due[0].PeriodStart.Equal(day.Start) || due[0].SubscriptionID != subs[0].ID {
			t.Fatalf("due %+v, want the 25th of each subscription", due)
		}

		const racers = 6
		var wg sync.WaitGroup
		won := make(chan bool, racers)
		for range racers {
			wg.Go(func() {
				ok, err := s.Deliver(ctx, subs[0].ID, day.Start)
				if err != nil {
					t.Error(err)
				}
				won <- ok
			})
		}
		wg.Wait()
		close(won)
		wins := 0
		for ok := range won {
			if ok {
				wins++
			}
		}
		msgs := srv.Messages()
		if wins != 1 || len(msgs) != 1 {
			t.Fatalf("%d racers claimed the period, %d e-mails sent; want one each", wins, len(msgs))
		}
		m := msgs[0]
		if m.To[0] != "fay@example.com" || m.Subject != "Purser daily report 2026-11-25" ||
			!strings.Contains(m.Body, "https://purser.example.com/reports") || len(m.Attachments) != 1 ||
			m.Attachments[0].Name != "purser-daily-2026-11-25.xlsx" || m.Attachments[0].ContentType != reports.ContentType {
			t.Fatalf("e-mail %q to %v, body %q, attachments %d", m.Subject, m.To, m.Body, len(m.Attachments))
		}
		if got := openBook(t, m.Attachments[0].Data).sheets(); !slices.Contains(got, "Operations") || slices.Contains(got, "Audit summary") {
			t.Fatalf("the attached report's sheets %q", got)
		}
		stored, err := s.Reports(ctx, actor(w.fay), 10)
		must(t, err)
		if len(stored) != 1 || stored[0].Delivery != store.ReportSent || stored[0].SizeBytes != int64(len(m.Attachments[0].Data)) {
			t.Fatalf("stored %+v", stored)
		}
		if evs := events(t, db, reports.ActionSend); len(evs) != 1 || evs[0].TargetID == "" || evs[0].TargetID == "0" {
			t.Fatalf("report.send events %+v", evs)
		}
		if ok, err := s.Deliver(ctx, subs[0].ID, day.Start); ok || err != nil {
			t.Fatalf("delivering the period again: %v %v", ok, err)
		}

		// The auditor's, in Chinese; the mail server refuses it first.
		srv.RejectTo["otto@example.com"] = true
		if ok, err := s.Deliver(ctx, subs[1].ID, day.Start); ok || err == nil {
			t.Fatalf("a refused send: %v %v", ok, err)
		}
		if r, _ := s.Reports(ctx, actor(otto), 10); len(r) != 0 {
			t.Fatalf("a report whose send failed is kept: %+v", r)
		}
		delete(srv.RejectTo, "otto@example.com")
		if ok, err := s.Deliver(ctx, subs[1].ID, day.Start); !ok || err != nil {
			t.Fatalf("the send once the server takes it: %v %v", ok, err)
		}
		if msgs := srv.Messages(); len(msgs) != 2 || msgs[1].Subject != "Purser 日报 2026-11-25" ||
			!slices.Contains(openBook(t, msgs[1].Attachments[0].Data).sheets(), "审计摘要") {
			t.Fatalf("the auditor's e-mail %+v", msgs[len(msgs)-1].Subject)
		}

		// Without an address: stored, not sent.
		if ok, err := s.Deliver(ctx, subs[2].ID, day.Start); !ok || err != nil {
			t.Fatalf("no address: %v %v", ok, err)
		}
		if r, _ := s.Reports(ctx, actor(nell), 10); len(r) != 1 || r[0].Delivery != store.ReportNoAddress || len(srv.Messages()) != 2 {
			t.Fatalf("no address: stored %+v, %d e-mails", r, len(srv.Messages()))
		}
		if due, err := s.Due(ctx); err != nil || len(due) != 0 {
			t.Fatalf("due after delivery: %v %v", due, err)
		}

		// Unsubscribed: nothing is due the next day; the reports stay.
		must(t, s.Unsubscribe(ctx, actor(nell), subs[2].ID))
		if err := s.Unsubscribe(ctx, actor(nell), subs[0].ID); !errors.Is(err, reports.ErrNotFound) {
			t.Fatalf("unsubscribing someone else: %v", err)
		}
		clock.Advance(24 * time.Hour)
		due, err = s.Due(ctx)
		must(t, err)
		if len(due) != 2 || due[0].SubscriptionID != subs[0].ID || due[1].SubscriptionID != subs[1].ID {
			t.Fatalf("due the day after unsubscribing: %+v", due)
		}
		if ok, err := s.Deliver(ctx, subs[2].ID, due[0].PeriodStart); ok || err != nil {
			t.Fatalf("delivering an ended subscription: %v %v", ok, err)
		}
		if r, _ := s.Reports(ctx, actor(nell), 10); len(r) != 1 {
			t.Fatalf("reports after unsubscribing: %+v", r)
		}
		if n := len(events(t, db, reports.ActionSubscribe)); n != 3 {
			t.Fatalf("%d report.subscribe events, want 3", n)
		}
		if n := len(events(t, db, reports.ActionUnsubscribe)); n != 1 {
			t.Fatalf("%d report.unsubscribe events, want 1", n)
		}
	})
}

func isValidation(err error, msg string) bool {
	var ve *reports.ValidationError
	return errors.As(err, &ve) && ve.Message == msg && ve.Field == "frequency"
}

// TestDownloadOwnerOrAuditor: a report downloads for its owner and for an auditor, each
// an export.download event; anyone else is told it does not exist, and the refusal is an
// export.download event with outcome denied.
func TestDownloadOwnerOrAuditor(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	clock := testkit.NewClock(reportNow)
	srv := smtptest.Start(t)
	s := service(t, db, clock.Now, mailer(srv))
	w := seedWorld(t, db, reportNow)
	otto := addUser(t, db, "otto", "", "", []string{"auditor"})
	sub, err := s.Subscribe(ctx, actor(w.fay), reports.Monthly)
	must(t, err)
	clock.Advance(10 * 24 * time.Hour)
	due, err := s.Due(ctx)
	must(t, err)
	if len(due) != 1 {
		t.Fatalf("due %+v", due)
	}
	if ok, err := s.Deliver(ctx, sub.ID, due[0].PeriodStart); !ok || err != nil {
		t.Fatalf("deliver: %v %v", ok, err)
	}
	mine, err := s.Reports(ctx, actor(w.fay), 10)
	must(t, err)
	if len(mine) != 1 || mine[0].FileName != "purser-monthly-2026-11.xlsx" || mine[0].Content != nil {
		t.Fatalf("list %+v", mine)
	}
	for _, u := range []*store.User{w.fay, otto} {
		r, err := s.Download(ctx, actor(u), mine[0].ID)
		if err != nil || len(r.Content) == 0 || r.FileName != mine[0].FileName {
			t.Fatalf("%s downloads: %v", u.Username, err)
		}
	}
	if _, err := s.Download(ctx, actor(w.abby), mine[0].ID); !errors.Is(err, reports.ErrNotFound) {
		t.Fatalf("another user downloads: %v", err)
	}
	if _, err := s.Download(ctx, actor(w.abby), mine[0].ID+100); !errors.Is(err, reports.ErrNotFound) {
		t.Fatalf("a report that does not exist: %v", err)
	}
	evs := events(t, db, audit.ExportDownload)
	var got []string
	for _, e := range evs {
		got = append(got, e.ActorName+"/"+e.Outcome+"/"+e.TargetType)
	}
	if want := []string{"abby/denied/report", "otto/success/report", "fay/success/report"}; !slices.Equal(got, want) {
		t.Fatalf("export.download events %q, want %q", got, want)
	}
}

// TestActionsKnown: the auditor's filter offers the reports' actions.
func TestActionsKnown(t *testing.T) {
	for _, a := range []string{reports.ActionSubscribe, reports.ActionUnsubscribe, reports.ActionSend} {
		if !slices.Contains(audit.Known, a) {
			t.Errorf("%s is not in audit.Known", a)
		}
	}
}
