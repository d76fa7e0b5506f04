package audit

import "strings"

// More action names (CONTRACTS.md lists the first ones; areas add theirs).
const (
	AuditView     = "audit.view"   // someone looked at the audit trail
	AuditVerify   = "audit.verify" // a verification ran
	CheckpointNew = "audit.checkpoint"
	SyncRequest   = "sync.request" // someone asked for a refresh; sync.run records the run
)

// Known lists every action name of the product, for the auditor's filter. Actions not
// yet listed still show up in the trail; the filter just does not offer them.
var Known = []string{
	AuthLogin, AuthLoginFailed, AuthLogout, AuthTOTPFailed,
	UserCreate, UserUpdate, UserDisable, RoleGrant, RoleRevoke,
	"policy.update", "upstream_account.create", "upstream_account.update", "upstream_account.delete",
	"operation.create", "operation.submit", "operation.approve", "operation.reject", "operation.cancel",
	"operation.expire", "operation.execute", "operation.succeed", "operation.fail", "operation.unknown",
	"operation.reconcile", SyncRequest, SyncRun, ExportDownload, AccessDenied, AuditView, AuditVerify, CheckpointNew,
	"sub_account.update", UpstreamAccountTest, SettingsUpdate, SettingsTest, SecretsRotate,
	"rule.create", "rule.update", "rule.pause", "rule.resume", "rule.pause_all", "rule.resume_all",
	"report.subscribe", "report.unsubscribe", "report.send",
	// The approval matrix (internal/approval matrix*.go).
	"approver_group.create", "approver_group.update", "approver_group.delete", "approval_rule.create",
	"approval_rule.update", "approval_rule.delete", "approval_rule.propose", "approval_rule.reject",
}

// Area is the part of an action before the dot: "auth", "operation", …
func Area(action string) string {
	area, _, _ := strings.Cut(action, ".")
	return area
}

// Areas groups Known by area, in order of first appearance.
func Areas() []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range Known {
		if ar := Area(a); !seen[ar] {
			seen[ar] = true
			out = append(out, ar)
		}
	}
	return out
}

// ActionsOf returns the known actions of an area.
func ActionsOf(area string) []string {
	var out []string
	for _, a := range Known {
		if Area(a) == area {
			out = append(out, a)
		}
	}
	return out
}
