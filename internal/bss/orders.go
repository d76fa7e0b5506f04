package bss

import (
	"context"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

// Orders lists the signing account's orders (purchases, renewals, unsubscriptions).
func (c *Client) Orders(ctx context.Context, q OrderQuery) (OrderPage, error) {
	var out OrderPage
	err := c.call(ctx, opListOrders, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "order_infos")).ListCustomerOrders(&model.ListCustomerOrdersRequest{OrderId: optStr(string(q.OrderID)),
			CreateTimeBegin: timeText(q.CreatedFrom), CreateTimeEnd: timeText(q.CreatedTo), ServiceTypeCode: optStr(q.ServiceType),
			Status: optInt(q.Status), OrderType: optStr(q.OrderType), Offset: ptr(int32(q.Offset)), Limit: optInt(q.Limit)})
		if err != nil {
			return err
		}
		out = OrderPage{Total: num(resp.TotalCount)}
		if resp.OrderInfos != nil {
			for _, o := range *resp.OrderInfos {
				out.Items = append(out.Items, Order{ID: OrderID(str(o.OrderId)), CustomerID: str(o.CustomerId), ServiceType: str(o.ServiceTypeCode),
					ServiceTypeName: str(o.ServiceTypeName), SourceType: num(o.SourceType), Status: num(o.Status), OrderType: num(o.OrderType),
					Amount: amountFloat(o.AmountAfterDiscount), OfficialAmount: amountFloat(o.OfficialAmount), Created: timeOf(o.CreateTime), Paid: timeOf(o.PaymentTime)})
			}
		}
		return nil
	})
	return out, err
}

// Order returns one order with its line items.
func (c *Client) Order(ctx context.Context, id OrderID, p Page) (OrderDetail, error) {
	var out OrderDetail
	err := c.call(ctx, opShowOrder, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "order_info", "order_line_items")).ShowCustomerOrderDetails(&model.ShowCustomerOrderDetailsRequest{OrderId: string(id),
			Offset: ptr(int32(p.Offset)), Limit: optInt(p.Limit)})
		if err != nil {
			return err
		}
		out = OrderDetail{TotalLines: num(resp.TotalCount)}
		if o := resp.OrderInfo; o != nil {
			out.Order = Order{ID: OrderID(str(o.OrderId)), CustomerID: str(o.CustomerId), ServiceType: str(o.ServiceTypeCode),
				ServiceTypeName: str(o.ServiceTypeName), SourceType: num(o.SourceType), Status: num(o.Status), OrderType: num(o.OrderType),
				Amount: amountFloat(o.AmountAfterDiscount), OfficialAmount: amountFloat(o.OfficialAmount), Created: timeOf(o.CreateTime), Paid: timeOf(o.PaymentTime)}
		}
		if resp.OrderLineItems != nil {
			for _, l := range *resp.OrderLineItems {
				out.Lines = append(out.Lines, OrderLine{ID: str(l.OrderLineItemId), ServiceType: str(l.ServiceTypeCode), ServiceTypeName: str(l.ServiceTypeName),
					ProductID: str(l.ProductId), SpecDesc: str(l.ProductSpecDesc), PeriodType: num(l.PeriodType), PeriodNum: num(l.PeriodNum),
					Effective: timeOf(l.EffectiveTime), Expire: timeOf(l.ExpireTime), Amount: amountFloat(l.AmountAfterDiscount)})
			}
		}
		return nil
	})
	return out, err
}

// ResourcePackages lists resource packages (ListFreeResourceInfos, a v3 path).
func (c *Client) ResourcePackages(ctx context.Context, q PackageQuery) (PackagePage, error) {
	var out PackagePage
	err := c.call(ctx, opListPackages, kindRead, func(ctx context.Context) error {
		body := &model.ListFreeResourceInfosReq{RegionCode: optStr(q.Region), OrderId: optStr(string(q.OrderID)), ProductId: optStr(q.ProductID),
			ProductName: optStr(q.ProductName), Status: optInt(q.Status), Offset: ptr(int32(q.Offset)), Limit: optInt(q.Limit)}
		if len(q.ServiceTypes) > 0 {
			body.ServiceTypeCodeList = ptr(q.ServiceTypes)
		}
		resp, err := c.sdk(ctx, reads("total_count", "free_resource_packages")).ListFreeResourceInfos(&model.ListFreeResourceInfosRequest{Body: body})
		if err != nil {
			return err
		}
		out = PackagePage{Total: num(resp.TotalCount)}
		var bad error
		if resp.FreeResourcePackages != nil {
			for _, p := range *resp.FreeResourcePackages {
				pkg := ResourcePackage{InstanceID: str(p.OrderInstanceId), OrderID: OrderID(str(p.OrderId)), ProductID: str(p.ProductId),
					ProductName: str(p.ProductName), ServiceType: str(p.ServiceTypeCode), ServiceTypeName: str(p.ServiceTypeName),
					Region: str(p.RegionCode), Status: num(p.Status), Effective: timeOf(p.EffectiveTime), Expire: timeOf(p.ExpireTime)}
				if p.FreeResources != nil {
					for _, f := range *p.FreeResources {
						pkg.FreeResources = append(pkg.FreeResources, FreeResource{ID: str(f.FreeResourceId), UsageTypeName: str(f.UsageTypeName),
							Remaining: quantity(f.Amount, &bad), Original: quantity(f.OriginalAmount, &bad), MeasureID: num(f.MeasureId)})
					}
				}
				out.Items = append(out.Items, pkg)
			}
		}
		return badAnswer(bad)
	})
	return out, err
}

// ResourcePackageUsages is what is left of each free resource now.
func (c *Client) ResourcePackageUsages(ctx context.Context, freeResourceIDs []string) ([]PackageUsage, error) {
	var out []PackageUsage
	err := c.call(ctx, opListPackageUsage, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("free_resources")).ListFreeResourceUsages(&model.ListFreeResourceUsagesRequest{Body: &model.ListFreeResourceUsagesReq{FreeResourceIds: freeResourceIDs}})
		if err != nil {
			return err
		}
		out = nil
		if resp.FreeResources != nil {
			for _, f := range *resp.FreeResources {
				out = append(out, PackageUsage{FreeResourceID: str(f.FreeResourceId), TypeName: str(f.FreeResourceTypeName), UsageTypeName: str(f.UsageTypeName),
					Start: timeOf(f.StartTime), End: timeOf(f.EndTime), Remaining: dec(f.Amount), Original: dec(f.OriginalAmount), MeasureID: num(f.MeasureId)})
			}
		}
		return nil
	})
	return out, err
}
