package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Orders, resource packages and catalogues.

type orderV2 struct {
	OrderID             string      `json:"order_id"`
	CustomerID          string      `json:"customer_id"`
	ServiceTypeCode     string      `json:"service_type_code"`
	ServiceTypeName     string      `json:"service_type_name"`
	SourceType          int         `json:"source_type"`
	Status              int         `json:"status"`
	OrderType           int         `json:"order_type"`
	AmountAfterDiscount json.Number `json:"amount_after_discount"`
	OfficialAmount      json.Number `json:"official_amount"`
	MeasureID           int         `json:"measure_id"`
	CreateTime          string      `json:"create_time"`
	PaymentTime         string      `json:"payment_time,omitempty"`
	Currency            string      `json:"currency"`
}

func orderJSON(o *order) orderV2 {
	return orderV2{o.id, o.customerID, o.serviceType, o.serviceTypeName, 1, o.status, o.orderType, num(o.amount), num(o.official),
		measureYuan, fmtTime(o.created), fmtTime(o.paid), currencyCNY}
}

func (s *Server) listOrders(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	offset, limit, e := page(q, 10, 100)
	if e != nil {
		return nil, e
	}
	begin, e := parseTime(q.Get("create_time_begin"))
	if e != nil {
		return nil, e
	}
	end, e := parseTime(q.Get("create_time_end"))
	if e != nil {
		return nil, e
	}
	status, e := intParam(q, "status", 0, 1, 99)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*order
	// Newest first, as the console shows them.
	for _, o := range slices.Backward(s.st.orders) {
		switch {
		case q.Get("order_id") != "" && o.id != q.Get("order_id"),
			q.Get("service_type_code") != "" && o.serviceType != q.Get("service_type_code"),
			q.Get("order_type") != "" && strconv.Itoa(o.orderType) != q.Get("order_type"),
			status != 0 && o.status != status,
			!begin.IsZero() && o.created.Before(begin),
			!end.IsZero() && o.created.After(end):
			continue
		}
		match = append(match, o)
	}
	lo, hi := window(len(match), offset, limit)
	out := make([]orderV2, 0, hi-lo)
	for _, o := range match[lo:hi] {
		out = append(out, orderJSON(o))
	}
	return struct {
		TotalCount int       `json:"total_count"`
		OrderInfos []orderV2 `json:"order_infos"`
	}{len(match), out}, nil
}

