package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// Report frequencies (report_subscriptions.frequency, reports.frequency).
const (
	ReportDaily   = "daily"
	ReportWeekly  = "weekly"
	ReportMonthly = "monthly"
)

// How a generated report reached its owner (Report.Delivery).
const (
	ReportSent      = "sent"       // e-mailed, the file attached
	ReportNoAddress = "no_address" // stored only: the owner has no e-mail address
	ReportMailOff   = "mail_off"   // stored only: no mail server is configured
)

// ReportSubscription is one user's wish for a report every day, week or month. It is
// never deleted: unsubscribing sets CancelledAt, so the reports it produced keep it.
type ReportSubscription struct {
	ID          int64 `gorm:"primaryKey"`
	UserID      int64
	Frequency   string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	CancelledAt *time.Time
}

// TableName is gorm's table.
func (ReportSubscription) TableName() string { return "report_subscriptions" }

// Report is one generated report: the xlsx of one subscription's period, kept for
// download. Content is read by ReportByID only; lists leave it out.
type Report struct {
	ID             int64 `gorm:"primaryKey"`
	SubscriptionID int64
	UserID         int64
	Frequency      string
	PeriodStart    time.Time
	PeriodEnd      time.Time
	Language       string
	FileName       string
	Content        []byte
	SizeBytes      int64
	Delivery       string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
}

// TableName is gorm's table.
func (Report) TableName() string { return "reports" }

func (r *Report) normalise() {
	r.PeriodStart, r.PeriodEnd, r.CreatedAt = r.PeriodStart.UTC(), r.PeriodEnd.UTC(), r.CreatedAt.UTC()
}

// CreateReportSubscription records a live subscription. A second live one of the same
// user and frequency is ErrConflict.
func (db *DB) CreateReportSubscription(ctx context.Context, s *ReportSubscription) error {
	s.CreatedAt, s.CancelledAt = utc(s.CreatedAt), nil
	return translate("create report subscription", db.gorm.WithContext(ctx).Create(s).Error)
}

// CancelReportSubscription ends a live subscription of userID and reports whether it did
// (false: there is none of that id and user, or it had ended).
func (db *DB) CancelReportSubscription(ctx context.Context, id, userID int64, at time.Time) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&ReportSubscription{}).Where("id = ? AND user_id = ? AND cancelled_at IS NULL", id, userID).
		Update("cancelled_at", utc(at))
	return res.RowsAffected == 1, translate("cancel report subscription", res.Error)
}

// ReportSubscriptionByID reads one subscription, live or ended.
func (db *DB) ReportSubscriptionByID(ctx context.Context, id int64) (*ReportSubscription, error) {
	var s ReportSubscription
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&s).Error; err != nil {
		return nil, translate("report subscription", err)
	}
	return s.utc(), nil
}

func (s *ReportSubscription) utc() *ReportSubscription {
	s.CreatedAt, s.CancelledAt = s.CreatedAt.UTC(), utcPtr(s.CancelledAt)
	return s
}

// LiveReportSubscriptions lists the live subscriptions of userID (0: of every enabled
// user), oldest first.
func (db *DB) LiveReportSubscriptions(ctx context.Context, userID int64) ([]ReportSubscription, error) {
	q := db.gorm.WithContext(ctx).Where("cancelled_at IS NULL")
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	} else {
		q = q.Where("user_id IN (SELECT id FROM users WHERE disabled = ?)", false)
	}
	var out []ReportSubscription
	if err := q.Order("id").Find(&out).Error; err != nil {
		return nil, translate("live report subscriptions", err)
	}
	for i := range out {
		out[i].utc()
	}
	return out, nil
}

// ReportPeriodsDone returns, of the given subscriptions, the period starts that already
// have a report, keyed by subscription.
func (db *DB) ReportPeriodsDone(ctx context.Context, subscriptionIDs []int64, since time.Time) (map[int64][]time.Time, error) {
	out := map[int64][]time.Time{}
	if len(subscriptionIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		SubscriptionID int64
		PeriodStart    time.Time
	}
	if err := db.gorm.WithContext(ctx).Model(&Report{}).Select("subscription_id, period_start").
		Where("subscription_id IN ? AND period_start >= ?", subscriptionIDs, utc(since)).Scan(&rows).Error; err != nil {
		return nil, translate("report periods done", err)
	}
	for _, r := range rows {
		out[r.SubscriptionID] = append(out[r.SubscriptionID], r.PeriodStart.UTC())
	}
	return out, nil
}

// ClaimReport inserts r unless its subscription already has a report for its period,
// and reports whether it did. Called in the transaction that sends the report: a second
// claim of the same period waits on the unique key until the first commits (then it
// does nothing) or rolls back (then it takes the period over), so a period is sent once.
func (db *DB) ClaimReport(ctx context.Context, r *Report) (bool, error) {
	r.PeriodStart, r.PeriodEnd, r.CreatedAt = utc(r.PeriodStart), utc(r.PeriodEnd), utc(r.CreatedAt)
	r.SizeBytes = int64(len(r.Content))
	res := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "subscription_id"}, {Name: "period_start"}}, DoNothing: true,
	}).Create(r)
	if res.Error != nil {
		return false, translate("claim report", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// HasReport reports whether a subscription's period has its report already.
func (db *DB) HasReport(ctx context.Context, subscriptionID int64, periodStart time.Time) (bool, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&Report{}).Where("subscription_id = ? AND period_start = ?", subscriptionID, utc(periodStart)).
		Count(&n).Error
	return n > 0, translate("has report", err)
}

// reportListColumns are a report's columns without its file.
var reportListColumns = []string{"id", "subscription_id", "user_id", "frequency", "period_start", "period_end", "language",
	"file_name", "size_bytes", "delivery", "created_at"}

// ReportsOf lists a user's reports, newest first, without their files.
func (db *DB) ReportsOf(ctx context.Context, userID int64, limit int) ([]Report, error) {
	var out []Report
	err := db.gorm.WithContext(ctx).Select(reportListColumns).Where("user_id = ?", userID).Order("id DESC").
		Limit(clampLimit(limit, defaultListLimit)).Find(&out).Error
	for i := range out {
		out[i].normalise()
	}
	return out, translate("reports of", err)
}

// ReportByID reads one report with its file.
func (db *DB) ReportByID(ctx context.Context, id int64) (*Report, error) {
	var r Report
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate("report", err)
	}
	r.normalise()
	return &r, nil
}

// SetReportDelivery records how a report reached its owner (inside the claiming
// transaction, once the send's outcome is known).
func (db *DB) SetReportDelivery(ctx context.Context, id int64, delivery string) error {
	err := db.gorm.WithContext(ctx).Model(&Report{}).Where("id = ?", id).Update("delivery", delivery).Error
	return translate("report delivery", err)
}
