package bss_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/bss"
)

// Recorded answers (testdata/fixtures) decoded by the client: upstream shapes the sandbox
// does not produce on its own (more than two decimals, partial failures, legacy numbers).

func fixtureClient(t *testing.T, status int, file string, gen string) *bss.Client {
	t.Helper()
	body, err := os.ReadFile("testdata/fixtures/" + file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access=ak, SignedHeaders=") {
			t.Errorf("unsigned request: %q", r.Header.Get("Authorization"))
		}
		w.Header().Set("X-Request-Id", "fixture-request")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c, err := bss.New(bss.Config{Endpoint: srv.URL, AK: "ak", SK: "sk", DomainID: "domain", Generation: gen, RatePerSecond: 1000, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFixtures(t *testing.T) {
	t.Run("credit amounts round to cents, expiry parsed", func(t *testing.T) {
		p := must[bss.AmountPage](t)(fixtureClient(t, 200, "transfer-amount-credit.json", "").TransferableAmounts(ctx(t), bss.BalanceCredit, bss.Page{}))
		if p.Total != 2 || p.Items[0].Available.String() != "123456.79" || !p.Items[0].ExpireTime.IsZero() ||
			!p.Items[1].ExpireTime.Equal(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) || p.Items[1].CreditAmount.String() != "100000.00" {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("renewal with a refused resource", func(t *testing.T) {
		r, err := fixtureClient(t, 200, "renew-partial.json", "").Renew(ctx(t), bss.RenewRequest{ResourceIDs: []bss.ResourceID{"a", "child-1"}, PeriodType: 2, PeriodNum: 1})
		if err != nil || len(r.OrderIDs) != 1 || len(r.Failures) != 1 || r.Failures[0].Code != "CBC.30010036" {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("refusal inside HTTP 200", func(t *testing.T) {
		_, err := fixtureClient(t, 200, "unsubscribe-refused-200.json", "").Unsubscribe(ctx(t), bss.UnsubscribeRequest{ResourceIDs: []bss.ResourceID{"a"}, Type: 1})
		e := wantKind(t, err, bss.ErrResourceUnavailable)
		if e.HTTPStatus != 200 || e.RequestID != "fixture-request" {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("error_details of to-on-demand", func(t *testing.T) {
		f, err := fixtureClient(t, 200, "to-on-demand-details.json", "").ToOnDemand(ctx(t), bss.ToOnDemandRequest{Operation: bss.ToOnDemandSet, ResourceIDs: []bss.ResourceID{"ok-1", "gone-1"}})
		if err != nil || len(f) != 1 || f[0].ResourceID != "gone-1" {
			t.Fatalf("%+v %v", f, err)
		}
	})
	t.Run("legacy sub-accounts", func(t *testing.T) {
		p := must[bss.SubAccountPage](t)(fixtureClient(t, 200, "legacy-sub-customers.json", bss.GenerationLegacy).ListSubAccounts(ctx(t), bss.SubAccountQuery{}))
		if p.Total != 31 || p.Items[0].DisplayName != "电商平台-张伟" || p.Items[0].OrgID != "org-1" || p.Items[0].OrgName != "华东事业部" {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("legacy order resources", func(t *testing.T) {
		p := must[bss.OrderResourcePage](t)(fixtureClient(t, 200, "legacy-order-resources.json", "").OrderResources(ctx(t), "CS1", bss.Page{Limit: 10}))
		if p.Total != 2 || p.Items[1].Size.String() != "40" || p.Items[1].SizeMeasureID != 17 || p.Items[0].ServiceType != "hws.service.type.ec2" {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("error body", func(t *testing.T) {
		err := fixtureClient(t, 400, "error-400.json", "").Transfer(ctx(t), bss.Movement{SubAccountID: "s", Amount: amount(t, "1"), TransID: bss.NewTransID()})
		e := wantKind(t, err, bss.ErrDuplicateTransID)
		if e.Code != "CBC.99007009" || e.HTTPStatus != 400 || e.RequestID != "fixture-request" || e.Message == "" {
			t.Fatalf("%+v", e)
		}
	})
	t.Run("legacy business error as HTTP 500 is definite", func(t *testing.T) {
		err := fixtureClient(t, 500, "error-400.json", bss.GenerationLegacy).Transfer(ctx(t), bss.Movement{SubAccountID: "s", Amount: amount(t, "1"), TransID: bss.NewTransID()})
		wantKind(t, err, bss.ErrDuplicateTransID)
	})
	t.Run("cards", func(t *testing.T) {
		p := must[bss.CardPage](t)(fixtureClient(t, 200, "cards.json", "").StoredValueCards(ctx(t), bss.CardQuery{Status: 1}))
		if p.Items[0].Balance.String() != "123.40" || p.Items[0].FaceValue.String() != "1000.00" {
			t.Fatalf("%+v", p)
		}
		_, err := fixtureClient(t, 200, "cards-bad-amount.json", "").StoredValueCards(ctx(t), bss.CardQuery{Status: 1})
		if !errors.Is(err, bss.ErrBadResponse) {
			t.Fatalf("unreadable amount: %v", err)
		}
	})
}
