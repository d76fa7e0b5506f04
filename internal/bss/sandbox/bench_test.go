package sandbox

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkSandboxServeHTTP: one signed read, in-process (signature check, routing, JSON).
func BenchmarkSandboxServeHTTP(b *testing.B) {
	opts := DefaultOptions()
	opts.FlowControl.Off = true // the loop calls far faster than any API allows
	s, _ := New(opts)
	req := sdkSigned(b, "GET", "http://sandbox.local", "/v2/enterprises/multi-accounts/sub-customers", nil, opts.AK, opts.SK)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req.Clone(req.Context()))
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// BenchmarkSandboxTransfer: signed money movements, each with a fresh trans_id.
func BenchmarkSandboxTransfer(b *testing.B) {
	opts := DefaultOptions()
	opts.FlowControl.Off = true // the loop calls far faster than any API allows
	s, _ := New(opts)
	sub := s.st.subs[0].id
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		req := sdkSigned(b, "POST", "http://sandbox.local", "/v2/enterprises/multi-accounts/transfer-amount",
			map[string]string{"customer_id": sub, "amount": "0.01", "trans_id": string(rune('a'+i%26)) + itoa(i), "balance_type": "BALANCE_TYPE_DEBIT"}, opts.AK, opts.SK)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	out := []byte{}
	for ; i > 0; i /= 10 {
		out = append([]byte{digits[i%10]}, out...)
	}
	return string(out)
}
