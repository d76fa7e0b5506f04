package bss

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/purser-finance/purser/internal/bss/wire"
	"github.com/shopspring/decimal"
)

// The legacy v1.0 operations are not in the SDK. They are called over net/http, signed by
// the SDK's own signer (no hand-written signing), with JSON shapes from package wire.

const (
	opLegacySubCustomers   = "LegacyListSubCustomers"
	opLegacyTransferAmount = "LegacyShowTransferAmount"
	opLegacyRetrieveAmount = "LegacyShowRetrieveAmount"
	opLegacyTransfer       = "LegacyTransfer"
	opLegacyRetrieve       = "LegacyRetrieve"
	opLegacyOrderResources = "LegacyListOrderResources"
)

// legacyDo sends one signed request, judges the answer against want, and decodes a
// successful one into out (if not nil).
func (c *Client) legacyDo(ctx context.Context, method, path string, query url.Values, body any, want shape, out any) error {
	b := request.NewHttpRequestBuilder().WithEndpoint(c.cfg.Endpoint).WithMethod(method).WithPath(path).
		AddHeaderParam("Content-Type", "application/json").
		AddHeaderParam("User-Agent", "purser")
	for k, vs := range query {
		if len(vs) > 0 {
			// The signer canonicalises only reflect.Value parameters, as the SDK passes them.
			b.AddQueryParam(k, reflect.ValueOf(vs[0]))
		}
	}
	if body != nil {
		b.WithBody("", body)
	}
	req := b.Build()
	headers, err := signer.Sign(req, c.cfg.AK, c.cfg.SK)
	if err != nil {
		return fmt.Errorf("%w: sign", errNotSent)
	}
	for k, v := range headers {
		req.AddHeaderParam(k, v)
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		return fmt.Errorf("%w: %v", errNotSent, err)
	}
	resp, err := c.httpClient.Do(hr.WithContext(ctx))
	if err != nil {
		return err
	}
	data, e := judge(resp, want)
	if e != nil {
		return e
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &Error{HTTPStatus: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id"), Kind: ErrBadResponse, Message: err.Error()}
	}
	return nil
}

// legacyPage turns a row offset into the legacy page number (from 1). The old API can
// only start a page at a multiple of its size, so an offset that is not a multiple of the
// limit is asked with the largest page size below the limit that divides it: the rows
// start exactly at the offset (page offset/size+1) and the page is shorter than asked,
// never shifted to the start of a page.
func legacyPage(p Page, defLimit int) url.Values {
	limit := p.Limit
	if limit == 0 {
		limit = defLimit
	}
	size := limit
	for p.Offset%size != 0 {
		size--
	}
	q := url.Values{}
	q.Set("offset", strconv.Itoa(p.Offset/size+1))
	q.Set("limit", strconv.Itoa(size))
	return q
}

func (c *Client) legacyPath(format string, args ...any) string {
	return fmt.Sprintf(format, append([]any{url.PathEscape(c.cfg.DomainID)}, args...)...)
}

func (c *Client) legacySubAccounts(ctx context.Context, q SubAccountQuery) (SubAccountPage, error) {
	var out SubAccountPage
	err := c.call(ctx, opLegacySubCustomers, kindRead, func(ctx context.Context) error {
		v := legacyPage(q.Page, 10)
		setOpt(v, "sub_customer_name", q.AccountName)
		setOpt(v, "display_name", q.DisplayName)
		setOpt(v, "org_party_id", string(q.OrgID))
		if q.Fuzzy {
			v.Set("fuzzy_query", "1")
		}
		var resp wire.SubCustomerList
		if err := c.legacyDo(ctx, http.MethodGet, c.legacyPath(wire.PathSubCustomers), v, nil, reads("totalCount", "subCustomerInfos"), &resp); err != nil {
			return err
		}
		out = SubAccountPage{Total: resp.TotalCount}
		for _, s := range resp.SubCustomerInfos {
			out.Items = append(out.Items, SubAccount{ID: SubAccountID(s.ID), Name: s.Name, DisplayName: s.DisplayName,
				Status: SubAccountStatus(s.Status), OrgID: OrgID(s.OrgPartyID), OrgName: s.OrgPartyName})
		}
		return nil
	})
	return out, err
}

func setOpt(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

// legacyAmounts: the master's transferable amounts (sub empty) or a sub-account's recoverable ones.
func (c *Client) legacyAmounts(ctx context.Context, sub SubAccountID, bt BalanceType, p Page) (AmountPage, error) {
	op, path := opLegacyTransferAmount, c.legacyPath(wire.PathTransferAmount)
	if sub != "" {
		op, path = opLegacyRetrieveAmount, c.legacyPath(wire.PathRetrieveAmount)
	}
	var out AmountPage
	err := c.call(ctx, op, kindRead, func(ctx context.Context) error {
		v := legacyPage(p, 10)
		v.Set("balance_type", string(bt))
		setOpt(v, "sub_customer_id", string(sub))
		var resp wire.AmountList
		if err := c.legacyDo(ctx, http.MethodGet, path, v, nil, reads("totalCount", "amountInfo"), &resp); err != nil {
			return err
		}
		out = AmountPage{Total: resp.TotalCount}
		var bad error
		for _, a := range resp.AmountInfo {
			avail := a.AvailTransferAmount
			if sub != "" {
				avail = a.AvailRetrieveAmount
			}
			var availText *string
			if avail != nil {
				availText = ptr(avail.String())
			}
			expire := a.ExpireTime
			out.Items = append(out.Items, AmountInfo{Available: amountText(availText, &bad), Amount: amountText(ptr(a.Amount.String()), &bad),
				CreditAmount: amountText(ptr(a.CreditAmount.String()), &bad), MeasureID: a.MeasureID, ExpireTime: timeOf(&expire)})
		}
		return badAnswer(bad)
	})
	return out, err
}

func (c *Client) legacyMove(ctx context.Context, transfer bool, m Movement) error {
	expire := ""
	if t := timeText(m.ExpireTime); t != nil {
		expire = *t
	}
	if transfer {
		return c.call(ctx, opLegacyTransfer, kindMove, func(ctx context.Context) error {
			return c.legacyDo(ctx, http.MethodPost, c.legacyPath(wire.PathTransfer), nil, wire.TransferRequest{TransID: m.TransID,
				BalanceType: string(m.BalanceType), SubCustomerID: string(m.SubAccountID), DeductMode: wire.DeductModeImmediate,
				TotalTransferAmount: wireAmount(m.Amount), ExpireTime: expire}, writesAtMost(), nil)
		})
	}
	return c.call(ctx, opLegacyRetrieve, kindMove, func(ctx context.Context) error {
		return c.legacyDo(ctx, http.MethodPost, c.legacyPath(wire.PathRetrieve), nil, wire.RetrieveRequest{TransID: m.TransID,
			BalanceType: string(m.BalanceType), SubCustomerID: string(m.SubAccountID), DeductMode: wire.DeductModeImmediate,
			TotalRetrieveAmout: wireAmount(m.Amount), ExpireTime: expire}, writesAtMost(), nil)
	})
}

// OrderResources lists the resources an order provisioned (legacy v1.0 only; limit ≤ 50).
func (c *Client) OrderResources(ctx context.Context, id OrderID, p Page) (OrderResourcePage, error) {
	var out OrderResourcePage
	err := c.call(ctx, opLegacyOrderResources, kindRead, func(ctx context.Context) error {
		var resp wire.OrderResources
		if err := c.legacyDo(ctx, http.MethodGet, c.legacyPath(wire.PathOrderResources, url.PathEscape(string(id))), legacyPage(p, 10), nil, reads("totalSize", "resources"), &resp); err != nil {
			return err
		}
		out = OrderResourcePage{Total: resp.TotalSize}
		for _, r := range resp.Resources {
			size, _ := decimal.NewFromString(r.ResourceSize.String())
			out.Items = append(out.Items, OrderResource{ResourceID: ResourceID(r.ResourceID), ServiceType: r.CloudServiceType, Region: r.RegionCode,
				ResourceType: r.ResourceType, SpecCode: r.ResourceSpecCode, Size: size, SizeMeasureID: r.ResouceSizeMeasureID, Status: r.Status})
		}
		return nil
	})
	return out, err
}
