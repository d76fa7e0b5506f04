package settings

import (
	"context"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/notify"
)

// NotifyConfig turns the notification settings into the notifier's
// configuration, so that operations notify through what the admin set here.
func (st Settings) NotifyConfig() notify.Config {
	return notify.Config{
		SMTPHost: st.SMTP.Host, SMTPPort: st.SMTP.Port, SMTPUsername: st.SMTP.Username, SMTPPassword: st.SMTP.Password,
		SMTPFrom: st.SMTP.From, SMTPTLS: st.SMTP.TLS, WebhookURL: st.Webhook.URL, WebhookSecret: st.Webhook.Secret,
		Timeout: 10 * time.Second,
	}
}

// SendTestWebhook POSTs a test event to the configured webhook, signed like every
// notification (X-Purser-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>),
// and records settings.test. ErrNotConfigured without a URL; ErrSend (wrapping the cause,
// for logs) when it was not accepted with a 2xx.
func (s *Service) SendTestWebhook(ctx context.Context, m audit.Meta) error {
	st, err := s.Get(ctx)
	if err != nil {
		return err
	}
	if st.Webhook.URL == "" {
		return ErrNotConfigured
	}
	n := notify.New(s.db, st.NotifyConfig(), nil)
	sendErr := n.Webhook(ctx, map[string]any{"event": "test", "message": "Purser webhook test", "time": s.now().UTC().Format(time.RFC3339)})
	return s.recordTest(ctx, "webhook", sendErr, m)
}

// SendTestMail sends a test e-mail to the given address through the configured SMTP
// server and records settings.test.
func (s *Service) SendTestMail(ctx context.Context, to string, m audit.Meta) error {
	st, err := s.Get(ctx)
	if err != nil {
		return err
	}
	if st.SMTP.Host == "" {
		return ErrNotConfigured
	}
	msg := mail.NewMsg()
	if err := msg.From(st.SMTP.From); err != nil {
		return &ValidationError{Fields: map[string]string{"from": "settings.field.from"}}
	}
	if err := msg.To(to); err != nil {
		return &ValidationError{Fields: map[string]string{"to": "settings.field.from"}}
	}
	msg.Subject("Purser: test e-mail")
	msg.SetBodyString(mail.TypeTextPlain, "This is a test e-mail from Purser. Notifications will arrive like this one.\n")
	// The very client notifications use: a passing test means they will pass too.
	c, err := notify.MailClient(st.NotifyConfig(), 10*time.Second)
	if err == nil {
		err = c.DialAndSendWithContext(ctx, msg)
	}
	return s.recordTest(ctx, "smtp", err, m)
}

func (s *Service) recordTest(ctx context.Context, channel string, sendErr error, m audit.Meta) error {
	outcome, details := audit.Success, map[string]any{"channel": channel}
	if sendErr != nil {
		outcome, details["error"] = audit.Failure, sendErr.Error()
	}
	if err := audit.Record(ctx, s.db, m, audit.Entry{Action: audit.SettingsTest, TargetType: "settings", TargetID: channel,
		Outcome: outcome, Details: details}); err != nil {
		return err
	}
	if sendErr != nil {
		return fmt.Errorf("%w: %w", ErrSend, sendErr)
	}
	return nil
}
