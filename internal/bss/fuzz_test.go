package bss

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzInspectBody: any answer is classified without panicking; a status ≥ 400 is always a
// refusal, and a 2xx is one exactly when its body carries a top-level error_code.
func FuzzInspectBody(f *testing.F) {
	f.Add(200, []byte(`{"error_code":"CBC.99003602","error_msg":"frozen"}`))
	f.Add(200, []byte(`{"order_ids":["x"]}`))
	f.Add(400, []byte(`{"error_code":"CBC.0100","error_msg":"bad"}`))
	f.Add(500, []byte(`<html>oops</html>`))
	f.Add(429, []byte(``))
	f.Add(200, []byte(`{"code":"APIGW.0301","message":"x"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := inspectBody(status, body)
		if status >= 400 && e == nil {
			t.Fatalf("status %d not a refusal", status)
		}
		if e != nil && (len(e.Message) > maxErrorMessage+len("…") || !isValidUTF8(e.Message)) {
			t.Fatalf("message not bounded or not UTF-8: %q", e.Message)
		}
		if status < 400 && e != nil && e.Code == "" && !strings.Contains(string(body), "error_code") {
			t.Fatalf("2xx refused without error_code: %q", body)
		}
	})
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// FuzzClientDecode serves arbitrary bodies to the client (through the SDK's decoder and the
// legacy decoder): every outcome is nil or an *Error, never a panic.
func FuzzClientDecode(f *testing.F) {
	f.Add(uint8(0), 200, []byte(`{"total_count":1,"sub_customer_infos":[{"id":"a","status":"x"}]}`))
	f.Add(uint8(1), 200, []byte(`{"total_count":1,"amount_infos":[{"avail_transfer_amount":"1e400"}]}`))
	f.Add(uint8(2), 200, []byte(`{"subCustomerInfos":null,"totalCount":-1}`))
	f.Add(uint8(3), 200, []byte(`{"order_ids":[],"fail_resource_infos":[{}]}`))
	f.Add(uint8(4), 200, []byte(`{"stored_value_cards":[{"balance":"NaN"}]}`))
	f.Add(uint8(5), 503, []byte(`{"error_code":1}`))
	var body []byte
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	mk := func(gen string) *Client {
		c, err := New(Config{Endpoint: srv.URL, AK: "ak", SK: "sk", DomainID: "d", Generation: gen, RatePerSecond: 1e6, MaxAttempts: 1, Timeout: 2 * time.Second})
		if err != nil {
			f.Fatal(err)
		}
		return c
	}
	v2, legacy := mk(GenerationV2), mk(GenerationLegacy)
	ops := []func(ctx context.Context) error{
		func(ctx context.Context) error { _, err := v2.ListSubAccounts(ctx, SubAccountQuery{}); return err },
		func(ctx context.Context) error {
			_, err := v2.TransferableAmounts(ctx, BalanceCredit, Page{})
			return err
		},
		func(ctx context.Context) error { _, err := legacy.ListSubAccounts(ctx, SubAccountQuery{}); return err },
		func(ctx context.Context) error {
			_, err := v2.Renew(ctx, RenewRequest{ResourceIDs: []ResourceID{"a"}, PeriodType: 2, PeriodNum: 1})
			return err
		},
		func(ctx context.Context) error { _, err := v2.StoredValueCards(ctx, CardQuery{Status: 1}); return err },
		func(ctx context.Context) error {
			_, err := legacy.TransferableAmounts(ctx, BalanceDebit, Page{})
			return err
		},
		func(ctx context.Context) error { _, err := v2.ResourcePackages(ctx, PackageQuery{}); return err },
		func(ctx context.Context) error { _, err := legacy.OrderResources(ctx, "o", Page{}); return err },
		func(ctx context.Context) error {
			_, err := v2.ToOnDemand(ctx, ToOnDemandRequest{Operation: "SET_UP", ResourceIDs: []ResourceID{"a"}})
			return err
		},
		func(ctx context.Context) error { _, err := v2.Order(ctx, "o", Page{}); return err },
	}
	f.Fuzz(func(t *testing.T, op uint8, st int, b []byte) {
		if st < 200 || st > 599 {
			st = 200
		}
		status, body = st, b
		err := ops[int(op)%len(ops)](t.Context())
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error is not an *Error: %T %v", err, err)
		}
		if st >= 400 && err == nil {
			t.Fatalf("HTTP %d taken as success", st)
		}
	})
}
