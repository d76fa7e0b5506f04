package approval

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
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// NotifyConfig says where notifications go besides the in-app list. Empty fields turn a
// channel off.
type NotifyConfig struct {
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

// Notification is one in-app notice to a user.
type Notification struct {
	ID          int64             `json:"id"`
	UserID      int64             `json:"user_id"`
	OperationID *int64            `json:"operation_id,omitempty"`
	BatchID     *int64            `json:"batch_id,omitempty"`
	Kind        string            `json:"kind"` // i18n id, e.g. "notify.op.approved"
	Params      map[string]string `json:"params"`
	ReadAt      *time.Time        `json:"read_at,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

// Notifier writes in-app notifications in the transition's transaction and sends e-mail
// and webhooks after commit, when configured.
type Notifier struct {
	db  *store.DB
	cfg NotifyConfig
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
	source      func() NotifyConfig // when set, read at every dispatch (admin settings)
	lastFailure Failure
}

// maxSMTPConnections bounds the SMTP connections open at once, so that a burst of events
// (a large batch settling row by row) queues instead of flooding the mail server.
const maxSMTPConnections = 2

// SetSource makes the notifier read its channels at every dispatch, so that an admin's
// change of the SMTP or webhook settings applies to the next notification.
func (n *Notifier) SetSource(f func() NotifyConfig) {
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

// NewNotifier returns a Notifier.
func NewNotifier(db *store.DB, cfg NotifyConfig, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{db: db, cfg: cfg, log: log, shared: &shared{smtp: make(chan struct{}, maxSMTPConnections),
		counts: newNotifyCounter()}}
}

// Note is one notification to write in a transaction and send after commit.
type Note struct {
	row   store.NotificationRow
	event map[string]any // webhook body
}

func opParams(r *store.Operation) map[string]string {
	return map[string]string{"id": strconv.FormatInt(r.ID, 10), "kind": r.Kind, "state": r.State,
		"amount": ptrString(r.Amount), "sub_account_id": r.SubAccountID, "requested_by": r.RequestedByName}
}

func (s *Service) noteRequester(r *store.Operation, kind string) Note {
	return newNote(r.RequestedBy, r, kind)
}

func newNote(userID int64, r *store.Operation, kind string) Note {
	p := opParams(r)
	b, _ := json.Marshal(p)
	id := r.ID
	return Note{row: store.NotificationRow{UserID: userID, OperationID: &id, BatchID: r.BatchID, Kind: kind, Params: string(b)},
		event: map[string]any{"event": kind, "operation": p}}
}

// NoteRequester is what the executor calls: the requester hears of an outcome.
func NoteRequester(r *store.Operation, kind string) Note { return newNote(r.RequestedBy, r, kind) }

// approversFor lists users who could approve r: approvers in scope, not the requester.
func approversFor(ctx context.Context, db *store.DB, requestedBy int64, orgPath []string, admins bool) ([]int64, error) {
	users, err := db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, u := range users {
		if u.Disabled || u.ID == requestedBy {
			continue
		}
		sub := authz.Subject{UserID: u.ID, Scopes: u.Scopes}
		for _, r := range u.Roles {
			sub.Roles = append(sub.Roles, authz.Role(r))
		}
		ok := authz.Allowed(sub, authz.ApproveOperation, authz.Target{OrgPath: orgPath, OwnerID: requestedBy})
		if admins {
			ok = sub.Has(authz.Admin)
		}
		if ok {
			out = append(out, u.ID)
		}
	}
	return out, nil
}

func (s *Service) noteApprovers(ctx context.Context, tx *store.DB, r *store.Operation, kind string) ([]Note, error) {
	ids, err := approversFor(ctx, tx, r.RequestedBy, splitPath(r.OrgPath), false)
	if err != nil {
		return nil, err
	}
	out := make([]Note, 0, len(ids))
	for _, id := range ids {
		out = append(out, newNote(id, r, kind))
	}
	return out, nil
}

// NoteAdmins notifies every admin (unknown outcomes wait for them).
func NoteAdmins(ctx context.Context, tx *store.DB, r *store.Operation, kind string) ([]Note, error) {
	ids, err := approversFor(ctx, tx, 0, nil, true)
	if err != nil {
		return nil, err
	}
	var out []Note
	for _, id := range ids {
		if id != r.RequestedBy {
			out = append(out, newNote(id, r, kind))
		}
	}
	return out, nil
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

// Notifications: see approval.go.
func (s *Service) Notifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]Notification, error) {
	rows, err := s.db.ListNotifications(ctx, userID, unreadOnly, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Notification, 0, len(rows))
	for _, r := range rows {
		nt := Notification{ID: r.ID, UserID: r.UserID, OperationID: r.OperationID, BatchID: r.BatchID, Kind: r.Kind, ReadAt: r.ReadAt, CreatedAt: r.CreatedAt.UTC()}
		_ = json.Unmarshal([]byte(r.Params), &nt.Params)
		out = append(out, nt)
	}
	return out, nil
}

// MarkNotificationsRead: see approval.go.
func (s *Service) MarkNotificationsRead(ctx context.Context, userID int64, ids []int64) error {
	return s.db.MarkNotificationsRead(ctx, userID, ids, s.now())
}

// CountUnread: see approval.go.
func (s *Service) CountUnread(ctx context.Context, userID int64) (int, error) {
	n, err := s.db.CountUnreadNotifications(ctx, userID)
	return int(n), err
}

// Notifier returns the service's notifier (the executor shares it).
func (s *Service) Notifier() *Notifier { return s.note }
