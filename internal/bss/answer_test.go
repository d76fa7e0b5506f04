package bss

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A misbehaving upstream (a redirect, a proxy's HTML page, a huge or cut answer) must never
// read as success: a write ends as an unknown outcome for the reconciler, a read fails and
// leaves the cache alone.

// landingBody would pass for the success of any operation, so that a client following a
// redirect to it would report success.
const landingBody = `{"total_count":1,"sub_coupon_id":"landing-coupon","real_retrieve_amout":"1.00","order_ids":["landing-order"],` +
	`"fail_resource_infos":[],"error_details":[]}`

// misbehaviour is one way of answering a call instead of the real upstream.
type misbehaviour struct {
	name string
	// forward: the call is applied by the sandbox, then answered this way (a lost answer
	// body). Otherwise the sandbox never sees it.
	forward bool
	answer  func(w http.ResponseWriter, r *http.Request)
}

var hugeBody = func() string {
	return landingBody[:len(landingBody)-1] + `,"pad":"` + strings.Repeat("a", 10<<20) + `"}`
}()

func redirect(status int) misbehaviour {
	// As a web server redirecting http:// to https:// does: no body for a POST.
	return misbehaviour{name: strconv.Itoa(status), answer: func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/landing", status)
	}}
}

func answerWith(status int, contentType, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

const jsonType = "application/json;charset=UTF-8"

// doubtful answers: a write is never a success on any of them.
var doubtful = []misbehaviour{
	redirect(http.StatusMovedPermanently), redirect(http.StatusFound), redirect(http.StatusTemporaryRedirect), redirect(http.StatusPermanentRedirect),
	{name: "200 HTML", answer: answerWith(200, "text/html; charset=utf-8", `<!DOCTYPE html><html><body>Welcome</body></html>`)},
	{name: "200 JSON labelled HTML", answer: answerWith(200, "text/html", landingBody)},
	{name: "200 10 MB", answer: answerWith(200, jsonType, hugeBody)},
	{name: "200 truncated JSON", answer: answerWith(200, jsonType, landingBody[:40])},
	{name: "200 cut short", answer: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", jsonType)
		w.Header().Set("Content-Length", "4096")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(landingBody[:40]))
	}},
	{name: "200 JSON array", answer: answerWith(200, jsonType, `[]`)},
	// A gateway, a mock or another service behind a wrong endpoint answering in JSON: for a
	// write documented with an empty answer, none of its fields is the upstream's.
	{name: "200 JSON of another API", answer: answerWith(200, jsonType, `{"status":"ok","message":"accepted"}`)},
}

var refusedIn200 = misbehaviour{name: "200 with error_code", answer: answerWith(200, jsonType, `{"error_code":"CBC.0999","error_msg":"refused"}`)}

var empties = []misbehaviour{
	{name: "204 empty", forward: true, answer: answerWith(http.StatusNoContent, "", "")},
	{name: "200 empty", forward: true, answer: answerWith(http.StatusOK, "", "")},
	{name: "200 empty object", forward: true, answer: answerWith(http.StatusOK, jsonType, `{}`)},
}

// misbehaving sits in front of the sandbox: with no misbehaviour set it passes calls
// through; with one, it answers every call that way and serves /landing.
type misbehaving struct {
	next    http.Handler
	mu      sync.Mutex
	current *misbehaviour
	applied atomic.Int32 // forwarded calls the sandbox accepted
	landed  atomic.Int32 // requests that reached /landing
}

func (m *misbehaving) set(b *misbehaviour) {
	m.mu.Lock()
	m.current = b
	m.mu.Unlock()
	m.applied.Store(0)
	m.landed.Store(0)
}

func (m *misbehaving) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/landing" {
		m.landed.Add(1)
		answerWith(200, jsonType, landingBody)(w, r)
		return
	}
	m.mu.Lock()
	b := m.current
	m.mu.Unlock()
	if b == nil {
		m.next.ServeHTTP(w, r)
		return
	}
	if b.forward {
		rec := &statusRecorder{header: http.Header{}}
		m.next.ServeHTTP(rec, r)
		if rec.status/100 == 2 {
			m.applied.Add(1)
		}
	}
	b.answer(w, r)
}

