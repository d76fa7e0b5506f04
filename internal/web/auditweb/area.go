// Package auditweb is the auditor's workspace on the web: the trail's search, event and
// timeline pages, its exports, the JSON API and the chain verification. It declares its
// routes with their permissions (Routes) and receives its collaborators as Deps; package
// web mounts it. It does not import web: the request-scoped core (page frame, rendering,
// the one error exit, translator, subject, audit metadata) reaches it as webcore.Core,
// which web implements, and the stateless shared rules live in webcore (see its doc for
// why the core is split that way).
package auditweb

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Store is what the area reads of the trail, and where its audit.view and
// export.download events go.
type Store interface {
	audit.Appender
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error)
	StreamAudit(ctx context.Context, f store.AuditFilter, fn func(store.AuditEvent) error) error
	AuditEventByID(ctx context.Context, id int64) (*store.AuditEvent, error)
	AuditHead(ctx context.Context) (int64, string, error)
	ListAuditCheckpoints(ctx context.Context, limit int) ([]store.AuditCheckpoint, error)
	ListAuditVerificationRuns(ctx context.Context, limit int) ([]store.AuditVerificationRun, error)
	AuditVerificationRunByID(ctx context.Context, id int64) (*store.AuditVerificationRun, error)
}

// Targets names the objects events point at, as they are now (readmodel.Reader).
type Targets interface {
	AuditTargets(ctx context.Context, events []store.AuditEvent) (readmodel.AuditTargets, error)
}

// Deps are the area's collaborators. All are required except Verifier: nil answers
// "not available" on starting a verification.
type Deps struct {
	Core     webcore.Core
	Store    Store
	Targets  Targets
	Verifier Verifier
	// Signer is the checkpoint key; the verification page shows its public key.
	// Verifications and checkpoints themselves are jobs (internal/jobs).
	Signer *audit.Signer
	Log    *slog.Logger
	Now    func() time.Time
}

// Area serves the audit pages.
type Area struct {
	core     webcore.Core
	db       Store
	targets  Targets
	verifier Verifier
	signer   *audit.Signer
	log      *slog.Logger
	now      func() time.Time
}

// New builds the area.
func New(d Deps) (*Area, error) {
	if d.Core == nil || d.Store == nil || d.Targets == nil || d.Signer == nil || d.Log == nil || d.Now == nil {
		return nil, errors.New("auditweb: Deps.Core, Store, Targets, Signer, Log and Now are required")
	}
	return &Area{core: d.Core, db: d.Store, targets: d.Targets, verifier: d.Verifier, signer: d.Signer, log: d.Log, now: d.Now}, nil
}

// pathID reads a positive integer id from the path; anything else is a 404.
func pathID(c *gin.Context, name string) (int64, error) { return webcore.PathID(c, name) }