func (s *Server) showOrder(r *http.Request) (any, *apiError) {
	offset, limit, e := page(r.URL.Query(), 10, 100)
	if e != nil {
		return nil, e
	}
	type lineV2 struct {
		OrderLineItemID     string      `json:"order_line_item_id"`
		ServiceTypeCode     string      `json:"service_type_code"`
		ServiceTypeName     string      `json:"service_type_name"`
		ProductID           string      `json:"product_id"`
		ProductSpecDesc     string      `json:"product_spec_desc"`
		PeriodType          int         `json:"period_type"`
		PeriodNum           int         `json:"period_num"`
		EffectiveTime       string      `json:"effective_time"`
		ExpireTime          string      `json:"expire_time"`
		SubscriptionNum     int         `json:"subscription_num"`
		AmountAfterDiscount json.Number `json:"amount_after_discount"`
		OfficialAmount      json.Number `json:"official_amount"`
		Currency            string      `json:"currency"`
		OrderID             string      `json:"order_id"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.st.orderByID[r.PathValue("order_id")]
	if !ok {
		return nil, refuse("CBC.0100", "Invalid parameter: the order does not exist.")
	}
	lo, hi := window(len(o.lines), offset, limit)
	lines := make([]lineV2, 0, hi-lo)
	for _, l := range o.lines[lo:hi] {
		lines = append(lines, lineV2{l.id, l.serviceType, l.serviceTypeName, l.productID, l.specDesc, l.periodType, l.periodNum,
			fmtTime(l.effective), fmtTime(l.expire), 1, num(l.amount), num(l.amount), currencyCNY, o.id})
	}
	return struct {
		TotalCount     int      `json:"total_count"`
		OrderInfo      orderV2  `json:"order_info"`
		OrderLineItems []lineV2 `json:"order_line_items"`
	}{len(o.lines), orderJSON(o), lines}, nil
}

type freeResourceV3 struct {
	FreeResourceID string `json:"free_resource_id"`
	UsageTypeName  string `json:"usage_type_name"`
	Amount         string `json:"amount"` // a string here, a number in the usage details (as the SDK models them)
	OriginalAmount string `json:"original_amount"`
	MeasureID      int    `json:"measure_id"`
}

// listPackages answers ListFreeResourceInfos (POST /v3/payments/free-resources/query).
func (s *Server) listPackages(r *http.Request) (any, *apiError) {
	var req struct {
		RegionCode          string   `json:"region_code"`
		OrderID             string   `json:"order_id"`
		ProductID           string   `json:"product_id"`
		ProductName         string   `json:"product_name"`
		Status              *int     `json:"status"`
		Offset              *int     `json:"offset"`
		Limit               *int     `json:"limit"`
		ServiceTypeCodeList []string `json:"service_type_code_list"`
	}
	if r.ContentLength != 0 {
		if e := decodeBody(r, &req); e != nil {
			return nil, e
		}
	}
	offset, limit := 0, 10
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Limit != nil {
		limit = *req.Limit
	}
	if offset < 0 || limit < 1 || limit > 100 {
		return nil, badParam("offset ≥ 0 and limit 1–100")
	}
	type packageV3 struct {
		OrderInstanceID string           `json:"order_instance_id"`
		OrderID         string           `json:"order_id"`
		ProductID       string           `json:"product_id"`
		ProductName     string           `json:"product_name"`
		EffectiveTime   string           `json:"effective_time"`
		ExpireTime      string           `json:"expire_time"`
		Status          int              `json:"status"`
		ServiceTypeCode string           `json:"service_type_code"`
		ServiceTypeName string           `json:"service_type_name"`
		RegionCode      string           `json:"region_code"`
		SourceType      int              `json:"source_type"`
		QuotaReuseMode  int              `json:"quota_reuse_mode"`
		FreeResources   []freeResourceV3 `json:"free_resources"`
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*resourcePackage
	for _, p := range s.st.packages {
		switch {
		case req.RegionCode != "" && p.region != req.RegionCode,
			req.OrderID != "" && p.orderID != req.OrderID,
			req.ProductID != "" && p.productID != req.ProductID,
			req.ProductName != "" && !matches(p.productName, &req.ProductName, true),
			req.Status != nil && packageStatus(p, now) != *req.Status,
			len(req.ServiceTypeCodeList) > 0 && !slices.Contains(req.ServiceTypeCodeList, p.serviceType):
			continue
		}
		match = append(match, p)
	}
	lo, hi := window(len(match), offset, limit)
	out := make([]packageV3, 0, hi-lo)
	for _, p := range match[lo:hi] {
		pj := packageV3{p.instanceID, p.orderID, p.productID, p.productName, fmtTime(p.effective), fmtTime(p.expire), packageStatus(p, now),
			p.serviceType, p.serviceTypeName, p.region, 1, 1, nil}
		for _, f := range p.free {
			pj.FreeResources = append(pj.FreeResources, freeResourceV3{f.id, f.usageTypeName, f.remaining(now).StringFixed(2), f.original.StringFixed(2), f.measureID})
		}
		out = append(out, pj)
	}
	return struct {
		FreeResourcePackages []packageV3 `json:"free_resource_packages"`
		TotalCount           int         `json:"total_count"`
	}{out, len(match)}, nil
}

// packageStatus: 1 in effect, 2 used up, 3 expired.
func packageStatus(p *resourcePackage, now time.Time) int {
	if now.After(p.expire) {
		return 3
	}
	for _, f := range p.free {
		if f.remaining(now).IsPositive() {
			return 1
		}
	}
	return 2
}

// listPackageUsages answers ListFreeResourceUsages: what is left of each free resource now.
func (s *Server) listPackageUsages(r *http.Request) (any, *apiError) {
	var req struct {
		FreeResourceIDs []string `json:"free_resource_ids"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if len(req.FreeResourceIDs) == 0 || len(req.FreeResourceIDs) > 100 {
		return nil, badParam("free_resource_ids must hold 1 to 100 ids")
	}
	type detail struct {
		FreeResourceID       string      `json:"free_resource_id"`
		FreeResourceTypeName string      `json:"free_resource_type_name"`
		QuotaReuseCycle      int         `json:"quota_reuse_cycle"`
		QuotaReuseCycleType  int         `json:"quota_reuse_cycle_type"`
		UsageTypeName        string      `json:"usage_type_name"`
		StartTime            string      `json:"start_time"`
		EndTime              string      `json:"end_time"`
		Amount               json.Number `json:"amount"`
		OriginalAmount       json.Number `json:"original_amount"`
		MeasureID            int         `json:"measure_id"`
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []detail{}
	for _, id := range req.FreeResourceIDs {
		f, ok := s.st.freeByID[id]
		if !ok {
			continue
		}
		out = append(out, detail{f.id, f.typeName, 4, 1, f.usageTypeName, fmtTime(f.start), fmtTime(f.end), num(f.remaining(now)), num(f.original), f.measureID})
	}
	return struct {
		FreeResources []detail `json:"free_resources"`
	}{out}, nil
}

func (s *Server) listServiceTypes(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	offset, limit, e := page(q, catalogLimit, catalogMaxLimit)
	if e != nil {
		return nil, e
	}
	lang := language(r)
	type item struct {
		ServiceTypeName string `json:"service_type_name"`
		ServiceTypeCode string `json:"service_type_code"`
		Abbreviation    string `json:"abbreviation"`
	}
	var all []item
	for _, st := range s.st.catalog.serviceTypes {
		if matches(st.name.in(lang), nonEmpty(q, "service_type_name"), true) {
			all = append(all, item{st.name.in(lang), st.code, st.abbr})
		}
	}
	lo, hi := window(len(all), offset, limit)
	return struct {
		TotalCount   int    `json:"total_count"`
		ServiceTypes []item `json:"service_types"`
	}{len(all), append([]item{}, all[lo:hi]...)}, nil
}

func (s *Server) listResourceTypes(r *http.Request) (any, *apiError) {
	offset, limit, e := page(r.URL.Query(), catalogLimit, catalogMaxLimit)
	if e != nil {
		return nil, e
	}
	lang := language(r)
	type item struct {
		ResourceTypeCode string `json:"resource_type_code"`
		ResourceTypeName string `json:"resource_type_name"`
		ResourceTypeDesc string `json:"resource_type_desc"`
		ServiceTypeCode  string `json:"service_type_code"`
	}
	all := s.st.catalog.resourceTypes
	lo, hi := window(len(all), offset, limit)
	out := []item{}
	for _, rt := range all[lo:hi] {
		out = append(out, item{rt.code, rt.name.in(lang), rt.desc.in(lang), rt.service})
	}
	return struct {
		TotalCount    int    `json:"total_count"`
		ResourceTypes []item `json:"resource_types"`
	}{len(all), out}, nil
}

func (s *Server) listServiceResources(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	if q.Get("service_type_code") == "" {
		return nil, badParam("service_type_code is required")
	}
	offset, limit, e := page(q, catalogLimit, catalogMaxLimit)
	if e != nil {
		return nil, e
	}
	lang := language(r)
	type basic struct {
		ResourceTypeCode    string `json:"resource_type_code"`
		ProductOwnerService string `json:"product_owner_service"`
		Name                string `json:"name"`
		Description         string `json:"description"`
	}
	type info struct {
		BasicInfo basic `json:"basic_info"`
	}
	var all []info
	for _, rt := range s.st.catalog.resourceTypes {
		if rt.service == q.Get("service_type_code") {
			all = append(all, info{basic{rt.code, rt.service, rt.name.in(lang), rt.desc.in(lang)}})
		}
	}
	lo, hi := window(len(all), offset, limit)
	return struct {
		TotalCount int    `json:"total_count"`
		Infos      []info `json:"infos"`
	}{len(all), append([]info{}, all[lo:hi]...)}, nil
}

func (s *Server) listUsageTypes(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	offset, limit, e := page(q, catalogLimit, catalogMaxLimit)
	if e != nil {
		return nil, e
	}
	lang := language(r)
	type item struct {
		Code             string `json:"code"`
		Name             string `json:"name"`
		ResourceTypeCode string `json:"resource_type_code"`
		ServiceTypeCode  string `json:"service_type_code"`
		ResourceTypeName string `json:"resource_type_name"`
		ServiceTypeName  string `json:"service_type_name"`
	}
	var all []item
	for _, u := range s.st.catalog.usageTypes {
		// Absent is no filter; the empty string is one ("携带值为空串时，作为筛选条件").
		if rtc := given(q, "resource_type_code"); rtc != nil && u.resourceType != *rtc {
			continue
		}
		rt := s.st.catalog.resourceType(u.resourceType)
		svc := s.st.catalog.service(rt.service)
		all = append(all, item{u.code, u.name.in(lang), rt.code, svc.code, rt.name.in(lang), svc.name.in(lang)})
	}
	lo, hi := window(len(all), offset, limit)
	return struct {
		TotalCount int    `json:"total_count"`
		UsageTypes []item `json:"usage_types"`
	}{len(all), append([]item{}, all[lo:hi]...)}, nil
}
