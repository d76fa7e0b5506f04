package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/rulesweb"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// Helpers shared by the operations area (pages and API): the actor, the one mapping of
// approval errors to statuses, labels and the snapshot as people read it.

var (
	errOpsUnavailable  = &httpError{http.StatusServiceUnavailable, "operations_unavailable", "op.error.unavailable"}
	errWrongState      = &httpError{http.StatusConflict, "wrong_state", "op.error.wrong_state"}
	errSelfApproval    = &httpError{http.StatusForbidden, "self_approval", "op.error.self_approval"}
	errAlreadyDecided  = &httpError{http.StatusConflict, "already_decided", "op.error.already_decided"}
	errIdemConflict    = &httpError{http.StatusConflict, "idempotency_conflict", "op.error.idempotency_conflict"}
	errSnapshotChanged = &httpError{http.StatusConflict, "snapshot_changed", "op.error.snapshot_changed"}
	errStepUp          = &httpError{http.StatusUnprocessableEntity, "step_up_failed", "op.error.step_up"}
	errStepUpLocked    = &httpError{http.StatusTooManyRequests, "step_up_locked", "op.error.step_up_locked"}
	errCodeReused      = &httpError{http.StatusUnprocessableEntity, "code_reused", "identity.code_reused"}
	errValidation      = &httpError{http.StatusUnprocessableEntity, "validation_failed", "op.error.validation"}
	errOpForbidden     = &httpError{http.StatusForbidden, "forbidden", "op.error.forbidden"}
)

// actorOf is the signed-in user as the approval service sees them.
func actorOf(c *gin.Context) approval.Actor {
	u := signedIn(c)
	if u == nil {
		return approval.Actor{Meta: meta(c)}
	}
	return approval.Actor{UserID: u.ID, Username: u.Username, Roles: u.Subject.Roles, Scopes: u.Scopes, Meta: meta(c)}
}

// opsReady answers 503 when no approval service is wired (a build without jobs).
func (s *Server) opsReady(c *gin.Context) bool {
	if s.ops == nil {
		s.fail(c, errOpsUnavailable)
		return false
	}
	return true
}

// opHTTPError maps an approval error to its status and message; nil for errors that are
// not the workflow's (they go to fail as they are).
func opHTTPError(err error) *httpError {
	var ve *approval.ValidationError
	var be *approval.BatchErrors
	switch {
	case errors.As(err, &ve), errors.As(err, &be):
		return errValidation
	case errors.Is(err, approval.ErrNotFound):
		return errNotFound
	case errors.Is(err, approval.ErrSelfApproval):
		return errSelfApproval
	case errors.Is(err, approval.ErrAlreadyDecided):
		return errAlreadyDecided
	case errors.Is(err, approval.ErrIdempotencyConflict):
		return errIdemConflict
	case errors.Is(err, approval.ErrSnapshotChanged):
		return errSnapshotChanged
	case errors.Is(err, approval.ErrWrongState):
		return errWrongState
	case errors.Is(err, auth.ErrLockedOut):
		return errStepUpLocked
	case errors.Is(err, auth.ErrCodeReused):
		return errCodeReused
	case errors.Is(err, approval.ErrStepUp):
		return errStepUp
	case errors.Is(err, approval.ErrForbidden):
		return errOpForbidden
	}
	return nil
}

// opFail is the operations area's error exit. Out of scope answers like "not found" and
// a refusal by role answers 403; both are recorded as access.denied (the service does not
// write them). Self-approval is already recorded by the service.
func (s *Server) opFail(c *gin.Context, err error, targetType string, targetID string) {
	switch {
	case errors.Is(err, approval.ErrOutOfScope):
		s.hideOutOfScope(c, targetType, targetID)
		return
	case errors.Is(err, approval.ErrForbidden):
		s.recordDenied(c, targetType, targetID, "not allowed for this operation")
	}
	if he := opHTTPError(err); he != nil {
		s.fail(c, he)
		return
	}
	s.fail(c, err)
}

