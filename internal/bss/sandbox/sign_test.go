package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

// The published test vector of Huawei's signing guide (UPSTREAM-API.md).
const (
	vectorAK  = "QTWAOYTTINDUT2QVKYUC"
	vectorSK  = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	vectorSig = "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
)

func vectorRequest(date string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", nil)
	r.Header.Set("Content-Type", "application/json")
	if date != "" {
		r.Header.Set("X-Sdk-Date", date)
	}
	r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+vectorAK+", SignedHeaders=content-type;host;x-sdk-date, Signature="+vectorSig)
	return r
}

func TestSignatureVector(t *testing.T) {
	signed := time.Date(2019, 11, 15, 3, 36, 55, 0, time.UTC)
	cases := []struct {
		name string
		r    *http.Request
		sk   string
		now  time.Time
		want error
	}{
		{"published vector", vectorRequest("20191115T033655Z"), vectorSK, signed.Add(time.Minute), nil},
		{"clock 14 minutes behind", vectorRequest("20191115T033655Z"), vectorSK, signed.Add(-14 * time.Minute), nil},
		{"wrong secret key", vectorRequest("20191115T033655Z"), vectorSK + "x", signed, errBadSignature},
		{"stale date", vectorRequest("20191115T033655Z"), vectorSK, signed.Add(16 * time.Minute), errStaleDate},
		{"missing date", vectorRequest(""), vectorSK, signed, errNoDate},
		{"date changed after signing", vectorRequest("20191115T033656Z"), vectorSK, signed, errBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := verifySignature(tc.r, nil, vectorAK, tc.sk, tc.now); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	r := vectorRequest("20191115T033655Z")
	r.URL.RawQuery = "limit=3&marker=13551d6b-755d-4757-b956-536f674975c0"
	if err := verifySignature(r, nil, vectorAK, vectorSK, signed); !errors.Is(err, errBadSignature) {
		t.Fatalf("tampered query accepted: %v", err)
	}
	if err := verifySignature(vectorRequest("20191115T033655Z"), nil, "other-ak", vectorSK, signed); !errors.Is(err, errUnknownKey) {
		t.Fatalf("unknown AK: %v", err)
	}
}

// sdkSigned signs a request with the SDK's own signer, as the client does.
func sdkSigned(t testing.TB, method, url, path string, body any, ak, sk string) *http.Request {
	t.Helper()
	b := request.NewHttpRequestBuilder().WithEndpoint(url).WithMethod(method).WithPath(path).AddHeaderParam("Content-Type", "application/json")
	if body != nil {
		b.WithBody("", body)
	}
	req := b.Build()
	headers, err := signer.Sign(req, ak, sk)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.AddHeaderParam(k, v)
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		t.Fatal(err)
	}
	return hr
}

func TestSignatureOverHTTP(t *testing.T) {
	opts := DefaultOptions()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	path := "/v2/accounts/customer-accounts/balances"
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"SDK signer", func() *http.Request { return sdkSigned(t, "GET", srv.URL, path, nil, opts.AK, opts.SK) }, 200},
		{"SDK signer, JSON body", func() *http.Request {
			return sdkSigned(t, "POST", srv.URL, "/v2/orders/suscriptions/resources/query", map[string]any{"limit": 1}, opts.AK, opts.SK)
		}, 200},
		{"wrong key", func() *http.Request { return sdkSigned(t, "GET", srv.URL, path, nil, opts.AK, "wrong") }, 401},
		{"no authorization", func() *http.Request { r, _ := http.NewRequest("GET", srv.URL+path, nil); return r }, 401},
		{"stale date", func() *http.Request {
			r := sdkSigned(t, "GET", srv.URL, path, nil, opts.AK, opts.SK)
			r.Header.Set("X-Sdk-Date", time.Now().Add(-20*time.Minute).UTC().Format(dateLayout))
			return r
		}, 401},
		{"body changed after signing", func() *http.Request {
			r := sdkSigned(t, "POST", srv.URL, "/v2/orders/suscriptions/resources/query", map[string]any{"limit": 1}, opts.AK, opts.SK)
			r.Body = http.NoBody
			r.ContentLength = 0
			return r
		}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tc.req())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Fatal("no X-Request-Id")
			}
			if tc.status != 200 {
				var e struct{ ErrorCode, ErrorMsg string }
				var raw map[string]string
				if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil || raw["error_code"] != "APIGW.0301" || raw["error_msg"] == "" {
					t.Fatalf("error body %v %v %v", raw, err, e)
				}
			}
		})
	}
}

func TestControlAndUnknownPaths(t *testing.T) {
	s, _ := New(DefaultOptions())
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/_sandbox/faults", "application/json", strings.NewReader(`{"latency_ms":5,"error_rate":0.5,"status":503,"paths":["/v2/"]}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("set faults: %v %v", resp.StatusCode, err)
	}
	if got := s.faults.get(); got.Status != 503 || got.LatencyMS != 5 || len(got.Paths) != 1 {
		t.Fatalf("faults not applied: %+v", got)
	}
	resp, _ = http.Post(srv.URL+"/_sandbox/faults", "application/json", strings.NewReader(`{"error_rate":2}`))
	if resp.StatusCode != 400 {
		t.Fatalf("out-of-range faults accepted: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("DELETE", srv.URL+"/_sandbox/faults", nil)
	resp, _ = http.DefaultClient.Do(req)
	if resp.StatusCode != 204 || s.faults.get().ErrorRate != 0 {
		t.Fatal("faults not cleared")
	}
	resp, _ = http.Get(srv.URL + "/_sandbox/state")
	var snap Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil || snap.DomainID != DefaultOptions().DomainID || len(snap.SubAccounts) != 25 {
		t.Fatalf("state: %v %+v", err, snap.DomainID)
	}
	resp, _ = http.Get(srv.URL + "/_sandbox/ledger")
	var ledger struct{ Items []LedgerEntry }
	if err := json.NewDecoder(resp.Body).Decode(&ledger); err != nil || ledger.Items == nil {
		t.Fatalf("ledger: %v", err)
	}
	r := sdkSigned(t, "GET", srv.URL, "/v2/no/such/api", nil, DefaultOptions().AK, DefaultOptions().SK)
	resp, _ = http.DefaultClient.Do(r)
	if resp.StatusCode != 404 {
		t.Fatalf("unknown API: %d", resp.StatusCode)
	}
}