type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = 200
	}
	return len(b), nil
}
func (s *statusRecorder) WriteHeader(code int) { s.status = code }

// writeKind is one kind of write of the Upstream interface.
type writeKind struct {
	name string
	gen  string
	// emptyOK: the documented answer has no required field, so an empty 2xx is success.
	emptyOK bool
	// prep readies one call on a healthy upstream (fresh ids, enough balance) and returns it.
	prep func(t *testing.T, c *Client) func(ctx context.Context) error
}

func normalSub(t *testing.T, c *Client) SubAccountID {
	t.Helper()
	p, err := c.ListSubAccounts(t.Context(), SubAccountQuery{Page: Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Items {
		if s.Status == SubAccountNormal {
			return s.ID
		}
	}
	t.Fatal("no normal sub-account")
	return ""
}

func inUseMain(t *testing.T, c *Client) ResourceID {
	t.Helper()
	p, err := c.Resources(t.Context(), ResourceQuery{OnlyMain: true, Statuses: []ResourceStatus{ResourceInUse}, Page: Page{Limit: 100}})
	if err != nil || len(p.Items) == 0 {
		t.Fatalf("no main resource in use: %v", err)
	}
	return p.Items[0].ID
}

func allocate(t *testing.T, c *Client, sub SubAccountID) (CouponID, SubCouponID) {
	t.Helper()
	cps, err := c.TransferableCoupons(t.Context(), Page{Limit: 1})
	if err != nil || len(cps.Items) == 0 {
		t.Fatalf("no coupon: %v", err)
	}
	sc, err := c.AllocateCoupon(t.Context(), CouponAllocation{SubAccountID: sub, CouponID: cps.Items[0].ID, Amount: debit(sub, "1.00").Amount, TransID: NewTransID()})
	if err != nil {
		t.Fatal(err)
	}
	return cps.Items[0].ID, sc
}

func movement(transfer bool) func(t *testing.T, c *Client) func(ctx context.Context) error {
	return func(t *testing.T, c *Client) func(ctx context.Context) error {
		sub := normalSub(t, c)
		if !transfer {
			if err := c.Transfer(t.Context(), debit(sub, "5.00")); err != nil {
				t.Fatal(err)
			}
		}
		m := debit(sub, "1.00")
		if transfer {
			return func(ctx context.Context) error { return c.Transfer(ctx, m) }
		}
		return func(ctx context.Context) error { return c.Recover(ctx, m) }
	}
}

var writeKinds = []writeKind{
	{name: "transfer", emptyOK: true, prep: movement(true)},
	{name: "recovery", emptyOK: true, prep: movement(false)},
	{name: "legacy transfer", gen: GenerationLegacy, emptyOK: true, prep: movement(true)},
	{name: "legacy recovery", gen: GenerationLegacy, emptyOK: true, prep: movement(false)},
	{name: "coupon allocation", prep: func(t *testing.T, c *Client) func(ctx context.Context) error {
		sub := normalSub(t, c)
		cps, err := c.TransferableCoupons(t.Context(), Page{Limit: 1})
		if err != nil || len(cps.Items) == 0 {
			t.Fatalf("no coupon: %v", err)
		}
		a := CouponAllocation{SubAccountID: sub, CouponID: cps.Items[0].ID, Amount: debit(sub, "1.00").Amount, TransID: NewTransID()}
		return func(ctx context.Context) error { _, err := c.AllocateCoupon(ctx, a); return err }
	}},
	{name: "coupon recovery", prep: func(t *testing.T, c *Client) func(ctx context.Context) error {
		sub := normalSub(t, c)
		cp, sc := allocate(t, c, sub)
		r := CouponRecovery{SubAccountID: sub, CouponID: cp, SubCouponID: sc, TransID: NewTransID()}
		return func(ctx context.Context) error { _, err := c.RecoverCoupon(ctx, r); return err }
	}},
	{name: "renewal", prep: func(t *testing.T, c *Client) func(ctx context.Context) error {
		r := RenewRequest{ResourceIDs: []ResourceID{inUseMain(t, c)}, PeriodType: PeriodMonth, PeriodNum: 1}
		return func(ctx context.Context) error { _, err := c.Renew(ctx, r); return err }
	}},
	{name: "unsubscription", prep: func(t *testing.T, c *Client) func(ctx context.Context) error {
		r := UnsubscribeRequest{ResourceIDs: []ResourceID{inUseMain(t, c)}, Type: UnsubscribeResource, ReasonType: 1}
		return func(ctx context.Context) error { _, err := c.Unsubscribe(ctx, r); return err }
	}},
	{name: "to on-demand", emptyOK: true, prep: func(t *testing.T, c *Client) func(ctx context.Context) error {
		r := ToOnDemandRequest{Operation: ToOnDemandSet, ResourceIDs: []ResourceID{inUseMain(t, c)}}
		return func(ctx context.Context) error { _, err := c.ToOnDemand(ctx, r); return err }
	}},
	{name: "auto-renew set", emptyOK: true, prep: func(t *testing.T, c *Client) func(ctx context.Context) error {
		r := AutoRenewRequest{ResourceID: inUseMain(t, c), Times: 2, PeriodType: "MONTH"}
		return func(ctx context.Context) error { return c.SetAutoRenew(ctx, r) }
	}},
	{name: "auto-renew cancel", emptyOK: true, prep: func(t *testing.T, c *Client) func(ctx context.Context) error {
		id := inUseMain(t, c)
		return func(ctx context.Context) error { return c.CancelAutoRenew(ctx, id) }
	}},
}

// TestMisbehavingUpstreamNeverReadsAsSuccess: every write kind × every misbehaviour. A
// write succeeds only when the upstream applied it and its answer is the documented one.
func TestMisbehavingUpstreamNeverReadsAsSuccess(t *testing.T) {
	for _, k := range writeKinds {
		t.Run(k.name, func(t *testing.T) {
			var mb *misbehaving
			r := newRig(t, func(next http.Handler) http.Handler { mb = &misbehaving{next: next}; return mb }, func(c *Config) { c.Generation = k.gen })
			all := append(append(append([]misbehaviour{}, doubtful...), refusedIn200), empties...)
			for _, b := range all {
				t.Run(b.name, func(t *testing.T) {
					mb.set(nil)
					call := k.prep(t, r.c)
					mb.set(&b)
					defer mb.set(nil)
					err := call(t.Context())
					if mb.landed.Load() != 0 {
						t.Errorf("the redirect was followed")
					}
					if err == nil && mb.applied.Load() == 0 {
						t.Fatalf("success reported, but the upstream applied nothing")
					}
					switch {
					case b.forward && k.emptyOK:
						if err != nil {
							t.Fatalf("applied, answered empty (documented as success): %v", err)
						}
					case b.name == refusedIn200.name:
						if err == nil {
							t.Fatalf("refusal in a 200 taken as success")
						}
					default:
						if !errors.Is(err, ErrUnknownOutcome) {
							t.Fatalf("want an unknown outcome, got %v", err)
						}
					}
				})
			}
		})
	}
}

// TestRedirectsRefusedEvenIfAClientWouldFollow: should the SDK's default (or the legacy
// client's setting) ever change to following redirects, the transport still refuses to
// send the redirected request.
func TestRedirectsRefusedEvenIfAClientWouldFollow(t *testing.T) {
	for _, gen := range []string{GenerationV2, GenerationLegacy} {
		t.Run(gen, func(t *testing.T) {
			var mb *misbehaving
			r := newRig(t, func(next http.Handler) http.Handler { mb = &misbehaving{next: next}; return mb }, func(c *Config) { c.Generation = gen })
			sub := normalSub(t, r.c)
			r.c.sdkConfig.AllowRedirects = true
			r.c.httpClient.CheckRedirect = nil
			for _, b := range doubtful[:4] {
				mb.set(&b)
				if err := r.c.Transfer(t.Context(), debit(sub, "1.00")); !errors.Is(err, ErrUnknownOutcome) {
					t.Errorf("%s: want an unknown outcome, got %v", b.name, err)
				}
				if mb.landed.Load() != 0 {
					t.Errorf("%s: the redirect was followed", b.name)
				}
			}
		})
	}
}
