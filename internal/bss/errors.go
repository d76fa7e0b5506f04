package bss

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of upstream failure. Every error the client returns is an *Error whose Kind is one
// of these, so callers write errors.Is(err, bss.ErrDuplicateTransID) and never look at codes.
var (
	ErrInvalidRequest      = errors.New("bss: invalid request")
	ErrAuthentication      = errors.New("bss: credentials refused")
	ErrAccessDenied        = errors.New("bss: access denied")
	ErrThrottled           = errors.New("bss: throttled by upstream flow control")
	ErrInsufficientBalance = errors.New("bss: insufficient balance")
	// ErrDuplicateTransID: the trans_id was used before. When the call was a retry of a
	// movement with this trans_id, it means an earlier attempt was applied.
	ErrDuplicateTransID = errors.New("bss: trans_id already used")
	// ErrMovementInProgress: another transfer or recovery is running for this master; retry later.
	ErrMovementInProgress  = errors.New("bss: another money movement is in progress")
	ErrCreditExpired       = errors.New("bss: credit validity expired")
	ErrAccountNotFound     = errors.New("bss: account does not exist")
	ErrAccountFrozen       = errors.New("bss: account frozen")
	ErrNoRelation          = errors.New("bss: no valid master-sub relation")
	ErrResourceUnavailable = errors.New("bss: resource expired, frozen or deleted")
	ErrNotMainResource     = errors.New("bss: not a main resource")
	ErrRefused             = errors.New("bss: refused by upstream business rules")
	ErrPartialFailure      = errors.New("bss: some resources were refused")
	// ErrUnknownOutcome: a write may or may not have been applied (timeout, lost response,
	// 5xx). Never treat it as success or failure; reconcile, resending the same trans_id.
	ErrUnknownOutcome = errors.New("bss: outcome unknown")
	ErrUnavailable    = errors.New("bss: upstream unavailable")
	ErrBadResponse    = errors.New("bss: upstream answer could not be read")
	ErrUpstream       = errors.New("bss: upstream error")
)

// Error is an upstream failure with everything needed to log, audit and translate it.
// It never carries credentials.
type Error struct {
	Operation  string
	HTTPStatus int    // 0 when no answer arrived
	Code       string // CBC.xxxx, APIGW.xxxx, or empty
	Message    string // the upstream's own text
	RequestID  string // X-Request-Id of the answer
	Kind       error  // one of the Err… kinds above
	// Failures lists per-resource refusals (fail_resource_infos, error_details).
	Failures []ResourceFailure
	cause    error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bss %s: %s", e.Operation, strings.TrimPrefix(e.Kind.Error(), "bss: "))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s", e.Code)
		if e.HTTPStatus != 0 {
			fmt.Fprintf(&b, ", HTTP %d", e.HTTPStatus)
		}
		b.WriteString(")")
	} else if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	if e.cause != nil {
		b.WriteString(": " + e.cause.Error())
	}
	return b.String()
}

// Is matches the kind, so that errors.Is(err, ErrThrottled) works.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap exposes the transport cause (context.DeadlineExceeded, net errors), if any.
func (e *Error) Unwrap() error { return e.cause }

// kindOfCode maps the documented CBC codes to kinds.
func kindOfCode(code string) error {
	switch code {
	case "CBC.0100", "CBC.0101":
		return ErrInvalidRequest
	case "CBC.0150", "CBC.0151", "CBC.0155":
		return ErrAccessDenied
	case "CBC.0250", "CBC.99007197":
		return ErrThrottled
	case "CBC.99005003":
		return ErrInsufficientBalance
	case "CBC.99007009":
		return ErrDuplicateTransID
	case "CBC.99007461":
		return ErrMovementInProgress
	case "CBC.99007181":
		return ErrCreditExpired
	case "CBC.99000047":
		return ErrAccountNotFound
	case "CBC.99003626":
		return ErrAccountFrozen
	case "CBC.99000086":
		return ErrNoRelation
	case "CBC.99003602", "CBC.30000067":
		return ErrResourceUnavailable
	case "CBC.30010036":
		return ErrNotMainResource
	case "CBC.99000043", "CBC.99007004":
		return ErrRefused
	case "APIGW.0301", "APIGW.0303", "APIGW.0305":
		return ErrAuthentication
	}
	return nil
}

