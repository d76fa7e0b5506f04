package bss_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/bss"
)

// quoteServer answers renewal-price calls with answer(ids of the call).
func quoteServer(t *testing.T, answer func(ids []string) string) *bss.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ResourceIDs []string `json:"resource_ids"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/v2/bills/ratings/period-resources/renew-rate" {
			t.Errorf("unexpected request %s %v", r.URL.Path, err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answer(req.ResourceIDs)))
	}))
	t.Cleanup(srv.Close)
	c, err := bss.New(bss.Config{Endpoint: srv.URL, AK: "ak", SK: "sk", DomainID: "d", RatePerSecond: 1000, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func manyIDs(n int) []bss.ResourceID {
	out := make([]bss.ResourceID, n)
	for i := range out {
		out[i] = bss.ResourceID(fmt.Sprintf("r%02d", i))
	}
	return out
}

// priced answers every id at each, with the official total official and one discount.
func priced(ids []string, each, official, discount string) string {
	rows := make([]string, len(ids))
	for i, id := range ids {
		rows[i] = fmt.Sprintf(`{"resource_id":%q,"amount":%q}`, id, each)
	}
	return fmt.Sprintf(`{"currency":"CNY","renew_inquiry_results":[%s],"official_website_rating_result":{"official_website_amount":%q},`+
		`"optional_discount_rating_results":[{"discount_id":"x","amount":"0","official_website_amount":%q,"discount_amount":%q,"best_offer":1}]}`,
		strings.Join(rows, ","), official, official, discount)
}

// TestRenewalQuoteIsExact: amounts are summed as decimals, never floats, and sub-cent
// figures are kept: 23 × 0.1 is 2.3 (as float64 it is 2.3000000000000003).
func TestRenewalQuoteIsExact(t *testing.T) {
	c := quoteServer(t, func(ids []string) string {
		official := fmt.Sprintf("%d.%d", len(ids)/10, len(ids)%10) // n × 0.1
		return priced(ids, "0.1", official, "0.001")
	})
	q := must[bss.RenewalQuote](t)(c.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: manyIDs(23), PeriodType: bss.PeriodMonth, PeriodNum: 1}))
	tot, ok := q.Total("CNY")
	if !ok || tot.Official.Decimal().String() != "2.3" || tot.Discount.Decimal().String() != "0.003" || tot.Amount.Decimal().String() != "2.297" {
		t.Fatalf("totals %+v", tot)
	}
	if len(q.Resources) != 23 || q.Resources[22].Amount.Decimal().String() != "0.1" || tot.Amount.String() != "2.30" {
		t.Fatalf("resources %+v, shown %s", q.Resources, tot.Amount)
	}
}

// TestRenewalQuoteGarbageIsAnError: a 200 that is not a full, readable quote is an
// error, never a lower price.
func TestRenewalQuoteGarbageIsAnError(t *testing.T) {
	cases := map[string]func(ids []string) string{
		"a resource left out": func(ids []string) string { return priced(ids[1:], "1", "9", "0") },
		"amount not a number": func(ids []string) string { return priced(ids, "12,50", "9", "0") },
		"no official amount": func(ids []string) string {
			return fmt.Sprintf(`{"currency":"CNY","renew_inquiry_results":[{"resource_id":%q,"amount":"1"}]}`, ids[0])
		},
		"discount above the price": func(ids []string) string { return priced(ids, "1", "1", "2") },
		"result without id":        func(ids []string) string { return `{"renew_inquiry_results":[{"amount":"1"}]}` },
		"other fields only":        func(ids []string) string { return `{"currency":"CNY","items":[]}` },
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			c := quoteServer(t, answer)
			q, err := c.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: manyIDs(3), PeriodType: bss.PeriodMonth, PeriodNum: 1})
			if err == nil {
				t.Fatalf("garbage read as a quote: %+v", q)
			}
			wantKind(t, err, bss.ErrBadResponse)
		})
	}
	c := quoteServer(t, func([]string) string { return `{"error_code":"CBC.0999","error_msg":"refused"}` })
	_, err := c.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: manyIDs(3), PeriodType: bss.PeriodMonth, PeriodNum: 1})
	if e := wantKind(t, err, bss.ErrUpstream); e.Code != "CBC.0999" || e.HTTPStatus != 200 {
		t.Fatalf("refusal in a 200: %+v", e)
	}
	// A later chunk's garbage spoils the whole quote, not just its part.
	calls := 0
	c = quoteServer(t, func(ids []string) string {
		calls++
		if calls == 2 {
			return `{}`
		}
		return priced(ids, "1", fmt.Sprint(len(ids)), "0")
	})
	_, err = c.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: manyIDs(23), PeriodType: bss.PeriodMonth, PeriodNum: 1})
	wantKind(t, err, bss.ErrBadResponse)
}