// recordDenied writes access.denied for a refusal decided by the use case.
func (s *Server) recordDenied(c *gin.Context, targetType, targetID, reason string) {
	if err := audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{
		Action: audit.AccessDenied, TargetType: targetType, TargetID: targetID, Outcome: audit.Denied,
		Details: map[string]any{"method": c.Request.Method, "path": c.Request.URL.Path, "reason": reason},
	}); err != nil {
		s.log.Error("cannot audit a denial", "error", err, "request_id", requestID(c))
	}
}

// newIdemKey is the idempotency key of one rendered form.
func newIdemKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// validIdemKey accepts what newIdemKey makes and what API clients reasonably send.
func validIdemKey(k string) bool {
	if len(k) < 8 || len(k) > 128 {
		return false
	}
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

func opHref(id int64) string    { return "/operations/" + strconv.FormatInt(id, 10) }
func batchHref(id int64) string { return "/operations/batches/" + strconv.FormatInt(id, 10) }

// kindLabel is the translated name of a kind.
func kindLabel(tr *i18n.Translator, k approval.Kind) string { return tr.T("op.kind." + string(k)) }

// stateBadge is the translated, coloured state.
func stateBadge(tr *i18n.Translator, st approval.State) view.Badge {
	kind := ""
	switch st {
	case approval.StateSucceeded:
		kind = "ok"
	case approval.StateFailed, approval.StateRejected:
		kind = "bad"
	case approval.StatePending, approval.StateUnknown:
		kind = "warn"
	case approval.StateApproved, approval.StateExecuting:
		kind = "info"
	}
	return view.Badge{Text: tr.T("op.state." + string(st)), Kind: kind}
}

// kindOptions are the kinds as select options.
func kindOptions(tr *i18n.Translator, selected string, withAny bool) []view.Option {
	var out []view.Option
	if withAny {
		out = append(out, view.Option{Value: "", Label: tr.T("op.any_kind"), Selected: selected == ""})
	}
	for _, k := range approval.Kinds {
		out = append(out, view.Option{Value: string(k), Label: kindLabel(tr, k), Selected: selected == string(k)})
	}
	return out
}

// approvalsSummary says "1 of 2 approvals".
func approvalsSummary(tr *i18n.Translator, aps []approval.Approval, required int) string {
	if required == 0 {
		return tr.T("op.no_approval_needed")
	}
	n := 0
	for _, a := range aps {
		if a.Decision == approval.DecisionApprove {
			n++
		}
	}
	return tr.T("op.approvals_of", map[string]any{"Count": n, "Required": required})
}

// opRow is an operation as one line of a list.
func opRow(tr *i18n.Translator, o approval.Operation) view.OperationRow {
	r := view.OperationRow{
		ID: strconv.FormatInt(o.ID, 10), Href: opHref(o.ID), Kind: kindLabel(tr, o.Kind),
		Requester: o.RequestedByName, Created: formatTime(o.CreatedAt, tr.Lang), State: stateBadge(tr, o.State),
		Approvals: approvalsSummary(tr, o.Approvals, o.RequiredApprovals), Currency: o.Currency,
	}
	if o.Amount != nil {
		r.Amount = o.Amount.Format()
	}
	if o.SubAccountID != "" {
		r.SubAccount = o.Params.SubAccountName
		if r.SubAccount == "" {
			r.SubAccount = o.SubAccountID
		}
		r.SubAccountHref = "/sub-accounts/" + url.PathEscape(o.SubAccountID)
	}
	if len(o.Params.ResourceIDs) > 0 {
		r.Resources = strings.Join(o.Params.ResourceIDs, ", ")
		if len(o.Params.ResourceIDs) > 3 {
			r.Resources = strings.Join(o.Params.ResourceIDs[:3], ", ") + tr.T("op.and_more", map[string]any{"Count": len(o.Params.ResourceIDs) - 3})
		}
	}
	if o.BatchID != nil {
		r.Batch = tr.T("op.batch_n", map[string]any{"ID": *o.BatchID})
		r.BatchHref = batchHref(*o.BatchID)
	}
	if o.State == approval.StatePending {
		r.Expires = formatTime(o.ExpiresAt, tr.Lang)
	}
	r.Summary = opSummary(tr, o)
	return r
}

// opSummary says in a few words what an operation does.
func opSummary(tr *i18n.Translator, o approval.Operation) string {
	p := o.Params
	switch o.Kind {
	case approval.KindTransferFunds, approval.KindRetrieveFunds:
		return tr.T("op.balance_type."+orDefault(p.BalanceType, approval.BalanceDebit)) + expireSuffix(tr, p.ExpireTime)
	case approval.KindTransferCoupon, approval.KindRetrieveCoupon:
		return tr.T("op.coupon_short", map[string]any{"ID": p.CouponID})
	case approval.KindRenewResources:
		return tr.T("op.renew_short", map[string]any{"Num": p.PeriodNum, "Unit": tr.T("op.period." + p.PeriodType)}) + quoteSuffix(tr, p.Quote)
	case approval.KindToOnDemand, approval.KindAutoRenew:
		return tr.T("op.operation." + p.Operation)
	case approval.KindUnsubscribeResources:
		return tr.T("op.unsub_type." + strconv.Itoa(p.UnsubType))
	case approval.KindTopUpRule:
		return rulesweb.ChangeSummary(tr, p.Rule)
	}
	return ""
}

func expireSuffix(tr *i18n.Translator, rfc string) string {
	if rfc == "" {
		return ""
	}
	return " · " + tr.T("op.expires_on", map[string]any{"Date": displayRFC3339(rfc, tr.Lang)})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// displayRFC3339 shows a stored RFC 3339 time in the display zone.
func displayRFC3339(s, lang string) string {
	t, ok := parseRFC3339(s)
	if !ok {
		return s
	}
	return formatTime(t, lang)
}

// snapshotKV is what will be sent upstream, as the approver reads it.
func snapshotKV(tr *i18n.Translator, o approval.Operation) []view.Fact {
	p := o.Params
	out := []view.Fact{{Label: tr.T("op.f.kind"), Value: kindLabel(tr, o.Kind), Test: "snap-kind"}}
	add := func(key, value string, mono bool) {
		if value != "" {
			out = append(out, view.Fact{Label: tr.T("op.f." + key), Value: value, Mono: mono, Test: "snap-" + strings.ReplaceAll(key, "_", "-")})
		}
	}
	if p.SubAccountID != "" {
		name := p.SubAccountName
		if name != "" {
			name += " · "
		}
		add("sub_account", name+p.SubAccountID, false)
	}
	if p.Amount != "" {
		amt := p.Amount
		if o.Amount != nil {
			amt = o.Amount.Format()
		}
		add("amount", amt+" "+orDefault(o.Currency, "CNY"), false)
	}
	if o.Kind == approval.KindTransferFunds || o.Kind == approval.KindRetrieveFunds {
		add("balance_type", tr.T("op.balance_type."+orDefault(p.BalanceType, approval.BalanceDebit)), false)
		if p.ExpireTime != "" {
			add("expire_time", displayRFC3339(p.ExpireTime, tr.Lang)+" ("+p.ExpireTime+")", false)
		}
	}
	add("coupon_id", p.CouponID, true)
	add("sub_coupon_id", p.SubCouponID, true)
	if len(p.ResourceIDs) > 0 {
		add("resource_ids", strings.Join(p.ResourceIDs, "\n"), true)
	}
	add("resource_account", p.AccountID, true) // a sub-account's resources: sent with its own credentials
	if p.PeriodType != "" {
		if p.PeriodNum > 0 {
			add("period", tr.T("op.period_value", map[string]any{"Num": p.PeriodNum, "Unit": tr.T("op.period." + p.PeriodType)}), false)
		} else {
			add("period", tr.T("op.period."+p.PeriodType), false)
		}
	}
	if o.Kind == approval.KindRenewResources {
		add("auto_pay", yesNo(tr, p.AutoPay), false)
	}
	if p.UnsubType != 0 {
		add("unsubscribe_type", tr.T("op.unsub_type."+strconv.Itoa(p.UnsubType)), false)
	}
	if p.UnsubReason != 0 {
		add("unsubscribe_reason_type", tr.T("op.unsub_reason."+strconv.Itoa(p.UnsubReason)), false)
	}
	if p.Operation != "" {
		add("operation", tr.T("op.operation."+p.Operation), false)
	}
	if o.Kind == approval.KindAutoRenew && p.Operation == approval.OpSet {
		add("auto_renew_times", autoRenewTimes(tr, p.AutoRenewTimes), false)
	}
	if o.Kind == approval.KindTopUpRule {
		out = append(out, rulesweb.ChangeFacts(tr, p.Rule)...)
	}
	if p.RuleID != 0 {
		add("pre_approved", tr.T("rules.pre_approved_by", map[string]any{"ID": p.RuleID, "Name": isolate(p.RuleName)}), false)
	}
	add("trans_id", o.TransID, true)
	add("master_account", o.MasterAccountID, true)
	return out
}

func autoRenewTimes(tr *i18n.Translator, n int) string {
	if n == 0 {
		return tr.T("op.until_cancelled")
	}
	return strconv.Itoa(n)
}

func yesNo(tr *i18n.Translator, b bool) string {
	if b {
		return tr.T("op.yes")
	}
	return tr.T("op.no")
}

// approvalViews are an operation's decisions.
func approvalViews(tr *i18n.Translator, aps []approval.Approval) []view.ApprovalView {
	out := make([]view.ApprovalView, 0, len(aps))
	for _, a := range aps {
		d := view.Badge{Text: tr.T("op.decision." + a.Decision), Kind: "ok"}
		if a.Decision == approval.DecisionReject {
			d.Kind = "bad"
		}
		f := ""
		if a.SecondFactor != "" {
			f = tr.T("op.factor." + a.SecondFactor)
		}
		out = append(out, view.ApprovalView{User: a.Username, Comment: a.Comment, At: formatTime(a.At, tr.Lang), Factor: f, Decision: d})
	}
	return out
}

// timelineSummaryKeys are the details a timeline line shows, in this order.
var timelineSummaryKeys = []string{"state", "amount", "approvals", "required", "final", "comment", "reason", "outcome",
	"attempt", "error_code", "code", "via", "policy", "rows", "total", "line", "batch_id"}

// timelineRows are the audit events of an operation, oldest first; its amounts read in
// currency, grouped.
func timelineRows(tr *i18n.Translator, entries []approval.TimelineEntry, currency string) []view.TimelineRow {
	out := make([]view.TimelineRow, 0, len(entries))
	for _, e := range entries {
		var parts []string
		for _, k := range timelineSummaryKeys {
			v, ok := e.Details[k]
			if !ok || v == nil || v == "" {
				continue
			}
			value := detailValue(v)
			if s, ok := v.(string); ok && (k == "amount" || k == "total") {
				value = money.TextOf(s, currency)
			}
			parts = append(parts, tr.T("op.detail."+k)+": "+value)
		}
		out = append(out, view.TimelineRow{At: formatTime(e.At, tr.Lang), Action: tr.T("action." + e.Action),
			Actor: e.Actor, Outcome: e.Outcome, Summary: strings.Join(parts, " · ")})
	}
	return out
}

func detailValue(v any) string {
	switch x := v.(type) {
	case string:
		return isolate(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// isolate is webcore.Isolate: the audit area's labels follow the same rule.
func isolate(s string) string { return webcore.Isolate(s) }

// sortedFields lists a validation error's fields in a stable order.
func sortedFields(ve *approval.ValidationError) []string {
	keys := make([]string, 0, len(ve.Fields))
	for k := range ve.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fieldMessage translates one field's problem.
func fieldMessage(tr *i18n.Translator, ve *approval.ValidationError, field string) string {
	id, ok := ve.Fields[field]
	if !ok {
		return ""
	}
	return tr.T(id, ve.Params[field])
}

// canApprove reports whether the signed-in user could decide on an operation requested by
// requestedBy (the service decides for real; this only shows or hides the form).
func canApprove(u *currentUser, requestedBy int64, orgPath []string) bool {
	return u != nil && u.ID != requestedBy &&
		authz.Allowed(u.Subject, authz.ApproveOperation, authz.Target{OrgPath: orgPath, OwnerID: requestedBy})
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func percent(done, total int) int {
	if total <= 0 {
		return 0
	}
	return min(100, done*100/total)
}

// parseRFC3339 reads a stored time.
func parseRFC3339(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}
