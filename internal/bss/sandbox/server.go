// Package sandbox is a faithful simulator of the Huawei Cloud BSS API: the same paths,
// query and body fields, JSON shapes, quirks and error codes as the real service, for the
// operations Purser uses. It checks SDK-HMAC-SHA256 signatures, keeps consistent state
// (balances, coupons, resources, orders), de-duplicates trans_ids, generates deterministic
// data from a seed, and injects faults on request. It is how demos, training and every test
// reach "the upstream".
package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/purser-finance/purser/internal/bss/wire"
)

// Options configure a sandbox.
type Options struct {
	Seed        int64
	SubAccounts int // 0..100000
	AK, SK      string
	DomainID    string // the master account's id
	Logger      *slog.Logger
	// Now is the business clock (expiry, usage, order times); time.Now by default. Signatures
	// are always checked against the wall clock, which is what clients sign with.
	// /_sandbox/clock moves it ahead.
	Now func() time.Time
	// FlowControl is the per-API flow control enforced unless /_sandbox/faults says
	// otherwise; the zero value is Huawei's (10 calls/s per API, cards 5/s). Tests that
	// drive the client far above the real rate to stay fast turn it off here.
	FlowControl FlowControl
	// Burn makes the active sub-accounts consume their default daily burn (burn.go); a
	// burn set on /_sandbox/burn applies either way.
	Burn bool
}

// MaxSubAccounts bounds the generated data.
const MaxSubAccounts = 100_000

// DefaultOptions are those of `portal sandbox` without flags.
func DefaultOptions() Options {
	return Options{
		Seed:        1,
		SubAccounts: 25,
		AK:          "sandbox-ak",
		SK:          "sandbox-sk",
		DomainID:    "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
	}
}

// Server is the simulator; it is an http.Handler.
type Server struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	wall   func() time.Time // signature dates
	mux    *http.ServeMux
	mu     sync.Mutex // guards st
	st     *state
	moving atomic.Bool // one money movement at a time per master (CBC.99007461)
	faults *faults
	flow   *flowControl
	burn   burner // consumption, and the business clock's offset (burn.go)
}

// New builds a sandbox with freshly generated data.
func New(opts Options) (*Server, error) {
	if opts.SubAccounts < 0 || opts.SubAccounts > MaxSubAccounts {
		return nil, fmt.Errorf("sandbox: sub-accounts must be between 0 and %d, got %d", MaxSubAccounts, opts.SubAccounts)
	}
	if opts.AK == "" || opts.SK == "" {
		return nil, errors.New("sandbox: AK and SK are required")
	}
	if opts.DomainID == "" {
		return nil, errors.New("sandbox: domain id is required")
	}
	if !opts.FlowControl.valid() {
		return nil, errors.New("sandbox: flow control rates must be between 1 and 100000 calls per second")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: log, wall: time.Now, faults: newFaults(opts.Seed),
		flow: newFlowControl(opts.FlowControl)}
	s.now = func() time.Time { return opts.Now().Add(time.Duration(s.burn.offset.Load())) }
	s.st = generate(opts, s.now())
	s.burn.start(opts, s.st, s.now())
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// DomainID is the master account's id.
func (s *Server) DomainID() string { return s.opts.DomainID }

// maxBody bounds request bodies: the largest real one (100 resource ids) is a few KB.
const maxBody = 1 << 20

// ServeHTTP checks the signature, applies faults, then serves the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.charge() // the days begun since the last request consume
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		s.serveControl(w, r)
		return
	}
	reqID := newRequestID()
	w.Header().Set("X-Request-Id", reqID)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "CBC.0100", "request body could not be read")
		return
	}
	if len(body) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "CBC.0100", "request body too large")
		return
	}
	if err := verifySignature(r, body, s.opts.AK, s.opts.SK, s.wall()); err != nil {
		s.log.Info("sandbox: refused signature", "path", r.URL.Path, "request_id", reqID, "reason", err.Error())
		writeError(w, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+err.Error())
		return
	}
	if d := r.Header.Get("X-Domain-Id"); d != "" && d != s.opts.DomainID {
		writeError(w, http.StatusForbidden, "CBC.0151", "Access denied.")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if _, api := s.mux.Handler(r); api != "" && api != "/" && !s.flow.allow(api, s.wall()) {
		writeError(w, http.StatusTooManyRequests, "CBC.0250", "Flow control: too many requests to this API. Try again later.")
		return
	}

	decision := s.faults.decide(r.URL.Path, s.wall())
	if decision.latency > 0 {
		select {
		case <-time.After(decision.latency):
		case <-r.Context().Done():
			return
		}
	}
	if decision.status != 0 {
		code := "CBC.0999"
		if decision.status == http.StatusTooManyRequests {
			code = "CBC.0250"
		}
		writeError(w, decision.status, code, "injected fault")
		return
	}
	if !decision.drop {
		s.mux.ServeHTTP(w, r)
		return
	}
	// Apply, then lose the answer: the client cannot know whether the call took effect.
	s.mux.ServeHTTP(&discard{h: http.Header{}}, r)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // closes the connection without an answer
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers the upstream's error shape.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, wire.Error{ErrorCode: code, ErrorMsg: msg})
}

