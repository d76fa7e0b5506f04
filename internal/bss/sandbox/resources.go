package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/shopspring/decimal"
)

// Stored-value cards, the caller's balances and the yearly/monthly resources of the
// account that signs the call (the master).

func (s *Server) listCards(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	status, e := intParam(q, "status", 0, 1, 2)
	if e != nil || status == 0 {
		return nil, badParam("status is required: 1 usable or 2 used up")
	}
	offset, limit, e := page(q, 10, 100)
	if e != nil {
		return nil, e
	}
	type cardV2 struct {
		CardID        string `json:"card_id"`
		CardName      string `json:"card_name"`
		Status        int    `json:"status"`
		FaceValue     string `json:"face_value"`
		Balance       string `json:"balance"`
		EffectiveTime string `json:"effective_time"`
		ExpireTime    string `json:"expire_time"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*card
	for _, c := range s.st.cards {
		if c.status == status && (q.Get("card_id") == "" || q.Get("card_id") == c.id) {
			match = append(match, c)
		}
	}
	lo, hi := window(len(match), offset, limit)
	out := make([]cardV2, 0, hi-lo)
	for _, c := range match[lo:hi] {
		out = append(out, cardV2{c.id, c.name, c.status, c.face.StringFixed(2), c.balance.StringFixed(2), fmtTime(c.effective), fmtTime(c.expire)})
	}
	return struct {
		TotalCount       int      `json:"total_count"`
		StoredValueCards []cardV2 `json:"stored_value_cards"`
	}{len(match), out}, nil
}

func (s *Server) showBalances(r *http.Request) (any, *apiError) {
	type balanceV3 struct {
		AccountID        string      `json:"account_id"`
		AccountType      int         `json:"account_type"` // 1 cash, 2 credit, 5 reward
		Amount           json.Number `json:"amount"`
		Currency         string      `json:"currency"`
		DesignatedAmount json.Number `json:"designated_amount"`
		CreditAmount     json.Number `json:"credit_amount"`
		MeasureID        int         `json:"measure_id"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	credit, line := decimal.Zero, decimal.Zero
	for _, l := range st.masterCredit {
		credit, line = credit.Add(l.avail), line.Add(l.creditAmount)
	}
	zero := num(decimal.Zero)
	return struct {
		AccountBalances []balanceV3 `json:"account_balances"`
		DebtAmount      json.Number `json:"debt_amount"`
		MeasureID       int         `json:"measure_id"`
		Currency        string      `json:"currency"`
	}{[]balanceV3{
		{st.domainID + "-1", 1, num(st.masterDebit), currencyCNY, zero, zero, measureYuan},
		{st.domainID + "-2", 2, num(credit), currencyCNY, zero, num(line), measureYuan},
		{st.domainID + "-5", 5, num(st.masterBonus), currencyCNY, zero, zero, measureYuan},
	}, zero, measureYuan, currencyCNY}, nil
}

type resourceV2 struct {
	ID                string       `json:"id"`
	ResourceID        string       `json:"resource_id"`
	ResourceName      string       `json:"resource_name"`
	RegionCode        string       `json:"region_code"`
	ServiceTypeCode   string       `json:"service_type_code"`
	ResourceTypeCode  string       `json:"resource_type_code"`
	ResourceTypeName  string       `json:"resource_type_name"`
	ServiceTypeName   string       `json:"service_type_name"`
	ResourceSpecCode  string       `json:"resource_spec_code"`
	ProjectID         string       `json:"project_id"`
	ProductID         string       `json:"product_id"`
	ParentResourceID  string       `json:"parent_resource_id,omitempty"`
	IsMainResource    int          `json:"is_main_resource"`
	Status            int          `json:"status"`
	EffectiveTime     string       `json:"effective_time"`
	ExpireTime        string       `json:"expire_time"`
	ExpirePolicy      int          `json:"expire_policy"`
	ProductSpecDesc   string       `json:"product_spec_desc"`
	SpecSize          *json.Number `json:"spec_size,omitempty"`
	SpecSizeMeasureID *int         `json:"spec_size_measure_id,omitempty"`
	UpdateTime        string       `json:"update_time"`
}

func resourceJSON(r *resource) resourceV2 {
	out := resourceV2{ID: r.instanceID, ResourceID: r.resourceID, ResourceName: r.name, RegionCode: r.region, ServiceTypeCode: r.serviceType,
		ResourceTypeCode: r.resourceType, ResourceTypeName: r.resourceTypeName, ServiceTypeName: r.serviceTypeName, ResourceSpecCode: r.specCode,
		ProjectID: r.projectID, ProductID: r.productID, ParentResourceID: r.parentID, Status: r.status, EffectiveTime: fmtTime(r.effective),
		ExpireTime: fmtTime(r.expire), ExpirePolicy: r.expirePolicy, ProductSpecDesc: r.specDesc, UpdateTime: fmtTime(r.updated)}
	if r.isMain {
		out.IsMainResource = 1
	}
	if r.specSizeMeasure != 0 {
		out.SpecSize, out.SpecSizeMeasureID = numPtr(r.specSize), &r.specSizeMeasure
	}
	return out
}

type resourceQueryV2 struct {
	ResourceIDs      []string `json:"resource_ids"`
	OrderID          string   `json:"order_id"`
	OnlyMainResource int      `json:"only_main_resource"`
	StatusList       []int    `json:"status_list"`
	Offset           *int     `json:"offset"`
	Limit            *int     `json:"limit"`
	ExpireTimeBegin  string   `json:"expire_time_begin"`
	ExpireTimeEnd    string   `json:"expire_time_end"`
	ServiceTypeCode  string   `json:"service_type_code"`
}

func (s *Server) queryResources(r *http.Request) (any, *apiError) {
	var req resourceQueryV2
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	offset, limit := 0, 10
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Limit != nil {
		limit = *req.Limit
	}
	if offset < 0 || limit < 1 || limit > 500 || len(req.ResourceIDs) > 50 {
		return nil, badParam("offset ≥ 0, limit 1–500, at most 50 resource_ids")
	}
	begin, e := parseTime(req.ExpireTimeBegin)
	if e != nil {
		return nil, e
	}
	end, e := parseTime(req.ExpireTimeEnd)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*resource
	for _, res := range s.st.resources {
		switch {
		case len(req.ResourceIDs) > 0 && !slices.Contains(req.ResourceIDs, res.resourceID),
			req.OnlyMainResource == 1 && !res.isMain,
			len(req.StatusList) > 0 && !slices.Contains(req.StatusList, res.status),
			len(req.StatusList) == 0 && res.status == 3, // closed resources are hidden unless asked for
			!begin.IsZero() && res.expire.Before(begin),
			!end.IsZero() && res.expire.After(end),
			req.ServiceTypeCode != "" && res.serviceType != req.ServiceTypeCode:
			continue
		}
		match = append(match, res)
	}
	lo, hi := window(len(match), offset, limit)
	out := make([]resourceV2, 0, hi-lo)
	for _, res := range match[lo:hi] {
		out = append(out, resourceJSON(res))
	}
	return struct {
		Data       []resourceV2 `json:"data"`
		TotalCount int          `json:"total_count"`
	}{out, len(match)}, nil
}

type failResourceV2 struct {
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
	ResourceID string `json:"resource_id"`
}

// mainResource finds a resource that subscription operations may act on.
func (st *state) mainResource(id string) (*resource, *failResourceV2) {
	res, ok := st.resByID[id]
	switch {
	case !ok || res.status == 3:
		return nil, &failResourceV2{"CBC.30000067", "The resource has been deleted or is not synchronised.", id}
	case !res.isMain:
		return nil, &failResourceV2{"CBC.30010036", "The resource is not a main resource.", id}
	}
	return res, nil
}

func checkResourceIDs(ids []string, max int) *apiError {
	if len(ids) == 0 || len(ids) > max {
		return badParam("resource_ids must hold 1 to %d ids", max)
	}
	return nil
}

func (s *Server) newOrder(orderType int, paid bool, resources []*resource, lines []orderLine) *order {
	st := s.st
	now := s.now().UTC()
	st.nextSeq++
	o := &order{id: fmt.Sprintf("CS%s%05d", now.Format("0601021504"), st.nextSeq%100000), customerID: st.domainID,
		serviceType: resources[0].serviceType, serviceTypeName: resources[0].serviceTypeName, orderType: orderType,
		status: 6, created: now, lines: lines}
	if paid {
		o.status, o.paid = 5, now
	}
	for _, l := range lines {
		o.amount = o.amount.Add(l.amount)
	}
	o.official = o.amount
	for _, r := range resources {
		o.resources = append(o.resources, r)
		o.resources = append(o.resources, r.children...)
	}
	st.orders = append(st.orders, o)
	st.orderByID[o.id] = o
	return o
}

type renewRequestV2 struct {
	ResourceIDs []string `json:"resource_ids"`
	PeriodType  int      `json:"period_type"`
	PeriodNum   int      `json:"period_num"`
	IsAutoPay   int      `json:"is_auto_pay"`
}

func periodMonths(periodType, periodNum int) (int, *apiError) {
	switch {
	case periodType == 2 && periodNum >= 1 && periodNum <= 11:
		return periodNum, nil
	case periodType == 3 && periodNum >= 1 && periodNum <= 3:
		return 12 * periodNum, nil
	}
	return 0, badParam("period_type 2 takes period_num 1–11, period_type 3 takes 1–3")
}

// renewResources extends each main resource and its children by the period and records one
// order with the renewed resources (the legacy order endpoint lists them).
func (s *Server) renewResources(r *http.Request) (any, *apiError) {
	var req renewRequestV2
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if e := checkResourceIDs(req.ResourceIDs, 10); e != nil {
		return nil, e
	}
	months, e := periodMonths(req.PeriodType, req.PeriodNum)
	if e != nil {
		return nil, e
	}
	if req.IsAutoPay != 0 && req.IsAutoPay != 1 {
		return nil, badParam("is_auto_pay must be 0 or 1")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var fails []failResourceV2
	var renewed []*resource
	var lines []orderLine
	official := decimal.Zero
	now := s.now().UTC()
	for _, id := range req.ResourceIDs {
		res, fail := s.st.mainResource(id)
		if fail == nil && res.status == 4 {
			fail = &failResourceV2{"CBC.99003602", "The resource has expired or is frozen and cannot be renewed.", id}
		}
		if fail != nil {
			fails = append(fails, *fail)
			continue
		}
		from := res.expire
		// Charged as quoted with include_relative_resources: a renewal renews the children too.
		list := renewalList(res, req.PeriodType, req.PeriodNum, true)
		for _, x := range append([]*resource{res}, res.children...) {
			x.expire = x.expire.AddDate(0, months, 0)
			if x.status == 5 && x.expire.After(now) {
				x.status = 2
			}
			x.updated = now
		}
		res.renewedMonths += months
		renewed = append(renewed, res)
		lines = append(lines, orderLine{id: fmt.Sprintf("%s-%d", res.resourceID, len(lines)+1), serviceType: res.serviceType,
			serviceTypeName: res.serviceTypeName, productID: res.productID, specDesc: res.specDesc, periodType: req.PeriodType,
			periodNum: req.PeriodNum, effective: from, expire: res.expire, amount: list.Sub(discountOf(list))})
		official = official.Add(list)
	}
	orderIDs := []string{}
	if len(renewed) > 0 {
		o := s.newOrder(2, req.IsAutoPay == 1, renewed, lines)
		o.official = official
		orderIDs = append(orderIDs, o.id)
	}
	return struct {
		OrderIDs          []string         `json:"order_ids"`
		FailResourceInfos []failResourceV2 `json:"fail_resource_infos,omitempty"`
	}{orderIDs, fails}, nil
}

type unsubscribeRequestV2 struct {
	ResourceIDs           []string `json:"resource_ids"`
	UnsubscribeType       int      `json:"unsubscribe_type"`
	UnsubscribeReasonType *int     `json:"unsubscribe_reason_type"`
	UnsubscribeReason     string   `json:"unsubscribe_reason"`
}

// unsubscribeResources closes resources (type 1) or gives back their renewed periods
// (type 2). When every resource is refused, the upstream answers HTTP 200 with an
// error_code in the body — a quirk clients must look for.
func (s *Server) unsubscribeResources(r *http.Request) (any, *apiError) {
	var req unsubscribeRequestV2
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if e := checkResourceIDs(req.ResourceIDs, 10); e != nil {
		return nil, e
	}
	if req.UnsubscribeType != 1 && req.UnsubscribeType != 2 {
		return nil, badParam("unsubscribe_type must be 1 or 2")
	}
	if rt := req.UnsubscribeReasonType; rt != nil && (*rt < 1 || *rt > 5) {
		return nil, badParam("unsubscribe_reason_type must be 1–5")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var fails []failResourceV2
	var done []*resource
	now := s.now().UTC()
	for _, id := range req.ResourceIDs {
		res, fail := s.st.mainResource(id)
		if fail == nil && req.UnsubscribeType == 2 && res.renewedMonths == 0 {
			fail = &failResourceV2{"CBC.99007004", "The resource has no renewed period to unsubscribe.", id}
		}
		if fail != nil {
			fails = append(fails, *fail)
			continue
		}
		for _, x := range append([]*resource{res}, res.children...) {
			if req.UnsubscribeType == 1 {
				x.status = 3
			} else {
				x.expire = x.expire.AddDate(0, -res.renewedMonths, 0)
			}
			x.updated = now
		}
		res.renewedMonths = 0
		done = append(done, res)
	}
	if len(done) == 0 {
		return struct {
			ErrorCode         string           `json:"error_code"`
			ErrorMsg          string           `json:"error_msg"`
			FailResourceInfos []failResourceV2 `json:"fail_resource_infos"`
		}{fails[0].ErrorCode, fails[0].ErrorMsg, fails}, nil
	}
	lines := make([]orderLine, 0, len(done))
	for _, res := range done {
		lines = append(lines, orderLine{id: res.resourceID + "-u", serviceType: res.serviceType, serviceTypeName: res.serviceTypeName,
			productID: res.productID, specDesc: res.specDesc, effective: now, expire: res.expire, amount: decimal.Zero})
	}
	o := s.newOrder(4, true, done, lines)
	return struct {
		OrderIDs          []string         `json:"order_ids"`
		FailResourceInfos []failResourceV2 `json:"fail_resource_infos,omitempty"`
	}{[]string{o.id}, fails}, nil
}

// toOnDemand sets (SET_UP) or cancels (CANCEL) "switch to pay-per-use at expiry".
// Refusals per resource come back in error_details of a 200.
func (s *Server) toOnDemand(r *http.Request) (any, *apiError) {
	var req struct {
		Operation   string   `json:"operation"`
		ResourceIDs []string `json:"resource_ids"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.Operation != "SET_UP" && req.Operation != "CANCEL" {
		return nil, badParam("operation must be SET_UP or CANCEL")
	}
	if e := checkResourceIDs(req.ResourceIDs, 100); e != nil {
		return nil, e
	}
	type errorDetail struct {
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
		ID        string `json:"id"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	details := []errorDetail{}
	for _, id := range req.ResourceIDs {
		res, fail := s.st.mainResource(id)
		if fail != nil {
			details = append(details, errorDetail{fail.ErrorCode, fail.ErrorMsg, id})
			continue
		}
		if req.Operation == "SET_UP" {
			res.expirePolicy = 1
		} else if res.expirePolicy == 1 {
			res.expirePolicy = 0
		}
		res.updated = s.now().UTC()
	}
	return struct {
		ErrorDetails []errorDetail `json:"error_details"`
	}{details}, nil
}

func (s *Server) setAutoRenew(r *http.Request) (any, *apiError) {
	var req struct {
		AutoRenewTimes *int   `json:"auto_renew_times"`
		PeriodType     string `json:"period_type"`
	}
	if r.ContentLength != 0 {
		if e := decodeBody(r, &req); e != nil {
			return nil, e
		}
	}
	if req.PeriodType != "" && req.PeriodType != "MONTH" && req.PeriodType != "YEAR" {
		return nil, badParam("period_type must be MONTH or YEAR")
	}
	if req.AutoRenewTimes != nil && (*req.AutoRenewTimes < 1 || *req.AutoRenewTimes > 99) {
		return nil, badParam("auto_renew_times must be 1–99")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res, fail := s.st.mainResource(r.PathValue("resource_id"))
	if fail != nil {
		return nil, refuse(fail.ErrorCode, fail.ErrorMsg)
	}
	res.expirePolicy, res.autoRenewPeriod, res.updated = 3, req.PeriodType, s.now().UTC()
	if req.AutoRenewTimes != nil {
		res.autoRenewTimes = *req.AutoRenewTimes
	}
	return nil, nil
}

func (s *Server) cancelAutoRenew(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res, fail := s.st.mainResource(r.PathValue("resource_id"))
	if fail != nil {
		return nil, refuse(fail.ErrorCode, fail.ErrorMsg)
	}
	if res.expirePolicy == 3 {
		res.expirePolicy = 0
	}
	res.autoRenewTimes, res.autoRenewPeriod, res.updated = 0, "", s.now().UTC()
	return nil, nil
}
