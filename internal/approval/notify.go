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

	"github.com/wneessen/go-mail"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// NotifyConfig says where notifications go besides the in-app list. Empty fields turn a
// channel off.
type NotifyConfig struct {
	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
	// SMTPTLS: "" or "starttls" (opportunistic), "tls" (implicit), "none".
	SMTPTLS string
	// EmailOf returns a user's e-mail address ("" when none); nil: no e-mail.
	EmailOf func(userID int64) string
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
	wg  sync.WaitGroup

	mu     sync.Mutex
	source func() NotifyConfig // when set, read at every dispatch (admin settings)
}

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
	return &Notifier{db: n.db, cfg: f(), log: n.log}
}

// NewNotifier returns a Notifier.
func NewNotifier(db *store.DB, cfg NotifyConfig, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{db: db, cfg: cfg, log: log}
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
// (best effort: the in-app notification is the record). Webhooks go once per event, not
// per recipient.
func (n *Notifier) Dispatch(notes []Note) {
	wg := &n.wg
	n = n.current()
	if len(notes) == 0 || (n.cfg.WebhookURL == "" && (n.cfg.SMTPHost == "" || n.cfg.EmailOf == nil)) {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), n.timeout()*time.Duration(1+len(notes)))
		defer cancel()
		if n.cfg.WebhookURL != "" {
			sent := map[string]bool{}
			for _, nt := range notes {
				key := nt.row.Kind + "/" + fmt.Sprint(nt.event["operation"])
				if sent[key] {
					continue
				}
				sent[key] = true
				if err := n.Webhook(ctx, nt.event); err != nil {
					n.log.Warn("notify: webhook failed", "error", err)
				}
			}
		}
		if n.cfg.SMTPHost != "" && n.cfg.EmailOf != nil {
			for _, nt := range notes {
				to := n.cfg.EmailOf(nt.row.UserID)
				if to == "" {
					continue
				}
				if err := n.Email(ctx, to, nt.row.Kind, nt.row.Params); err != nil {
					n.log.Warn("notify: e-mail failed", "error", err)
				}
			}
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

// Email sends one plain-text notification.
func (n *Notifier) Email(ctx context.Context, to, kind, params string) error {
	msg := mail.NewMsg()
	if err := msg.From(n.cfg.SMTPFrom); err != nil {
		return err
	}
	if err := msg.To(to); err != nil {
		return err
	}
	var p map[string]string
	_ = json.Unmarshal([]byte(params), &p)
	msg.Subject(fmt.Sprintf("Purser: operation %s — %s", p["id"], kind))
	msg.SetBodyString(mail.TypeTextPlain, fmt.Sprintf("Operation %s (%s) is now %s.\nAmount: %s\nSub-account: %s\nRequested by: %s\n",
		p["id"], p["kind"], p["state"], p["amount"], p["sub_account_id"], p["requested_by"]))
	opts := []mail.Option{mail.WithPort(max(n.cfg.SMTPPort, 1)), mail.WithTimeout(n.timeout())}
	if n.cfg.SMTPPort == 0 {
		opts[0] = mail.WithPort(587)
	}
	switch n.cfg.SMTPTLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if n.cfg.SMTPUsername != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(n.cfg.SMTPUsername), mail.WithPassword(n.cfg.SMTPPassword))
	}
	c, err := mail.NewClient(n.cfg.SMTPHost, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
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
