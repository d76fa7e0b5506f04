// Package notify tells people about operations: an in-app notice written in the same
// transaction as the transition it reports, then, after commit, the same notice by e-mail
// (in the recipient's language, with a link) and one signed webhook per event. Delivery
// outside the portal is best effort and bounded in time; the in-app list is the record.
// The approval use cases and the executor build notes (ForRequester, ForOperation, ForBatch …) and
// hand them to a Notifier; the web layer reads a user's list (List, CountUnread, MarkRead).
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/store"
)

// Config says where notifications go besides the in-app list. Empty fields turn a
// channel off.
type Config struct {
	SMTPHost     string
	SMTPPort     int // 0 = 587
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
	// SMTPTLS: "" or "starttls" (STARTTLS required), "tls" (implicit TLS), "none".
	SMTPTLS string
	// PublicURL is the portal's external address (PORTAL_PUBLIC_URL): e-mails link to the
	// operation or batch page under it. "" = no link.
	PublicURL string
	// Lang is the language of e-mails to recipients without a language of their own
	// ("en" or "zh"; "" = English).
	Lang string
	// WebhookURL receives a JSON POST per transition, signed with WebhookSecret as
	// X-Purser-Signature: sha256=<hex HMAC-SHA256 of the body>.
	WebhookURL    string
	WebhookSecret string
	Timeout       time.Duration
}

// Notifier writes in-app notifications in the transition's transaction and sends e-mail
// and webhooks after commit, when configured.
type Notifier struct {
	db  *store.DB
	cfg Config
	log *slog.Logger
	*shared
}

// shared is what every copy made by current() has in common: background sends to wait
// for, the limit on SMTP connections, the outcome counters.
type shared struct {
	wg     sync.WaitGroup
	smtp   chan struct{} // one slot per SMTP connection allowed at once
	counts *prometheus.CounterVec

	mu          sync.Mutex
	source      func() Config // when set, read at every dispatch (admin settings)
	lastFailure Failure

	clock func() time.Time // set before use (SetClock); nil: time.Now
}

// SetClock makes the notifier read time from now (read marks), so that a workflow on a
// fake clock stamps its notices by that clock. Call it before the notifier is used.
func (n *Notifier) SetClock(now func() time.Time) { n.clock = now }

// maxSMTPConnections bounds the SMTP connections open at once, so that a burst of events
// (a large batch settling row by row) queues instead of flooding the mail server.
const maxSMTPConnections = 2

// SetSource makes the notifier read its channels at every dispatch, so that an admin's
// change of the SMTP or webhook settings applies to the next notification.
func (n *Notifier) SetSource(f func() Config) {
	n.mu.Lock()
	n.source = f
	n.mu.Unlock()
}

// current is the configuration to send with now.
func (n *Notifier) current() *Notifier {
	n.mu.Lock()
	f := n.source
	n.mu.Unlock()
	if f == nil {
		return n
	}
	return &Notifier{db: n.db, cfg: f(), log: n.log, shared: n.shared}
}

// New returns a Notifier over db (recipients' addresses and languages; nil: no e-mail)
// sending through cfg's channels.
func New(db *store.DB, cfg Config, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{db: db, cfg: cfg, log: log, shared: &shared{smtp: make(chan struct{}, maxSMTPConnections),
		counts: newNotifyCounter()}}
}

// Insert writes the in-app notifications in tx.
func (n *Notifier) Insert(ctx context.Context, tx *store.DB, notes []Note) error {
	if len(notes) == 0 {
		return nil
	}
	now := time.Now().UTC()
	rows := make([]*store.NotificationRow, len(notes))
	for i := range notes {
		notes[i].row.CreatedAt = now
		rows[i] = &notes[i].row
	}
	return tx.InsertNotifications(ctx, rows)
}

// Dispatch sends e-mail and the webhook for committed notifications, in the background
// (best effort: the in-app notification is the record). It never blocks the caller, and
// each send is bounded in time and not retried: a failure is logged, counted in
// purser_notifications_total and kept as LastFailure. Webhooks go once per event, not per
// recipient; e-mail goes to every recipient with an address.
func (n *Notifier) Dispatch(notes []Note) {
	n = n.current()
	mail := n.cfg.SMTPHost != "" && n.db != nil
	if len(notes) == 0 || (n.cfg.WebhookURL == "" && !mail) {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if n.cfg.WebhookURL != "" {
			ctx, cancel := context.WithTimeout(context.Background(), n.timeout()*time.Duration(1+len(notes)))
			sent := map[string]bool{}
			for _, nt := range notes {
				key := nt.row.Kind + "/" + fmt.Sprint(nt.event["operation"], nt.event["batch"])
				if sent[key] {
					continue
				}
				sent[key] = true
				err := n.Webhook(ctx, nt.event)
				n.outcome("webhook", err)
				if err != nil {
					n.log.Warn("notify: webhook failed", "event", nt.row.Kind, "error", err)
				}
			}
			cancel()
		}
		if mail {
			n.sendMail(notes)
		}
	}()
}

// Wait blocks until background sends finish (tests, shutdown).
func (n *Notifier) Wait() { n.wg.Wait() }

func (n *Notifier) timeout() time.Duration {
	if n.cfg.Timeout > 0 {
		return n.cfg.Timeout
	}
	return 10 * time.Second
}

// Sign is the X-Purser-Signature value of a webhook body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Webhook POSTs event as JSON, signed when a secret is configured.
func (n *Notifier) Webhook(ctx context.Context, event map[string]any) error {
	body, err := json.Marshal(event)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "purser-webhook/1")
	if n.cfg.WebhookSecret != "" {
		req.Header.Set("X-Purser-Signature", Sign(n.cfg.WebhookSecret, body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
