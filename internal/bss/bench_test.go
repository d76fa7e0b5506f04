package bss_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
)

// BenchmarkClientOverhead: one client call against a server that answers a fixed body at
// once: what the client, the SDK and loopback HTTP cost per call.
func BenchmarkClientOverhead(b *testing.B) {
	body := []byte(`{"total_count":1,"sub_customer_infos":[{"id":"a","name":"n","display_name":"d","status":1,"org_id":"o","org_name":"on"}]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }))
	defer srv.Close()
	c, _ := bss.New(bss.Config{Endpoint: srv.URL, AK: "ak", SK: "sk", DomainID: "d", RatePerSecond: 1e9})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ListSubAccounts(b.Context(), bss.SubAccountQuery{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientAgainstSandbox: full round trips, client → HTTP → sandbox, in parallel;
// ns/op inverted is the sandbox's requests per second through the real client.
func BenchmarkClientAgainstSandbox(b *testing.B) {
	opts := sandbox.DefaultOptions()
	opts.FlowControl.Off = true // measures the client, not the upstream's flow control
	run, err := sandbox.Start(b.Context(), "127.0.0.1:0", opts)
	if err != nil {
		b.Fatal(err)
	}
	defer run.Close()
	c, _ := bss.New(bss.Config{Endpoint: run.URL(), AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID, RatePerSecond: 1e9})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.ListSubAccounts(b.Context(), bss.SubAccountQuery{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
