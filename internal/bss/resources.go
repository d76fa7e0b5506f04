package bss

import (
	"context"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

const (
	opListResources    = "ListPayPerUseCustomerResources"
	opRenew            = "RenewalResources"
	opUnsubscribe      = "CancelResourcesSubscription"
	opToOnDemand       = "UpdatePeriodToOnDemand"
	opAutoRenew        = "AutoRenewalResources"
	opCancelAutoRenew  = "CancelAutoRenewalResources"
	opListOrders       = "ListCustomerOrders"
	opShowOrder        = "ShowCustomerOrderDetails"
	opListPackages     = "ListFreeResourceInfos"
	opListPackageUsage = "ListFreeResourceUsages"
)

func ids(in []ResourceID) []string {
	out := make([]string, len(in))
	for i, id := range in {
		out[i] = string(id)
	}
	return out
}

// Resources lists the yearly/monthly resources of the signing account (the SDK calls the
// operation ListPayPerUseCustomerResources; its path says "suscriptions").
func (c *Client) Resources(ctx context.Context, q ResourceQuery) (ResourcePage, error) {
	var out ResourcePage
	err := c.call(ctx, opListResources, kindRead, func(ctx context.Context) error {
		body := &model.QueryResourcesReq{OrderId: optStr(string(q.OrderID)), Offset: ptr(int32(q.Offset)), Limit: optInt(q.Limit),
			ExpireTimeBegin: timeText(q.ExpireFrom), ExpireTimeEnd: timeText(q.ExpireTo), ServiceTypeCode: optStr(q.ServiceType)}
		if len(q.ResourceIDs) > 0 {
			body.ResourceIds = ptr(ids(q.ResourceIDs))
		}
		if q.OnlyMain {
			body.OnlyMainResource = ptr(int32(1))
		}
		if len(q.Statuses) > 0 {
			st := make([]int32, len(q.Statuses))
			for i, s := range q.Statuses {
				st[i] = int32(s)
			}
			body.StatusList = &st
		}
		resp, err := c.sdk(ctx, reads("total_count", "data")).ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: body})
		if err != nil {
			return err
		}
		out = ResourcePage{Total: num(resp.TotalCount)}
		if resp.Data != nil {
			for _, r := range *resp.Data {
				out.Items = append(out.Items, Resource{InstanceID: str(r.Id), ID: ResourceID(str(r.ResourceId)), Name: str(r.ResourceName),
					Region: str(r.RegionCode), ServiceType: str(r.ServiceTypeCode), ServiceTypeName: str(r.ServiceTypeName),
					ResourceType: str(r.ResourceTypeCode), ResourceTypeName: str(r.ResourceTypeName), SpecCode: str(r.ResourceSpecCode),
					SpecDesc: str(r.ProductSpecDesc), ProjectID: str(r.ProjectId), ProductID: str(r.ProductId), ParentID: ResourceID(str(r.ParentResourceId)),
					IsMain: num(r.IsMainResource) == 1, Status: ResourceStatus(num(r.Status)), Effective: timeOf(r.EffectiveTime), Expire: timeOf(r.ExpireTime),
					ExpirePolicy: ExpirePolicy(num(r.ExpirePolicy)), SpecSize: dec(r.SpecSize), SpecSizeMeasure: num(r.SpecSizeMeasureId), Updated: timeOf(r.UpdateTime)})
			}
		}
		return nil
	})
	return out, err
}

func failures(in *[]model.FailResourceInfo) []ResourceFailure {
	if in == nil {
		return nil
	}
	out := make([]ResourceFailure, 0, len(*in))
	for _, f := range *in {
		out = append(out, ResourceFailure{ResourceID: ResourceID(str(f.ResourceId)), Code: str(f.ErrorCode), Message: str(f.ErrorMsg)})
	}
	return out
}

// orderResult: failures beside created orders are a partial success; failures without any
// order are a refusal.
func orderResult(orderIDs *[]string, fails []ResourceFailure) (OrderResult, error) {
	var out OrderResult
	if orderIDs != nil {
		for _, id := range *orderIDs {
			out.OrderIDs = append(out.OrderIDs, OrderID(id))
		}
	}
	out.Failures = fails
	if len(out.OrderIDs) == 0 && len(fails) > 0 {
		return out, refusedResources(fails)
	}
	return out, nil
}

// refusedResources is the error of a call where every resource was refused.
func refusedResources(fails []ResourceFailure) *Error {
	e := &Error{HTTPStatus: 200, Code: fails[0].Code, Message: fails[0].Message, Failures: fails, Kind: kindOfCode(fails[0].Code)}
	if e.Kind == nil {
		e.Kind = ErrPartialFailure
	}
	return e
}

