package bss

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// maxAnswer bounds what is read of an answer. The largest real one (a page of 100
// resources) is a few hundred KiB; anything bigger is not the BSS API talking.
const maxAnswer = 1 << 20

// shape is what an operation's documented 2xx answer looks like. Anything else (a
// redirect, a proxy's HTML page, an oversized or cut answer, another JSON document) is a
// doubtful answer: for a write an unknown outcome, left to the reconciler; for a read an
// error, so that the cache keeps its last good rows.
type shape struct {
	write bool
	// fields are the documented top-level fields. A read's answer carries at least one of
	// them. A write whose documented answer has fields carries at least one of them, and
	// an empty answer is then not a success.
	fields []string
	// optional are the only top-level fields a write documented with an empty answer may
	// carry (besides an empty error_code/error_msg): it succeeds on an empty body or on a
	// JSON object of those fields alone. Any other field means someone else answered (a
	// gateway, a mock, another service behind a wrong endpoint), and nothing says the
	// call was applied.
	optional []string
}

func reads(fields ...string) shape  { return shape{fields: fields} }
func writes(fields ...string) shape { return shape{write: true, fields: fields} }

// writesAtMost is a write whose documented answer is empty or holds only optional fields.
func writesAtMost(optional ...string) shape { return shape{write: true, optional: optional} }

// envelope are the fields of the upstream's refusal; empty, they refuse nothing.
var envelope = []string{"error_code", "error_msg"}

// judge reads at most maxAnswer bytes of resp's body, closes it, and returns them with
// the refusal or doubt the answer carries (nil when it is the documented success).
func judge(resp *http.Response, want shape) ([]byte, *Error) {
	defer resp.Body.Close()
	reqID := resp.Header.Get("X-Request-Id")
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		// The answer was cut short: a read may be retried, a write may have been applied.
		kind := ErrUnavailable
		if want.write {
			kind = ErrUnknownOutcome
		}
		return nil, &Error{HTTPStatus: resp.StatusCode, RequestID: reqID, Kind: kind, Message: "the answer was cut short", cause: err}
	}
	doubt := func(format string, args ...any) ([]byte, *Error) {
		kind := ErrBadResponse
		if want.write {
			kind = ErrUnknownOutcome
		}
		msg := truncate(strings.ToValidUTF8(fmt.Sprintf(format, args...), "?"), maxErrorMessage)
		return nil, &Error{HTTPStatus: resp.StatusCode, RequestID: reqID, Kind: kind, Message: msg}
	}
	status := resp.StatusCode
	switch {
	case len(data) > maxAnswer:
		return doubt("the answer is larger than %d bytes", maxAnswer)
	case status >= 300 && status < 400:
		// Never followed: a redirected POST arrives as a GET, or not at all, and its answer
		// says nothing about the call. The endpoint is wrong (http:// for https://?).
		return doubt("redirect to %q not followed; set the endpoint to the final URL", resp.Header.Get("Location"))
	case status >= 400:
		e := inspectBody(status, data)
		e.RequestID = reqID
		return data, e
	case status < 200:
		return doubt("unexpected HTTP %d", status)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		if want.write && len(want.fields) == 0 {
			return data, nil
		}
		return doubt("empty answer; expected %s", strings.Join(want.fields, " or "))
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return doubt("the answer is %q, not JSON", resp.Header.Get("Content-Type"))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil || top == nil {
		return doubt("the answer is not a JSON object")
	}
	if e := inspectBody(status, trimmed); e != nil {
		e.RequestID = reqID
		return data, e
	}
	if len(want.fields) > 0 && !hasAny(top, want.fields) {
		return doubt("the answer has none of %s", strings.Join(want.fields, ", "))
	}
	if want.write && len(want.fields) == 0 {
		for k := range top {
			if !slices.Contains(want.optional, k) && !slices.Contains(envelope, k) {
				return doubt("the answer has a field %q the operation's documented answer has not", truncate(k, 64))
			}
		}
	}
	return data, nil
}

// hasAny reports whether top has one of the fields with a value (not null, not "").
func hasAny(top map[string]json.RawMessage, fields []string) bool {
	for _, f := range fields {
		if v, ok := top[f]; ok && string(v) != "null" && string(v) != `""` {
			return true
		}
	}
	return false
}

// errRedirect: a redirect reached the transport. The clients are configured not to follow
// redirects; this keeps that true if a library default ever changes.
var errRedirect = errors.New("redirect not followed")

// noRedirects refuses to send a request that an HTTP client built to follow a redirect.
type noRedirects struct{ next http.RoundTripper }

func (t noRedirects) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Response != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("%w (HTTP %d)", errRedirect, r.Response.StatusCode)
	}
	return t.next.RoundTrip(r)
}
