package reports

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// Due is one report to deliver: a subscription's period.
type Due struct {
	SubscriptionID int64
	PeriodStart    time.Time
}

// Due lists the reports to deliver now: for each live subscription of an enabled user,
// the previous complete period of its frequency when it has no report yet. A
// subscription's first report is of the first period that ends after it was made (one
// made on the 25th gets the month's report on the 1st), and only the latest period is
// due: a portal that was down for days sends yesterday's daily report, not each day's.
func (s *Service) Due(ctx context.Context) ([]Due, error) {
	subs, err := s.db.LiveReportSubscriptions(ctx, 0)
	if err != nil || len(subs) == 0 {
		return nil, err
	}
	now := s.now()
	periods := make([]Period, len(subs))
	ids := make([]int64, len(subs))
	since := now
	for i, sub := range subs {
		periods[i], ids[i] = Previous(Frequency(sub.Frequency), now), sub.ID
		if periods[i].Start.Before(since) {
			since = periods[i].Start
		}
	}
	done, err := s.db.ReportPeriodsDone(ctx, ids, since)
	if err != nil {
		return nil, err
	}
	var out []Due
	for i, sub := range subs {
		p := periods[i]
		if !sub.CreatedAt.Before(p.End) || hasStart(done[sub.ID], p.Start) {
			continue
		}
		out = append(out, Due{SubscriptionID: sub.ID, PeriodStart: p.Start})
	}
	return out, nil
}

func hasStart(starts []time.Time, t time.Time) bool {
	for _, s := range starts {
		if s.Equal(t) {
			return true
		}
	}
	return false
}

// Deliver makes, stores and e-mails the report of a subscription's period, and reports
// whether this call did. It does nothing when the period has its report already, the
// subscription has ended or its user is disabled.
//
// Exactly once: the report's row is claimed (store.ClaimReport, unique per subscription
// and period) in the transaction that sends the e-mail and writes the report.send event.
// A second replica's claim waits until the first commits, then finds the period taken;
// a send that fails rolls the claim back, and the job tries again later. (An e-mail sent
// by a replica whose commit then fails is the one case of a second e-mail.) The file is
// built before the transaction, so the transaction holds the claim only while sending.
func (s *Service) Deliver(ctx context.Context, subscriptionID int64, periodStart time.Time) (bool, error) {
	if s.mailer == nil {
		return false, ErrNoMailer
	}
	sub, err := s.db.ReportSubscriptionByID(ctx, subscriptionID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sub.CancelledAt != nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	p, ok := PeriodAt(Frequency(sub.Frequency), periodStart)
	if !ok {
		return false, fmt.Errorf("reports: %s is not the start of a %s period", periodStart, sub.Frequency)
	}
	if done, err := s.db.HasReport(ctx, sub.ID, p.Start); err != nil || done {
		return false, err
	}
	u, err := s.db.UserByID(ctx, sub.UserID)
	if err != nil {
		return false, err
	}
	if u.Disabled {
		return false, nil
	}
	lang := s.mailer.Language(*u)
	tr, err := translator(lang)
	if err != nil {
		return false, err
	}
	content, err := s.Build(ctx, *u, p, lang)
	if err != nil {
		return false, err
	}
	r := &store.Report{SubscriptionID: sub.ID, UserID: u.ID, Frequency: sub.Frequency, PeriodStart: p.Start, PeriodEnd: p.End,
		Language: lang, FileName: FileName(p), Content: content, Delivery: store.ReportSent, CreatedAt: s.now()}
	if u.Email == "" {
		r.Delivery = store.ReportNoAddress
	}
	claimed := false
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		ok, err := tx.ClaimReport(ctx, r)
		if err != nil || !ok {
			return err
		}
		if r.Delivery == store.ReportSent {
			err := s.mailer.Send(ctx, s.mail(tr, u.Email, p, r))
			switch {
			case errors.Is(err, notify.ErrMailOff):
				r.Delivery = store.ReportMailOff
				if err := tx.SetReportDelivery(ctx, r.ID, r.Delivery); err != nil {
					return err
				}
			case err != nil:
				return err
			}
		}
		claimed = true
		return audit.Record(ctx, tx, audit.System("scheduled reports"), audit.Entry{Action: ActionSend, TargetType: "report",
			TargetID: strconv.FormatInt(r.ID, 10), Outcome: audit.Success, Details: map[string]any{
				"subscription": sub.ID, "user": u.Username, "frequency": sub.Frequency, "period": p.Label(),
				"delivery": r.Delivery, "bytes": r.SizeBytes,
			}})
	})
	if err != nil {
		return false, err
	}
	if claimed {
		s.log.Info("report delivered", "report", r.ID, "user_id", u.ID, "frequency", sub.Frequency, "period", p.Label(), "delivery", r.Delivery)
	}
	return claimed, nil
}

// mail is the e-mail of report r in tr's language: what it covers, the file attached,
// and where all reports are.
func (s *Service) mail(tr *i18n.Translator, to string, p Period, r *store.Report) notify.Mail {
	data := map[string]any{"Period": p.Label(), "From": p.Start.In(Zone).Format("2006-01-02"), "To": p.LastDay().Format("2006-01-02")}
	var body strings.Builder
	body.WriteString(tr.T("reports.mail.body", data) + "\n\n")
	if base := strings.TrimRight(s.publicURL, "/"); base != "" {
		body.WriteString(tr.T("reports.mail.open", map[string]any{"URL": base + "/reports"}) + "\n\n")
	}
	body.WriteString("-- \n" + tr.T("reports.mail.why") + "\n")
	return notify.Mail{To: to, Subject: tr.T("reports.mail.subject_"+string(p.Frequency), data), Body: body.String(),
		Attachments: []notify.Attachment{{Name: r.FileName, ContentType: ContentType, Data: r.Content}}}
}
