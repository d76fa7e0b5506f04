package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/wneessen/go-mail"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// E-mail notifications: after the transition committed, every recipient of an in-app
// notification who has an address gets the same notice by e-mail, in their language, with
// a link to the operation (or batch) page. Only the notice's parameters go into the mail
// (operation id, kind, state, amount, sub-account, requester's name): never a secret.

// Failure is the last notification that could not be delivered (shown to admins).
type Failure struct {
	At      time.Time
	Channel string // "email" or "webhook"
	Error   string
}

// LastFailure returns the newest delivery failure (zero when none since start).
func (n *Notifier) LastFailure() Failure {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.lastFailure
}

func newNotifyCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "purser_notifications_total",
		Help: "Notifications sent outside the portal after a transition, by channel (email, webhook) and outcome (sent, failed).",
	}, []string{"channel", "outcome"})
}

// Register exposes the notification counters on reg (/metrics). A counter already
// registered there (a second notifier in the same process) is shared.
func (n *Notifier) Register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	if err := reg.Register(n.counts); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return err
		}
		if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			n.counts = existing
		}
	}
	return nil
}

// outcome counts one send and remembers a failure.
func (n *Notifier) outcome(channel string, err error) {
	if err == nil {
		n.counts.WithLabelValues(channel, "sent").Inc()
		return
	}
	n.counts.WithLabelValues(channel, "failed").Inc()
	n.mu.Lock()
	n.lastFailure = Failure{At: time.Now().UTC(), Channel: channel, Error: err.Error()}
	n.mu.Unlock()
}

var bundle = sync.OnceValues(i18n.New)

// mailLang is the language of a recipient's e-mails: the one they last chose with the
// language switch while signed in, else the configured default.
func (n *Notifier) mailLang(u store.User) string {
	if i18n.Valid(u.Language) {
		return u.Language
	}
	if i18n.Valid(n.cfg.Lang) {
		return n.cfg.Lang
	}
	return i18n.English
}

// sendMail e-mails notes to their recipients that have an address, over one SMTP
// connection, within a bounded time; nothing is retried.
func (n *Notifier) sendMail(notes []Note) {
	b, err := bundle()
	if err != nil {
		n.log.Error("notify: messages", "error", err)
		return
	}
	// Bounded overall: waiting for a connection slot included.
	ctx, cancel := context.WithTimeout(context.Background(), n.timeout()*time.Duration(2+len(notes)))
	defer cancel()
	users := map[int64]*store.User{}
	var (
		msgs []*mail.Msg
		to   []int64 // recipient of each message, for logs (the address is personal data)
	)
	for _, nt := range notes {
		u, seen := users[nt.row.UserID]
		if !seen {
			u, err = n.db.UserByID(ctx, nt.row.UserID)
			if err != nil {
				n.log.Warn("notify: cannot read a recipient", "user_id", nt.row.UserID, "error", err)
				u = nil
			}
			users[nt.row.UserID] = u
		}
		if u == nil || u.Email == "" || u.Disabled {
			continue
		}
		m, err := n.mailFor(b.For(n.mailLang(*u)), u.Email, nt.row)
		if err != nil {
			n.outcome("email", err)
			n.log.Warn("notify: e-mail not built", "user_id", u.ID, "error", err)
			continue
		}
		msgs, to = append(msgs, m), append(to, u.ID)
	}
	if len(msgs) == 0 {
		return
	}
	select {
	case n.smtp <- struct{}{}:
		defer func() { <-n.smtp }()
	case <-ctx.Done():
		n.failAll(msgs, fmt.Errorf("no SMTP connection free in time: %w", ctx.Err()))
		return
	}
	c, err := MailClient(n.cfg, n.timeout())
	if err != nil {
		n.failAll(msgs, err)
		return
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		n.failAll(msgs, fmt.Errorf("connect to %s: %w", n.cfg.SMTPHost, err))
		return
	}
	defer func() { _ = c.CloseWithSMTPClient(sc) }()
	_ = c.SendWithSMTPClient(sc, msgs...) // the outcome of each message is on the message
	for i, m := range msgs {
		var err error
		if m.HasSendError() {
			err = m.SendError()
			n.log.Warn("notify: e-mail failed", "user_id", to[i], "error", err)
		}
		n.outcome("email", err)
	}
}

func (n *Notifier) failAll(msgs []*mail.Msg, err error) {
	n.log.Warn("notify: e-mail failed", "messages", len(msgs), "error", err)
	for range msgs {
		n.outcome("email", err)
	}
}

// mailFor builds the e-mail of one notice: the in-app text as subject and first line,
// then the link to the page and why the recipient gets it.
func (n *Notifier) mailFor(tr *i18n.Translator, to string, row store.NotificationRow) (*mail.Msg, error) {
	var p map[string]string
	_ = json.Unmarshal([]byte(row.Params), &p)
	text := NoticeText(tr, row.Kind, p)
	m := mail.NewMsg()
	if err := m.From(n.cfg.SMTPFrom); err != nil {
		return nil, fmt.Errorf("sender %q: %w", n.cfg.SMTPFrom, err)
	}
	if err := m.To(to); err != nil {
		return nil, err
	}
	m.Subject(tr.T("mail.subject", map[string]any{"text": text}))
	var body strings.Builder
	body.WriteString(text + "\n\n")
	if base := strings.TrimRight(n.cfg.PublicURL, "/"); base != "" {
		switch {
		case row.OperationID != nil:
			body.WriteString(tr.T("mail.open_operation", map[string]any{"url": fmt.Sprintf("%s/operations/%d", base, *row.OperationID)}) + "\n\n")
		case row.BatchID != nil:
			body.WriteString(tr.T("mail.open_batch", map[string]any{"url": fmt.Sprintf("%s/operations/batches/%d", base, *row.BatchID)}) + "\n\n")
		}
	}
	body.WriteString("-- \n" + tr.T("mail.why") + "\n")
	m.SetBodyString(mail.TypeTextPlain, body.String())
	return m, nil
}

// NoticeText renders a notice (in-app or e-mail) in tr's language: the kind's message
// with its parameters and the translated kind of operation.
func NoticeText(tr *i18n.Translator, kind string, params map[string]string) string {
	data := map[string]any{}
	for k, v := range params {
		data[k] = v
	}
	if k, ok := params["kind"]; ok {
		data["kind_label"] = tr.T("op.kind." + k)
	}
	// Amounts are kept in the wire format ("15000.00") so that webhooks stay
	// machine-readable; people read them grouped and with their currency. Notices written
	// before the currency was recorded are in the default currency.
	for _, k := range []string{"amount", "total"} {
		if v := params[k]; v != "" {
			data[k] = money.TextOf(v, params["currency"])
		}
	}
	if rows, err := strconv.Atoi(params["rows"]); err == nil { // a batch: "1 row", "3 rows"
		return tr.N(kind, rows, data)
	}
	return tr.T(kind, data)
}

// MailClient is the SMTP client of cfg, used alike by notifications and the settings
// page's "send test", so that a passing test means notifications will pass too.
func MailClient(cfg Config, timeout time.Duration) (*mail.Client, error) {
	port := cfg.SMTPPort
	if port == 0 {
		port = 587
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(timeout)}
	switch cfg.SMTPTLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
	default: // "starttls": never fall back to plain text, the password would travel in clear
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if cfg.SMTPUsername != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(cfg.SMTPUsername), mail.WithPassword(cfg.SMTPPassword))
	}
	return mail.NewClient(cfg.SMTPHost, opts...)
}
