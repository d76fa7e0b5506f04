package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var fuzzRoutes = []struct{ method, path string }{
	{"GET", "/v2/enterprises/multi-accounts/sub-customers"},
	{"GET", "/v2/enterprises/multi-accounts/enterprise-organizations"},
	{"GET", "/v2/enterprises/multi-accounts/transfer-amount"},
	{"GET", "/v2/enterprises/multi-accounts/retrieve-amount"},
	{"POST", "/v2/enterprises/multi-accounts/transfer-amount"},
	{"POST", "/v2/enterprises/multi-accounts/retrieve-amount"},
	{"POST", "/v2/enterprises/multi-accounts/transfer-coupon"},
	{"POST", "/v2/enterprises/multi-accounts/retrieve-coupon"},
	{"GET", "/v2/promotions/benefits/stored-value-cards"},
	{"POST", "/v2/orders/suscriptions/resources/query"},
	{"POST", "/v2/orders/subscriptions/resources/renew"},
	{"POST", "/v2/orders/subscriptions/resources/unsubscribe"},
	{"POST", "/v2/orders/subscriptions/resources/to-on-demand"},
	{"GET", "/v2/orders/customer-orders"},
	{"POST", "/v3/payments/free-resources/query"},
	{"POST", "/v2/payments/free-resources/usages/details/query"},
	{"GET", "/v1.0/0a1b2c3d4e5f40718293a4b5c6d7e8f9/customer/customer-mgr/enterprise-customers"},
	{"POST", "/v1.0/0a1b2c3d4e5f40718293a4b5c6d7e8f9/customer/account-mgr/transfer"},
	{"POST", "/v1.0/0a1b2c3d4e5f40718293a4b5c6d7e8f9/customer/account-mgr/retrieve"},
	{"GET", "/v1.0/0a1b2c3d4e5f40718293a4b5c6d7e8f9/common/order-mgr/orders-resource/x"},
}

// totalMoney is the master's and every sub-account's debit and credit: moves never change it.
func totalMoney(s *Server) decimal.Decimal {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.masterDebit
	for _, l := range s.st.masterCredit {
		t = t.Add(l.avail)
	}
	for _, sa := range s.st.subs {
		t = t.Add(sa.debit)
		for _, l := range sa.credit {
			t = t.Add(l.avail)
		}
	}
	return t
}

// FuzzSandboxRequest sends signed requests with arbitrary query strings and bodies: the
// sandbox must never panic, must answer refusals in the upstream's error shape, and must
// never create or destroy money.
func FuzzSandboxRequest(f *testing.F) {
	f.Add(uint8(4), "", []byte(`{"customer_id":"x","amount":"1.00","trans_id":"t1","balance_type":"BALANCE_TYPE_DEBIT"}`))
	f.Add(uint8(0), "limit=0&offset=-1&fuzzy_query=2", []byte(nil))
	f.Add(uint8(10), "", []byte(`{"resource_ids":["a","b"],"period_type":2,"period_num":13}`))
	f.Add(uint8(17), "", []byte(`{"transId":"t","balanceType":"BALANCE_TYPE_CREDIT","subCustomerId":"s","deductMode":"1","totalTransferAmount":"1e3","expireTime":"x"}`))
	f.Add(uint8(6), "", []byte(`{"customer_id":"","coupon_id":"c","amount":"-1","trans_id":"`+string(bytes.Repeat([]byte("a"), 40))+`"}`))
	f.Add(uint8(19), "offset=0&limit=51", []byte(nil))
	opts := DefaultOptions()
	opts.FlowControl.Off = true // the fuzzer calls far faster than any API allows
	s, err := New(opts)
	if err != nil {
		f.Fatal(err)
	}
	s.st.subs[0].status = 1
	before := totalMoney(s)
	f.Fuzz(func(t *testing.T, route uint8, query string, body []byte) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		u := "http://sandbox.local" + rt.path
		if q, err := url.ParseQuery(query); err == nil && len(q) > 0 {
			u += "?" + q.Encode()
		}
		r := httptest.NewRequest(rt.method, u, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		date := time.Now().UTC().Format(dateLayout)
		r.Header.Set("X-Sdk-Date", date)
		signed := []string{"host", "x-sdk-date"}
		sig := signFor(r, body, signed, date, s.opts.SK)
		r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+s.opts.AK+", SignedHeaders=host;x-sdk-date, Signature="+sig)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code == http.StatusUnauthorized {
			t.Fatalf("own signature refused for %s %s", rt.method, u)
		}
		if w.Code >= 400 {
			var e struct {
				ErrorCode string `json:"error_code"`
				ErrorMsg  string `json:"error_msg"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.ErrorCode == "" || e.ErrorMsg == "" {
				t.Fatalf("refusal %d not in the upstream's shape: %q", w.Code, w.Body.String())
			}
		} else if w.Body.Len() > 0 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("invalid JSON: %q", w.Body.String())
		}
		if after := totalMoney(s); !after.Equal(before) {
			t.Fatalf("money created or destroyed: %s → %s", before, after)
		}
	})
}

// signFor signs like a client would, with the verifier's own canonicalisation.
func signFor(r *http.Request, body []byte, signed []string, date, sk string) string {
	cr := canonicalRequest(r, body, signed)
	return hexHMAC(sk, "SDK-HMAC-SHA256\n"+date+"\n"+hexSHA(cr))
}

// FuzzVerifySignature feeds arbitrary Authorization and date headers to the verifier: it
// must never panic and never accept them without the secret.
func FuzzVerifySignature(f *testing.F) {
	f.Add("SDK-HMAC-SHA256 Access=sandbox-ak, SignedHeaders=host;x-sdk-date, Signature=00", "20260101T000000Z", "/v2/x", "a=1")
	f.Add("SDK-HMAC-SHA256 Access=, SignedHeaders=;;, Signature=", "", "/", "")
	f.Add("Basic abc", "garbage", "/%zz/..", "%%")
	f.Fuzz(func(t *testing.T, auth, date, path, query string) {
		r := httptest.NewRequest("GET", "http://h/", nil)
		r.URL.Path, r.URL.RawQuery = path, query
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Sdk-Date", date)
		now, _ := time.Parse(dateLayout, date)
		if err := verifySignature(r, nil, "sandbox-ak", "sandbox-sk", now); err == nil {
			t.Fatalf("accepted without the secret: %q", auth)
		}
	})
}
