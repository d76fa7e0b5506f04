package bss

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/response"
)

// maxErrorMessage bounds the upstream text kept in an Error.
const maxErrorMessage = 512

// inspector is the SDK error handler. The SDK treats every status below 400 as success and
// decodes whatever came; the upstream sometimes refuses with HTTP 200 and an error_code in
// the body, and a proxy or a wrong endpoint answers with redirects and HTML. So every answer
// is judged here against the operation's documented shape before the SDK decodes it.
type inspector struct{ want shape }

func (i inspector) HandleError(_ *request.DefaultHttpRequest, resp *response.DefaultHttpResponse) error {
	data, e := judge(resp.Response, i.want)
	// The SDK decodes from the body: give it back the bytes read (at most maxAnswer).
	resp.Response.Body = io.NopCloser(bytes.NewReader(data))
	if e != nil {
		return e
	}
	return nil
}

// errorBody is the upstream's refusal; some gateways say code/message instead.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// inspectBody returns the refusal an answer carries, or nil when it is a success. Status ≥ 400
// is always a refusal; a 2xx/3xx is one when its body has a top-level error_code.
func inspectBody(status int, body []byte) *Error {
	var eb errorBody
	trimmed := bytes.TrimSpace(body)
	parsed := len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &eb) == nil
	code, msg := eb.ErrorCode, eb.ErrorMsg
	if code == "" {
		code, msg = eb.Code, eb.Message
	}
	if status < 400 && (!parsed || eb.ErrorCode == "") {
		return nil
	}
	if !parsed {
		msg = string(trimmed)
	}
	return &Error{HTTPStatus: status, Code: truncate(code, 64), Message: truncate(strings.ToValidUTF8(msg, "?"), maxErrorMessage)}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
