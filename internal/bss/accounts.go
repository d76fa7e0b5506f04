package bss

import (
	"context"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

// Operation names: metric labels, log fields and Error.Operation.
const (
	opListSubCustomers     = "ListEnterpriseSubCustomers"
	opListOrganizations    = "ListEnterpriseOrganizations"
	opShowTransferAmount   = "ShowMultiAccountTransferAmount"
	opListRetrieveAmount   = "ListEnterpriseMultiAccount"
	opTransfer             = "UpdateSubEnterpriseAmount"
	opRecover              = "ReclaimSubEnterpriseAmount"
	opListTransferCoupons  = "ListMultiAccountTransferCoupons"
	opListRetrieveCoupons  = "ListMultiAccountRetrieveCoupons"
	opClaimCoupon          = "ClaimEnterpriseMultiAccountCoupon"
	opReclaimCoupon        = "ReclaimEnterpriseMultiAccountCoupon"
	opListStoredValueCards = "ListStoredValueCards"
	opShowBalances         = "ShowCustomerAccountBalances"
)

// ListSubAccounts lists sub-accounts (v2 or legacy by Config.Generation).
func (c *Client) ListSubAccounts(ctx context.Context, q SubAccountQuery) (SubAccountPage, error) {
	if c.cfg.Generation == GenerationLegacy {
		return c.legacySubAccounts(ctx, q)
	}
	var out SubAccountPage
	err := c.call(ctx, opListSubCustomers, kindRead, func(ctx context.Context) error {
		req := &model.ListEnterpriseSubCustomersRequest{
			SubCustomerAccountName: optStr(q.AccountName),
			SubCustomerDisplayName: optStr(q.DisplayName),
			OrgId:                  optStr(string(q.OrgID)),
			Offset:                 ptr(int32(q.Offset)),
			Limit:                  optInt(q.Limit),
		}
		if q.Fuzzy {
			req.FuzzyQuery = ptr(int32(1))
		}
		resp, err := c.sdk(ctx, reads("total_count", "sub_customer_infos")).ListEnterpriseSubCustomers(req)
		if err != nil {
			return err
		}
		out = SubAccountPage{Total: num(resp.TotalCount)}
		if resp.SubCustomerInfos != nil {
			for _, s := range *resp.SubCustomerInfos {
				out.Items = append(out.Items, SubAccount{ID: SubAccountID(str(s.Id)), Name: str(s.Name), DisplayName: str(s.DisplayName),
					Status: SubAccountStatus(num(s.Status)), OrgID: OrgID(str(s.OrgId)), OrgName: str(s.OrgName)})
			}
		}
		return nil
	})
	return out, err
}

// ListOrganizations returns the organisation tree below q.ParentID (the root by default).
func (c *Client) ListOrganizations(ctx context.Context, q OrgQuery) (OrgTree, error) {
	var out OrgTree
	err := c.call(ctx, opListOrganizations, kindRead, func(ctx context.Context) error {
		req := &model.ListEnterpriseOrganizationsRequest{ParentId: optStr(string(q.ParentID))}
		if q.Recursive {
			req.RecursiveQuery = ptr(int32(1))
		}
		resp, err := c.sdk(ctx, reads("root_id", "root_name", "child_nodes")).ListEnterpriseOrganizations(req)
		if err != nil {
			return err
		}
		out = OrgTree{RootID: OrgID(str(resp.RootId)), RootName: str(resp.RootName), Children: orgNodes(resp.ChildNodes)}
		return nil
	})
	return out, err
}

func orgNodes(in *[]model.EmChildNodeV2) []OrgNode {
	if in == nil {
		return nil
	}
	out := make([]OrgNode, 0, len(*in))
	for _, n := range *in {
		out = append(out, OrgNode{RelationID: str(n.RelationId), ID: OrgID(str(n.Id)), Name: str(n.Name), Children: orgNodes(n.ChildNodes)})
	}
	return out
}

// TransferableAmounts is what the master can transfer (debit: one row; credit: per line).
func (c *Client) TransferableAmounts(ctx context.Context, bt BalanceType, p Page) (AmountPage, error) {
	if c.cfg.Generation == GenerationLegacy {
		return c.legacyAmounts(ctx, "", bt, p)
	}
	var out AmountPage
	err := c.call(ctx, opShowTransferAmount, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "amount_infos")).ShowMultiAccountTransferAmount(&model.ShowMultiAccountTransferAmountRequest{
			BalanceType: string(bt), Offset: ptr(int32(p.Offset)), Limit: optInt(p.Limit)})
		if err != nil {
			return err
		}
		out = AmountPage{Total: num(resp.TotalCount)}
		if resp.AmountInfos != nil {
			for _, a := range *resp.AmountInfos {
				out.Items = append(out.Items, AmountInfo{Available: amountPtr(a.AvailTransferAmount), Amount: amountPtr(a.Amount),
					CreditAmount: amountPtr(a.CreditAmount), MeasureID: num(a.MeasureId), ExpireTime: timeOf(a.ExpireTime)})
			}
		}
		return nil
	})
	return out, err
}

