// Package audit writes Purser's audit trail: who did what, from where, to which object,
// with which outcome. Events go through store.AppendAudit, inside the transaction of the
// change they record; this package names the actions, carries the request's metadata and
// redacts secrets from details before anything reaches the database.
package audit

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/purser-finance/purser/internal/store"
)

// Action names, exactly as CONTRACTS.md lists them.
const (
	AuthLogin       = "auth.login"
	AuthLoginFailed = "auth.login_failed"
	AuthLogout      = "auth.logout"
	AuthTOTPFailed  = "auth.totp_failed"
	UserCreate      = "user.create"
	UserUpdate      = "user.update"
	UserDisable     = "user.disable"
	RoleGrant       = "role.grant"
	RoleRevoke      = "role.revoke"
	AccessDenied    = "access.denied"
	ExportDownload  = "export.download"
	SyncRun         = "sync.run"
)

// Outcomes.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// SystemActor is the actor name of events without a signed-in user (CLI, jobs).
const SystemActor = "system"

// Meta is who acts and from where; the web layer fills it from the request, the CLI and
// jobs use System.
type Meta struct {
	ActorID   *int64
	ActorName string
	IP        string
	UserAgent string
	RequestID string
}

// System is the metadata of an action taken by Purser itself or its command line.
func System(via string) Meta { return Meta{ActorName: SystemActor, UserAgent: via} }

// WithActor returns a copy of m acting as the given user.
func (m Meta) WithActor(id int64, name string) Meta {
	m.ActorID = &id
	m.ActorName = name
	return m
}

// Entry is one thing to record.
type Entry struct {
	Action     string
	TargetType string
	TargetID   string
	Outcome    string
	Details    map[string]any
}

// Appender is what Record needs: a store.DB or a transaction bound to one.
type Appender interface {
	AppendAudit(ctx context.Context, e *store.AuditEvent) error
}

// Record appends one event. Call it with the transaction of the change it records so that
// both commit or neither does.
func Record(ctx context.Context, db Appender, m Meta, e Entry) error {
	actor := m.ActorName
	if actor == "" {
		actor = "anonymous"
	}
	details, err := json.Marshal(Redact(e.Details))
	if err != nil {
		return err
	}
	return db.AppendAudit(ctx, &store.AuditEvent{
		ActorID:    m.ActorID,
		ActorName:  actor,
		IP:         m.IP,
		UserAgent:  truncate(m.UserAgent, 512),
		RequestID:  m.RequestID,
		Action:     e.Action,
		TargetType: e.TargetType,
		TargetID:   e.TargetID,
		Outcome:    e.Outcome,
		Details:    details,
	})
}

// secretWords mark detail keys whose values are never written, whatever the caller passes.
var secretWords = []string{"password", "secret", "token", "totp", "code", "session", "cookie", "sk", "authorization", "key"}

// Redacted replaces secret values.
const Redacted = "[redacted]"

// Redact returns a copy of details with the values of secret-looking keys replaced, at any
// depth. Keys are split on '_' so that "sk" matches "hw_sk" but not "task".
func Redact(details map[string]any) map[string]any {
	if details == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(details))
	for k, v := range details {
		if isSecretKey(k) {
			out[k] = Redacted
			continue
		}
		switch vv := v.(type) {
		case map[string]any:
			out[k] = Redact(vv)
		default:
			out[k] = v
		}
	}
	return out
}

func isSecretKey(k string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(k), func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		for _, w := range secretWords {
			if part == w {
				return true
			}
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
