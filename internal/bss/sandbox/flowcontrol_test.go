package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

// signedRig serves signed requests in-process on a wall clock the test moves (signatures
// are checked against it too; it stays within seconds of the real time they carry).
type signedRig struct {
	t   *testing.T
	s   *Server
	now time.Time
}

func newSignedRig(t *testing.T, opts Options) *signedRig {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	r := &signedRig{t: t, s: s, now: time.Now()}
	s.wall = func() time.Time { return r.now }
	return r
}

// call sends one signed request and returns the status and error code.
func (r *signedRig) call(method, path string) (int, string) {
	r.t.Helper()
	w := r.do(method, path)
	var e struct {
		ErrorCode string `json:"error_code"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	return w.Code, e.ErrorCode
}

// do sends one signed request (path may carry a query) and returns the answer.
func (r *signedRig) do(method, path string) *httptest.ResponseRecorder {
	r.t.Helper()
	var body any
	if method == http.MethodPost {
		body = map[string]string{}
	}
	path, query, _ := strings.Cut(path, "?")
	b := request.NewHttpRequestBuilder().WithEndpoint("http://sandbox.local").WithMethod(method).WithPath(path).
		AddHeaderParam("Content-Type", "application/json")
	for _, kv := range strings.Split(query, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			b.AddQueryParam(k, reflect.ValueOf(v)) // the signer canonicalises reflect.Values, as the SDK passes them
		}
	}
	if body != nil {
		b.WithBody("", body)
	}
	sreq := b.Build()
	headers, err := signer.Sign(sreq, r.s.opts.AK, r.s.opts.SK)
	if err != nil {
		r.t.Fatal(err)
	}
	for k, v := range headers {
		sreq.AddHeaderParam(k, v)
	}
	req, err := sreq.ConvertRequest()
	if err != nil {
		r.t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r.s.ServeHTTP(w, req)
	return w
}

// burst makes n calls at the current instant and returns how many were refused with
// 429 CBC.0250 (any other refusal fails the test).
func (r *signedRig) burst(n int, method, path string) (refused int) {
	r.t.Helper()
	for range n {
		status, code := r.call(method, path)
		switch {
		case status == http.StatusTooManyRequests && code == "CBC.0250":
			refused++
		case status == http.StatusTooManyRequests || status == http.StatusUnauthorized:
			r.t.Fatalf("%s %s: %d with code %q", method, path, status, code)
		}
	}
	return refused
}

func (r *signedRig) control(method, body string) *httptest.ResponseRecorder {
	r.t.Helper()
	req := httptest.NewRequest(method, "/_sandbox/faults", strings.NewReader(body))
	w := httptest.NewRecorder()
	r.s.ServeHTTP(w, req)
	return w
}

const (
	pathAmount  = "/v2/enterprises/multi-accounts/retrieve-amount?sub_customer_id=x&balance_type=BALANCE_TYPE_DEBIT"
	pathSubs    = "/v2/enterprises/multi-accounts/sub-customers"
	pathCards   = "/v2/promotions/benefits/stored-value-cards?status=1"
	pathBalance = "/v2/accounts/customer-accounts/balances"
)

func TestFlowControlByDefault(t *testing.T) {
	r := newSignedRig(t, DefaultOptions())
	// Ten calls of one API within a second are served (the account does not exist: the
	// refusal is the API's own, not flow control); the eleventh is not.
	if n := r.burst(10, http.MethodGet, pathAmount); n != 0 {
		t.Fatalf("%d of the first 10 calls refused", n)
	}
	if status, code := r.call(http.MethodGet, pathAmount); status != http.StatusTooManyRequests || code != "CBC.0250" {
		t.Fatalf("11th call within a second: %d %q, want 429 CBC.0250", status, code)
	}
	// Each API has its own window: another one, and the same path with another method,
	// are still served.
	if n := r.burst(10, http.MethodGet, pathSubs); n != 0 {
		t.Fatalf("another API refused %d of 10 calls", n)
	}
	if status, _ := r.call(http.MethodPost, "/v2/enterprises/multi-accounts/retrieve-amount"); status == http.StatusTooManyRequests {
		t.Fatal("the POST of the same path shares the GET's window")
	}
	// Stored-value cards: 5 per second; the caller's own balances: 20.
	if n := r.burst(6, http.MethodGet, pathCards); n != 1 {
		t.Fatalf("cards: %d of 6 calls refused, want 1", n)
	}
	if n := r.burst(21, http.MethodGet, pathBalance); n != 1 {
		t.Fatalf("balances: %d of 21 calls refused, want 1", n)
	}
	// A refused call does not hold the window: a second after the first ten, ten more.
	r.now = r.now.Add(999 * time.Millisecond)
	if n := r.burst(1, http.MethodGet, pathAmount); n != 1 {
		t.Fatal("a call 999 ms after ten others was served")
	}
	r.now = r.now.Add(time.Millisecond)
	if n := r.burst(11, http.MethodGet, pathAmount); n != 1 {
		t.Fatalf("the next second: %d of 11 calls refused, want 1", n)
	}
	// A sliding window, not a fixed one: ten calls spread over a second fill it.
	r.now = r.now.Add(5 * time.Second)
	for range 10 {
		r.burst(1, http.MethodGet, pathSubs)
		r.now = r.now.Add(90 * time.Millisecond)
	}
	if n := r.burst(1, http.MethodGet, pathSubs); n != 1 {
		t.Fatal("the 11th call within a sliding second was served")
	}
}

func TestFlowControlConfigurable(t *testing.T) {
	r := newSignedRig(t, DefaultOptions())
	var got Faults
	if err := json.Unmarshal(r.control(http.MethodGet, "").Body.Bytes(), &got); err != nil || got.FlowControl == nil ||
		got.FlowControl.Off || got.FlowControl.PerS != 10 || got.FlowControl.APIs["GET /v2/promotions/benefits/stored-value-cards"] != 5 {
		t.Fatalf("GET /_sandbox/faults = %+v (%v), want the default flow control", got.FlowControl, err)
	}

	if w := r.control(http.MethodPost, `{"flow_control":{"per_s":3,"apis":{"GET /v2/enterprises/multi-accounts/sub-customers":1}}}`); w.Code != 200 {
		t.Fatalf("set flow control: %d %s", w.Code, w.Body)
	}
	if n := r.burst(4, http.MethodGet, pathAmount); n != 1 {
		t.Fatalf("per_s 3: %d of 4 refused", n)
	}
	if n := r.burst(2, http.MethodGet, pathSubs); n != 1 {
		t.Fatalf("an API at 1/s: %d of 2 refused", n)
	}
	if n := r.burst(5, http.MethodGet, pathCards); n != 2 {
		t.Fatalf("apis given replace the defaults: cards at per_s 3 refused %d of 5, want 2", n)
	}

	// Other faults leave the flow control alone unless they carry one.
	r.now = r.now.Add(2 * time.Second)
	r.control(http.MethodPost, `{"latency_ms":0,"error_rate":0}`)
	if n := r.burst(11, http.MethodGet, pathAmount); n != 1 {
		t.Fatalf("faults without flow_control: %d of 11 refused, want the default's 1", n)
	}
	r.control(http.MethodPost, `{"flow_control":{"off":true}}`)
	if n := r.burst(200, http.MethodGet, pathAmount); n != 0 {
		t.Fatalf("flow control off: %d refused", n)
	}
	// Clearing the faults brings Huawei's back.
	r.now = r.now.Add(2 * time.Second)
	if w := r.control(http.MethodDelete, ""); w.Code != http.StatusNoContent {
		t.Fatalf("clear faults: %d", w.Code)
	}
	if n := r.burst(11, http.MethodGet, pathAmount); n != 1 {
		t.Fatalf("after DELETE: %d of 11 refused, want 1", n)
	}
	for _, bad := range []string{`{"flow_control":{"per_s":-1}}`, `{"flow_control":{"apis":{"GET /x":0}}}`, `{"flow_control":{"per_s":100001}}`} {
		if w := r.control(http.MethodPost, bad); w.Code != http.StatusBadRequest {
			t.Errorf("%s accepted: %d", bad, w.Code)
		}
	}
}

func TestFlowControlOffInOptions(t *testing.T) {
	opts := DefaultOptions()
	opts.FlowControl.Off = true
	r := newSignedRig(t, opts)
	if n := r.burst(50, http.MethodGet, pathCards); n != 0 {
		t.Fatalf("off in Options: %d refused", n)
	}
	// Setting and clearing faults keeps the flow control the sandbox was started with.
	r.s.SetFaults(Faults{LatencyMS: 0})
	r.s.SetFaults(Faults{})
	if n := r.burst(50, http.MethodGet, pathCards); n != 0 {
		t.Fatalf("after clearing faults: %d refused", n)
	}
	if _, err := New(Options{Seed: 1, AK: "a", SK: "s", DomainID: "d", FlowControl: FlowControl{PerS: -2}}); err == nil {
		t.Fatal("a negative rate was accepted")
	}
}