// RecoverableAmounts is what the master can take back from a sub-account: the only view of a
// sub-account's balance the master has.
func (c *Client) RecoverableAmounts(ctx context.Context, sub SubAccountID, bt BalanceType, p Page) (AmountPage, error) {
	if c.cfg.Generation == GenerationLegacy {
		return c.legacyAmounts(ctx, sub, bt, p)
	}
	var out AmountPage
	err := c.call(ctx, opListRetrieveAmount, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "amount_infos")).ListEnterpriseMultiAccount(&model.ListEnterpriseMultiAccountRequest{
			SubCustomerId: string(sub), BalanceType: string(bt), Offset: ptr(int32(p.Offset)), Limit: optInt(p.Limit)})
		if err != nil {
			return err
		}
		out = AmountPage{Total: num(resp.TotalCount)}
		if resp.AmountInfos != nil {
			for _, a := range *resp.AmountInfos {
				out.Items = append(out.Items, AmountInfo{Available: amountPtr(a.AvailRetrieveAmount), Amount: amountPtr(a.Amount),
					CreditAmount: amountPtr(a.CreditAmount), MeasureID: num(a.MeasureId), ExpireTime: timeOf(a.ExpireTime)})
			}
		}
		return nil
	})
	return out, err
}

// Transfer moves money from the master to a sub-account. Retries reuse m.TransID.
func (c *Client) Transfer(ctx context.Context, m Movement) error {
	if c.cfg.Generation == GenerationLegacy {
		return c.legacyMove(ctx, true, m)
	}
	return c.call(ctx, opTransfer, kindMove, func(ctx context.Context) error {
		_, err := c.sdk(ctx, writesAtMost()).UpdateSubEnterpriseAmount(&model.UpdateSubEnterpriseAmountRequest{Body: &model.TransferEnterpriseMultiAccountReq{
			CustomerId: string(m.SubAccountID), Amount: wireAmount(m.Amount), TransId: ptr(m.TransID),
			BalanceType: optStr(string(m.BalanceType)), ExpireTime: timeText(m.ExpireTime)}})
		return err
	})
}

// Recover takes money back from a sub-account to the master. Retries reuse m.TransID.
func (c *Client) Recover(ctx context.Context, m Movement) error {
	if c.cfg.Generation == GenerationLegacy {
		return c.legacyMove(ctx, false, m)
	}
	return c.call(ctx, opRecover, kindMove, func(ctx context.Context) error {
		_, err := c.sdk(ctx, writesAtMost()).ReclaimSubEnterpriseAmount(&model.ReclaimSubEnterpriseAmountRequest{Body: &model.RetrieveEnterpriseMultiAccountReq{
			CustomerId: string(m.SubAccountID), Amount: wireAmount(m.Amount), TransId: ptr(m.TransID),
			BalanceType: optStr(string(m.BalanceType)), ExpireTime: timeText(m.ExpireTime)}})
		return err
	})
}

// AccountBalances are the signing account's own balances.
func (c *Client) AccountBalances(ctx context.Context) (Balances, error) {
	var out Balances
	err := c.call(ctx, opShowBalances, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("account_balances", "debt_amount", "currency")).ShowCustomerAccountBalances(&model.ShowCustomerAccountBalancesRequest{})
		if err != nil {
			return err
		}
		out = Balances{Debt: amountPtr(resp.DebtAmount), Currency: str(resp.Currency)}
		if resp.AccountBalances != nil {
			for _, b := range *resp.AccountBalances {
				out.Accounts = append(out.Accounts, AccountBalance{AccountID: b.AccountId, AccountType: int(b.AccountType),
					Amount: amountPtr(b.Amount), DesignatedAmount: amountPtr(b.DesignatedAmount), CreditAmount: amountPtr(b.CreditAmount)})
			}
		}
		return nil
	})
	return out, err
}

// StoredValueCards lists the signing account's stored-value cards (flow control 5/s).
func (c *Client) StoredValueCards(ctx context.Context, q CardQuery) (CardPage, error) {
	var out CardPage
	err := c.call(ctx, opListStoredValueCards, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "stored_value_cards")).ListStoredValueCards(&model.ListStoredValueCardsRequest{Status: int32(q.Status),
			CardId: optStr(string(q.CardID)), Offset: ptr(int32(q.Offset)), Limit: optInt(q.Limit)})
		if err != nil {
			return err
		}
		var bad error
		out = CardPage{Total: num(resp.TotalCount)}
		if resp.StoredValueCards != nil {
			for _, s := range *resp.StoredValueCards {
				out.Items = append(out.Items, StoredValueCard{ID: CardID(str(s.CardId)), Name: str(s.CardName), Status: CardStatus(num(s.Status)),
					FaceValue: amountText(s.FaceValue, &bad), Balance: amountText(s.Balance, &bad), Effective: timeOf(s.EffectiveTime), Expire: timeOf(s.ExpireTime)})
			}
		}
		return badAnswer(bad)
	})
	return out, err
}

// badAnswer turns a decoding problem into ErrBadResponse.
func badAnswer(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: ErrBadResponse, Message: err.Error()}
}
