package reports

import (
	"context"
	"errors"
	"strconv"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
)

// Subscriptions lists the actor's live subscriptions, oldest first.
func (s *Service) Subscriptions(ctx context.Context, a Actor) ([]store.ReportSubscription, error) {
	return s.db.LiveReportSubscriptions(ctx, a.Subject.UserID)
}

// Subscribe starts the actor's subscription to reports of frequency f. An unknown
// frequency, or one they already have, is a *ValidationError on field "frequency".
func (s *Service) Subscribe(ctx context.Context, a Actor, f Frequency) (*store.ReportSubscription, error) {
	if !f.Valid() {
		return nil, &ValidationError{Field: "frequency", Message: "reports.err.frequency"}
	}
	sub := &store.ReportSubscription{UserID: a.Subject.UserID, Frequency: string(f), CreatedAt: s.now()}
	err := s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.CreateReportSubscription(ctx, sub); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.Meta, audit.Entry{Action: ActionSubscribe, TargetType: "report_subscription",
			TargetID: strconv.FormatInt(sub.ID, 10), Outcome: audit.Success, Details: map[string]any{"frequency": string(f)}})
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, &ValidationError{Field: "frequency", Message: "reports.err.subscribed"}
	}
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// Unsubscribe ends the actor's live subscription id; anyone else's, or one that has
// ended, is ErrNotFound. Its reports stay.
func (s *Service) Unsubscribe(ctx context.Context, a Actor, id int64) error {
	return s.db.InTx(ctx, func(tx *store.DB) error {
		sub, err := tx.ReportSubscriptionByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		ok, err := tx.CancelReportSubscription(ctx, id, a.Subject.UserID, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		return audit.Record(ctx, tx, a.Meta, audit.Entry{Action: ActionUnsubscribe, TargetType: "report_subscription",
			TargetID: strconv.FormatInt(id, 10), Outcome: audit.Success, Details: map[string]any{"frequency": sub.Frequency}})
	})
}
