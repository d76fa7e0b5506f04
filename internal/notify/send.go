package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/wneessen/go-mail"

	"github.com/purser-finance/purser/internal/store"
)

// Mail is one e-mail written by someone other than the notifier's own notices (the
// scheduled reports): plain text, with files attached.
type Mail struct {
	To          string
	Subject     string
	Body        string
	Attachments []Attachment
}

// Attachment is one attached file.
type Attachment struct {
	Name        string // the file name the recipient sees (ASCII keeps every mail client happy)
	ContentType string
	Data        []byte
}

// ErrMailOff: no mail server is configured (SMTP host empty).
var ErrMailOff = errors.New("notify: e-mail is not configured")

// Language is the language of a user's e-mails: the one they last chose with the
// language switch while signed in, else the configured default.
func (n *Notifier) Language(u store.User) string { return n.current().mailLang(u) }

// Send delivers m now, with the SMTP settings in force, and returns the outcome: unlike
// the notices, the caller decides what a failure means (a report's job rolls its claim
// back and tries again). The outcome counts in purser_notifications_total{channel=email}.
func (n *Notifier) Send(ctx context.Context, m Mail) error {
	n = n.current()
	if n.cfg.SMTPHost == "" {
		return ErrMailOff
	}
	msg := mail.NewMsg()
	if err := msg.From(n.cfg.SMTPFrom); err != nil {
		return fmt.Errorf("notify: sender %q: %w", n.cfg.SMTPFrom, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("notify: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(a.ContentType))); err != nil {
			return fmt.Errorf("notify: attach %s: %w", a.Name, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*n.timeout())
	defer cancel()
	select {
	case n.smtp <- struct{}{}:
		defer func() { <-n.smtp }()
	case <-ctx.Done():
		err := fmt.Errorf("notify: no SMTP connection free in time: %w", ctx.Err())
		n.outcome("email", err)
		return err
	}
	c, err := MailClient(n.cfg, n.timeout())
	if err == nil {
		err = c.DialAndSendWithContext(ctx, msg)
	}
	n.outcome("email", err)
	if err != nil {
		return fmt.Errorf("notify: send to %s: %w", n.cfg.SMTPHost, err)
	}
	return nil
}