// definite reports whether the code is a refusal that certainly did not apply the call,
// even when it came with HTTP 500 (the legacy endpoints do that).
func definite(kind error) bool {
	switch kind {
	case nil, ErrUpstream, ErrUnknownOutcome, ErrUnavailable, ErrBadResponse:
		return false
	}
	return true
}

type messages struct{ en, zh string }

var userMessages = map[error]messages{
	ErrInvalidRequest:      {"The request was refused because a value is invalid (for example an amount with more than two decimals).", "请求参数不合法（例如金额超过两位小数），已被拒绝。"},
	ErrAuthentication:      {"Huawei Cloud refused the access key. Check the upstream credentials.", "华为云拒绝了访问密钥，请检查上游凭证。"},
	ErrAccessDenied:        {"This account is not allowed to perform the operation.", "该账号无权执行此操作。"},
	ErrThrottled:           {"Huawei Cloud is limiting the request rate. Try again in a moment.", "华为云正在限制请求频率，请稍后再试。"},
	ErrInsufficientBalance: {"The balance is not sufficient for this amount.", "余额不足。"},
	ErrDuplicateTransID:    {"This transaction was already submitted to Huawei Cloud; it is not applied twice.", "该交易已提交至华为云，不会重复执行。"},
	ErrMovementInProgress:  {"Another transfer or recovery is still running for the master account. It will be retried.", "主账号有其他拨款或回收正在进行，稍后将自动重试。"},
	ErrCreditExpired:       {"The credit line has expired.", "信用额度已过期。"},
	ErrAccountNotFound:     {"The account does not exist.", "账号不存在。"},
	ErrAccountFrozen:       {"The account is frozen or closed.", "账号已冻结或已关闭。"},
	ErrNoRelation:          {"The sub-account has no valid relation to the master (coupons need the same legal entity).", "子账号与主账号不存在有效关联（代金券需属于同一法人实体）。"},
	ErrResourceUnavailable: {"The resource has expired, is frozen, or has been deleted.", "资源已过期、已冻结或已删除。"},
	ErrNotMainResource:     {"Only main resources can be renewed, unsubscribed or switched.", "只能对主资源执行续费、退订或转按需。"},
	ErrRefused:             {"Huawei Cloud refused the operation after its business checks.", "华为云业务校验未通过，操作被拒绝。"},
	ErrPartialFailure:      {"Some resources were refused; see the details per resource.", "部分资源操作失败，请查看各资源的详细信息。"},
	ErrUnknownOutcome:      {"Huawei Cloud did not confirm the outcome. It will be checked again; do not resubmit.", "华为云未确认执行结果，系统将再次核对，请勿重复提交。"},
	ErrUnavailable:         {"Huawei Cloud could not be reached. Try again later.", "暂时无法连接华为云，请稍后再试。"},
	ErrBadResponse:         {"Huawei Cloud sent an answer that could not be read.", "华为云返回的结果无法解析。"},
	ErrUpstream:            {"Huawei Cloud reported an error.", "华为云返回错误。"},
}

// UserMessage is a safe, translated text for people ("en" or "zh"; English otherwise). It
// names the upstream code and request id so that support can trace the call.
func (e *Error) UserMessage(lang string) string {
	m, ok := userMessages[e.Kind]
	if !ok {
		m = userMessages[ErrUpstream]
	}
	text := m.en
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		text = m.zh
	}
	if e.Code != "" {
		text += " (" + e.Code + ")"
	}
	return text
}
