package approval

import (
	"log/slog"
	"time"

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
}

// NewNotifier returns a Notifier.
func NewNotifier(db *store.DB, cfg NotifyConfig, log *slog.Logger) *Notifier {
	return &Notifier{db: db, cfg: cfg, log: log}
}