// Renew renews main resources; each renewed resource and its children get the period added.
// Never retried after it may have arrived: a second renewal would buy a second period.
func (c *Client) Renew(ctx context.Context, r RenewRequest) (OrderResult, error) {
	var out OrderResult
	err := c.call(ctx, opRenew, kindWrite, func(ctx context.Context) error {
		body := &model.RenewalResourcesReq{ResourceIds: ids(r.ResourceIDs), PeriodType: int32(r.PeriodType), PeriodNum: int32(r.PeriodNum), IsAutoPay: ptr(int32(0))}
		if r.AutoPay {
			body.IsAutoPay = ptr(int32(1))
		}
		resp, err := c.sdk(ctx, writes("order_ids", "fail_resource_infos")).RenewalResources(&model.RenewalResourcesRequest{Body: body})
		if err != nil {
			return err
		}
		var rerr error
		out, rerr = orderResult(resp.OrderIds, failures(resp.FailResourceInfos))
		return rerr
	})
	return out, withFailures(err, out.Failures)
}

// withFailures keeps per-resource refusals on the returned error.
func withFailures(err error, fails []ResourceFailure) error {
	if e, ok := err.(*Error); ok && len(e.Failures) == 0 {
		e.Failures = fails
	}
	return err
}

// Unsubscribe unsubscribes main resources (type 1) or only their renewed periods (type 2).
func (c *Client) Unsubscribe(ctx context.Context, r UnsubscribeRequest) (OrderResult, error) {
	var out OrderResult
	err := c.call(ctx, opUnsubscribe, kindWrite, func(ctx context.Context) error {
		body := &model.UnsubscribeResourcesReq{ResourceIds: ids(r.ResourceIDs), UnsubscribeType: int32(r.Type),
			UnsubscribeReasonType: optInt(r.ReasonType), UnsubscribeReason: optStr(r.Reason)}
		resp, err := c.sdk(ctx, writes("order_ids", "fail_resource_infos")).CancelResourcesSubscription(&model.CancelResourcesSubscriptionRequest{Body: body})
		if err != nil {
			return err
		}
		var rerr error
		out, rerr = orderResult(resp.OrderIds, failures(resp.FailResourceInfos))
		return rerr
	})
	return out, withFailures(err, out.Failures)
}

// ToOnDemand sets or cancels "switch to pay-per-use at expiry" for up to 100 main
// resources. Refusals per resource are returned; when every resource is refused the call
// also returns an error.
func (c *Client) ToOnDemand(ctx context.Context, r ToOnDemandRequest) ([]ResourceFailure, error) {
	var fails []ResourceFailure
	err := c.call(ctx, opToOnDemand, kindWrite, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, writesAtMost("error_details")).UpdatePeriodToOnDemand(&model.UpdatePeriodToOnDemandRequest{Body: &model.PeriodToOnDemandReq{
			Operation: string(r.Operation), ResourceIds: ids(r.ResourceIDs)}})
		if err != nil {
			return err
		}
		fails = nil
		if resp.ErrorDetails != nil {
			for _, d := range *resp.ErrorDetails {
				fails = append(fails, ResourceFailure{ResourceID: ResourceID(str(d.Id)), Code: str(d.ErrorCode), Message: str(d.ErrorMsg)})
			}
		}
		if len(fails) > 0 && len(fails) >= len(r.ResourceIDs) {
			return refusedResources(fails)
		}
		return nil
	})
	return fails, withFailures(err, fails)
}

// SetAutoRenew turns auto-renewal on for one resource. Setting it twice is harmless, so
// it is retried like a read.
func (c *Client) SetAutoRenew(ctx context.Context, r AutoRenewRequest) error {
	return c.call(ctx, opAutoRenew, kindRead, func(ctx context.Context) error {
		body := &model.AutoRenewalResourcesReq{AutoRenewTimes: optInt(r.Times)}
		switch r.PeriodType {
		case "MONTH":
			body.PeriodType = ptr(model.GetAutoRenewalResourcesReqPeriodTypeEnum().MONTH)
		case "YEAR":
			body.PeriodType = ptr(model.GetAutoRenewalResourcesReqPeriodTypeEnum().YEAR)
		}
		_, err := c.sdk(ctx, writesAtMost()).AutoRenewalResources(&model.AutoRenewalResourcesRequest{ResourceId: string(r.ResourceID), Body: body})
		return err
	})
}

// CancelAutoRenew turns auto-renewal off; idempotent, so retried like a read.
func (c *Client) CancelAutoRenew(ctx context.Context, id ResourceID) error {
	return c.call(ctx, opCancelAutoRenew, kindRead, func(ctx context.Context) error {
		_, err := c.sdk(ctx, writesAtMost()).CancelAutoRenewalResources(&model.CancelAutoRenewalResourcesRequest{ResourceId: string(id)})
		return err
	})
}