// apiError is a refusal carried from validation to the writer.
type apiError struct {
	status    int
	code, msg string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func badParam(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "CBC.0100", "Invalid parameter: " + fmt.Sprintf(format, args...)}
}

func refuse(code, msg string) *apiError { return &apiError{http.StatusBadRequest, code, msg} }

// handler is an operation: it returns the JSON to answer with 200, or a refusal.
type handler func(r *http.Request) (any, *apiError)

func (s *Server) handle(pattern string, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		v, apiErr := h(r)
		if apiErr != nil {
			writeError(w, apiErr.status, apiErr.code, apiErr.msg)
			return
		}
		if v == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

func (s *Server) routes() {
	// Enterprise multi-account, v2.
	s.handle("GET /v2/enterprises/multi-accounts/sub-customers", s.listSubCustomers)
	s.handle("GET /v2/enterprises/multi-accounts/enterprise-organizations", s.listOrganizations)
	s.handle("GET /v2/enterprises/multi-accounts/transfer-amount", s.showTransferAmount)
	s.handle("GET /v2/enterprises/multi-accounts/retrieve-amount", s.listRetrieveAmount)
	s.handle("POST /v2/enterprises/multi-accounts/transfer-amount", s.transferAmount)
	s.handle("POST /v2/enterprises/multi-accounts/retrieve-amount", s.retrieveAmount)
	s.handle("GET /v2/enterprises/multi-accounts/transfer-coupons", s.listTransferCoupons)
	s.handle("GET /v2/enterprises/multi-accounts/retrieve-coupons", s.listRetrieveCoupons)
	s.handle("POST /v2/enterprises/multi-accounts/transfer-coupon", s.transferCoupon)
	s.handle("POST /v2/enterprises/multi-accounts/retrieve-coupon", s.retrieveCoupon)
	// Legacy v1.0.
	s.handle("GET /v1.0/{domain_id}/customer/customer-mgr/enterprise-customers", s.legacy(s.legacySubCustomers))
	s.handle("GET /v1.0/{domain_id}/customer/account-mgr/transfer-amount", s.legacy(s.legacyTransferAmount))
	s.handle("GET /v1.0/{domain_id}/customer/account-mgr/retrieve-amount", s.legacy(s.legacyRetrieveAmount))
	s.handle("POST /v1.0/{domain_id}/customer/account-mgr/transfer", s.legacy(s.legacyTransfer))
	s.handle("POST /v1.0/{domain_id}/customer/account-mgr/retrieve", s.legacy(s.legacyRetrieve))
	s.handle("GET /v1.0/{domain_id}/common/order-mgr/orders-resource/{order_id}", s.legacy(s.legacyOrderResources))
	// Account, cards, resources, orders.
	s.handle("GET /v2/promotions/benefits/stored-value-cards", s.listCards)
	s.handle("GET /v2/accounts/customer-accounts/balances", s.showBalances)
	s.handle("POST /v2/orders/suscriptions/resources/query", s.queryResources)
	s.handle("POST /v2/orders/subscriptions/resources/renew", s.renewResources)
	s.handle("POST /v2/bills/ratings/period-resources/renew-rate", s.renewRate)
	s.handle("POST /v2/orders/subscriptions/resources/unsubscribe", s.unsubscribeResources)
	s.handle("POST /v2/orders/subscriptions/resources/to-on-demand", s.toOnDemand)
	s.handle("POST /v2/orders/subscriptions/resources/autorenew/{resource_id}", s.setAutoRenew)
	s.handle("DELETE /v2/orders/subscriptions/resources/autorenew/{resource_id}", s.cancelAutoRenew)
	s.handle("GET /v2/orders/customer-orders", s.listOrders)
	s.handle("GET /v2/orders/customer-orders/details/{order_id}", s.showOrder)
	s.handle("POST /v3/payments/free-resources/query", s.listPackages)
	s.handle("POST /v2/payments/free-resources/usages/details/query", s.listPackageUsages)
	// Catalogues.
	s.handle("GET /v2/products/service-types", s.listServiceTypes)
	s.handle("GET /v2/products/resource-types", s.listResourceTypes)
	s.handle("GET /v2/products/service-resources", s.listServiceResources)
	s.handle("GET /v2/products/usage-types", s.listUsageTypes)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "APIGW.0101", "The API does not exist or has not been published in the environment")
	})
}
