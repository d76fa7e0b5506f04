package bss

import (
	"context"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

const (
	opListServiceTypes     = "ListServiceTypes"
	opListResourceTypes    = "ListResourceTypes"
	opListServiceResources = "ListServiceResources"
	opListUsageTypes       = "ListUsageTypes"
)

func lang(l Language) *string {
	if l == "" {
		return nil
	}
	return ptr(string(l))
}

// ServiceTypes lists cloud service types in q.Lang; the int is the total count.
func (c *Client) ServiceTypes(ctx context.Context, q CatalogQuery) ([]ServiceType, int, error) {
	var out []ServiceType
	var total int
	err := c.call(ctx, opListServiceTypes, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "service_types")).ListServiceTypes(&model.ListServiceTypesRequest{XLanguage: lang(q.Lang), Offset: ptr(int32(q.Offset)), Limit: optInt(q.Limit)})
		if err != nil {
			return err
		}
		out, total = nil, num(resp.TotalCount)
		if resp.ServiceTypes != nil {
			for _, s := range *resp.ServiceTypes {
				out = append(out, ServiceType{Code: str(s.ServiceTypeCode), Name: str(s.ServiceTypeName), Abbreviation: str(s.Abbreviation)})
			}
		}
		return nil
	})
	return out, total, err
}

// ResourceTypes lists resource types in q.Lang.
func (c *Client) ResourceTypes(ctx context.Context, q CatalogQuery) ([]ResourceType, int, error) {
	var out []ResourceType
	var total int
	err := c.call(ctx, opListResourceTypes, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "resource_types")).ListResourceTypes(&model.ListResourceTypesRequest{XLanguage: lang(q.Lang), Offset: ptr(int32(q.Offset)), Limit: optInt(q.Limit)})
		if err != nil {
			return err
		}
		out, total = nil, num(resp.TotalCount)
		if resp.ResourceTypes != nil {
			for _, r := range *resp.ResourceTypes {
				out = append(out, ResourceType{Code: str(r.ResourceTypeCode), Name: str(r.ResourceTypeName), Description: str(r.ResourceTypeDesc), ServiceType: str(r.ServiceTypeCode)})
			}
		}
		return nil
	})
	return out, total, err
}

// ServiceResources lists the resource types of one service in q.Lang.
func (c *Client) ServiceResources(ctx context.Context, serviceType string, q CatalogQuery) ([]ServiceResource, int, error) {
	var out []ServiceResource
	var total int
	err := c.call(ctx, opListServiceResources, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "infos")).ListServiceResources(&model.ListServiceResourcesRequest{XLanguage: lang(q.Lang), ServiceTypeCode: serviceType,
			Offset: ptr(int32(q.Offset)), Limit: optInt(q.Limit)})
		if err != nil {
			return err
		}
		out, total = nil, num(resp.TotalCount)
		if resp.Infos != nil {
			for _, i := range *resp.Infos {
				if b := i.BasicInfo; b != nil {
					out = append(out, ServiceResource{ResourceType: str(b.ResourceTypeCode), OwnerService: str(b.ProductOwnerService), Name: str(b.Name), Description: str(b.Description)})
				}
			}
		}
		return nil
	})
	return out, total, err
}

// UsageTypes lists usage types, of one resource type when resourceType is set.
func (c *Client) UsageTypes(ctx context.Context, resourceType string, q CatalogQuery) ([]UsageType, int, error) {
	var out []UsageType
	var total int
	err := c.call(ctx, opListUsageTypes, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "usage_types")).ListUsageTypes(&model.ListUsageTypesRequest{XLanguage: lang(q.Lang), ResourceTypeCode: optStr(resourceType),
			Offset: ptr(int32(q.Offset)), Limit: optInt(q.Limit)})
		if err != nil {
			return err
		}
		out, total = nil, num(resp.TotalCount)
		if resp.UsageTypes != nil {
			for _, u := range *resp.UsageTypes {
				out = append(out, UsageType{Code: str(u.Code), Name: str(u.Name), ResourceType: str(u.ResourceTypeCode), ResourceTypeName: str(u.ResourceTypeName),
					ServiceType: str(u.ServiceTypeCode), ServiceTypeName: str(u.ServiceTypeName)})
			}
		}
		return nil
	})
	return out, total, err
}
