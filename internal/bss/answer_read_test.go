package bss

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// readKinds is every read of the Upstream interface, in both API generations where it has two.
var readKinds = []struct {
	name string
	gen  string
	call func(ctx context.Context, c *Client) error
}{
	{"sub-accounts", "", func(ctx context.Context, c *Client) error {
		_, err := c.ListSubAccounts(ctx, SubAccountQuery{})
		return err
	}},
	{"legacy sub-accounts", GenerationLegacy, func(ctx context.Context, c *Client) error {
		_, err := c.ListSubAccounts(ctx, SubAccountQuery{})
		return err
	}},
	{"organizations", "", func(ctx context.Context, c *Client) error { _, err := c.ListOrganizations(ctx, OrgQuery{}); return err }},
	{"transferable amounts", "", func(ctx context.Context, c *Client) error {
		_, err := c.TransferableAmounts(ctx, BalanceDebit, Page{})
		return err
	}},
	{"legacy transferable amounts", GenerationLegacy, func(ctx context.Context, c *Client) error {
		_, err := c.TransferableAmounts(ctx, BalanceDebit, Page{})
		return err
	}},
	{"recoverable amounts", "", func(ctx context.Context, c *Client) error {
		_, err := c.RecoverableAmounts(ctx, "s", BalanceDebit, Page{})
		return err
	}},
	{"legacy recoverable amounts", GenerationLegacy, func(ctx context.Context, c *Client) error {
		_, err := c.RecoverableAmounts(ctx, "s", BalanceDebit, Page{})
		return err
	}},
	{"transferable coupons", "", func(ctx context.Context, c *Client) error { _, err := c.TransferableCoupons(ctx, Page{}); return err }},
	{"recoverable coupons", "", func(ctx context.Context, c *Client) error {
		_, err := c.RecoverableCoupons(ctx, "s", Page{})
		return err
	}},
	{"balances", "", func(ctx context.Context, c *Client) error { _, err := c.AccountBalances(ctx); return err }},
	{"stored-value cards", "", func(ctx context.Context, c *Client) error {
		_, err := c.StoredValueCards(ctx, CardQuery{Status: 1})
		return err
	}},
	{"resources", "", func(ctx context.Context, c *Client) error { _, err := c.Resources(ctx, ResourceQuery{}); return err }},
	{"orders", "", func(ctx context.Context, c *Client) error { _, err := c.Orders(ctx, OrderQuery{}); return err }},
	{"order", "", func(ctx context.Context, c *Client) error { _, err := c.Order(ctx, "o", Page{}); return err }},
	{"legacy order resources", "", func(ctx context.Context, c *Client) error {
		_, err := c.OrderResources(ctx, "o", Page{Limit: 10})
		return err
	}},
	{"renewal quote", "", func(ctx context.Context, c *Client) error {
		_, err := c.QuoteRenewal(ctx, RenewalQuoteRequest{ResourceIDs: []ResourceID{"r"}, PeriodType: PeriodMonth, PeriodNum: 1})
		return err
	}},
	{"order details", "", func(ctx context.Context, c *Client) error { _, err := c.OrderDetails(ctx, "o"); return err }},
	{"resource packages", "", func(ctx context.Context, c *Client) error {
		_, err := c.ResourcePackages(ctx, PackageQuery{})
		return err
	}},
	{"package usages", "", func(ctx context.Context, c *Client) error {
		_, err := c.ResourcePackageUsages(ctx, []string{"f"})
		return err
	}},
	{"service types", "", func(ctx context.Context, c *Client) error {
		_, _, err := c.ServiceTypes(ctx, CatalogQuery{})
		return err
	}},
	{"resource types", "", func(ctx context.Context, c *Client) error {
		_, _, err := c.ResourceTypes(ctx, CatalogQuery{})
		return err
	}},
	{"service resources", "", func(ctx context.Context, c *Client) error {
		_, _, err := c.ServiceResources(ctx, "hws.service.type.ec2", CatalogQuery{})
		return err
	}},
	{"usage types", "", func(ctx context.Context, c *Client) error {
		_, _, err := c.UsageTypes(ctx, "", CatalogQuery{})
		return err
	}},
}

// TestGarbageAnswersToReadsAreErrors: a garbage 200 is an error, never an empty list that
// would replace the cached rows.
func TestGarbageAnswersToReadsAreErrors(t *testing.T) {
	garbage := append([]misbehaviour{}, doubtful...)
	garbage = append(garbage, refusedIn200,
		misbehaviour{name: "200 empty object", answer: answerWith(200, jsonType, `{}`)},
		misbehaviour{name: "200 null", answer: answerWith(200, jsonType, `null`)},
		misbehaviour{name: "200 unexpected fields", answer: answerWith(200, jsonType, `{"unexpected":1,"items":[]}`)},
		misbehaviour{name: "200 empty", answer: answerWith(200, "", "")},
		misbehaviour{name: "204 empty", answer: answerWith(http.StatusNoContent, "", "")})
	mb := &misbehaving{next: http.NotFoundHandler()}
	srv := httptest.NewServer(mb)
	t.Cleanup(srv.Close)
	clients := map[string]*Client{}
	for _, gen := range []string{GenerationV2, GenerationLegacy} {
		c, err := New(Config{Endpoint: srv.URL, AK: "ak", SK: "sk", DomainID: "d", Generation: gen, RatePerSecond: 1e6,
			MaxAttempts: 1, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		clients[gen] = c
	}
	for _, b := range garbage {
		t.Run(b.name, func(t *testing.T) {
			mb.set(&b)
			for _, k := range readKinds {
				gen := k.gen
				if gen == "" {
					gen = GenerationV2
				}
				err := k.call(t.Context(), clients[gen])
				if err == nil {
					t.Errorf("%s: garbage read as success", k.name)
					continue
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Errorf("%s: error is not an *Error: %T", k.name, err)
				}
				if mb.landed.Load() != 0 {
					t.Errorf("%s: the redirect was followed", k.name)
				}
			}
		})
	}
}
