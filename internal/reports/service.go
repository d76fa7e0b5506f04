// Package reports is the scheduled reports use case (issue 15): people subscribe to a
// daily, weekly or monthly report; a periodic job (internal/jobs) asks which reports are
// due, and for each builds an xlsx of the previous complete period within its
// subscriber's scope and in their language, keeps it for download and e-mails it with
// the file attached — exactly once per subscription and period however many replicas
// run the job. A report is a list of sections, each a sheet (sections.go), shown to the
// subscribers whose permissions cover it: what someone reads in their report is what
// they could read on the portal.
//
// Generated files are stored in the database (table reports), not on disk: replicas
// share the database, not a filesystem, and a report is tens of kilobytes. They can be
// downloaded by their owner and by those who may read the audit trail (auditors and
// admins); every download, and every refusal, is an export.download event.
package reports

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
)

// Audit actions of the reports (added to CONTRACTS.md's list, never changing it).
const (
	ActionSubscribe   = "report.subscribe"
	ActionUnsubscribe = "report.unsubscribe"
	// ActionSend: a report was generated and stored, and e-mailed when its owner has an
	// address (details.delivery). Written once per subscription and period.
	ActionSend = "report.send"
)

// Mailer sends e-mail (a *notify.Notifier, with the SMTP settings in force).
type Mailer interface {
	Send(ctx context.Context, m notify.Mail) error
	// Language is the language of a user's e-mails.
	Language(u store.User) string
}

// Deps are the use case's collaborators.
type Deps struct {
	DB     *store.DB
	Reader *readmodel.Reader // the scoped reads of sub-accounts and units
	// Runways estimates how long sub-accounts' money lasts; nil estimates it from the
	// balance history (readmodel.Forecaster).
	Runways Runways
	// Mailer sends the reports; nil: this service only serves the page (subscriptions,
	// downloads) and Deliver fails.
	Mailer Mailer
	// Hidden lists the masters no longer configured, whose cached rows reports leave out
	// as the pages do; nil: none.
	Hidden func(ctx context.Context) []string
	// PublicURL is the portal's address: e-mails link to the reports page under it.
	PublicURL string
	Now       func() time.Time // nil: time.Now
	Log       *slog.Logger     // nil: discard
}

// Service is the scheduled reports use case.
type Service struct {
	db        *store.DB
	reader    *readmodel.Reader
	runways   Runways
	mailer    Mailer
	hidden    func(ctx context.Context) []string
	publicURL string
	now       func() time.Time
	log       *slog.Logger
	sections  []Section
}

// New builds the use case.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Reader == nil {
		return nil, errors.New("reports: Deps.DB and Reader are required")
	}
	s := &Service{db: d.DB, reader: d.Reader, runways: d.Runways, mailer: d.Mailer, hidden: d.Hidden,
		publicURL: d.PublicURL, now: d.Now, log: d.Log}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.hidden == nil {
		s.hidden = func(context.Context) []string { return nil }
	}
	if s.runways == nil {
		s.runways = readmodel.NewForecaster(d.DB, s.now)
	}
	s.sections = s.builtinSections()
	return s, nil
}

// Errors the transport maps.
var (
	// ErrNotFound: no such subscription or report, or one that is not the actor's to see.
	ErrNotFound = errors.New("reports: not found")
	// ErrNoMailer: Deliver on a service built without a Mailer.
	ErrNoMailer = errors.New("reports: no mailer")
)

// ValidationError is bad input: Field names the form field, Message is an i18n id.
type ValidationError struct{ Field, Message string }

func (e *ValidationError) Error() string { return "reports: invalid " + e.Field + ": " + e.Message }

// Actor is who asks: their authorisation subject and audit metadata.
type Actor struct {
	Subject authz.Subject
	Meta    audit.Meta
}

// SubjectOf is the authorisation subject of a stored user, as the web core builds it for
// a request: the report is made with the roles and scopes the subscriber has when it is
// made.
func SubjectOf(u store.User) authz.Subject {
	s := authz.Subject{UserID: u.ID, Scopes: u.Scopes}
	for _, r := range u.Roles {
		s.Roles = append(s.Roles, authz.Role(r))
	}
	return s
}

var bundle = sync.OnceValues(i18n.New)

// translator is the translator of lang (English for anything but "zh").
func translator(lang string) (*i18n.Translator, error) {
	b, err := bundle()
	if err != nil {
		return nil, err
	}
	return b.For(lang), nil
}
