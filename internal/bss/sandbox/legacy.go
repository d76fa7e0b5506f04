package sandbox

import (
	"net/http"

	"github.com/purser-finance/purser/internal/bss/wire"
)

// The legacy v1.0 operations: camelCase bodies, offset as a page number from 1, and some
// business refusals answered with HTTP 500.

// legacy checks the {domain_id} in the path and moves business refusals of money
// movements to HTTP 500, as the old endpoints do.
func (s *Server) legacy(h handler) handler {
	return func(r *http.Request) (any, *apiError) {
		if r.PathValue("domain_id") != s.opts.DomainID {
			return nil, &apiError{http.StatusForbidden, "CBC.0151", "Access denied: domain_id is not the caller's account."}
		}
		v, e := h(r)
		if e != nil && r.Method == http.MethodPost && e.code != "CBC.0100" && e.code != "CBC.99007461" {
			e = &apiError{http.StatusInternalServerError, e.code, e.msg}
		}
		return v, e
	}
}

// legacyPage converts a page number (from 1) into a row offset.
func legacyPage(r *http.Request, maxLimit int, required bool) (offset, limit int, e *apiError) {
	q := r.URL.Query()
	if required && (q.Get("offset") == "" || q.Get("limit") == "") {
		return 0, 0, badParam("offset and limit are required")
	}
	pageNo, e := intParam(q, "offset", 1, 1, 1<<30)
	if e != nil {
		return 0, 0, e
	}
	limit, e = intParam(q, "limit", 10, 1, maxLimit)
	if e != nil {
		return 0, 0, e
	}
	return (pageNo - 1) * limit, limit, nil
}

func (s *Server) legacySubCustomers(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	offset, limit, e := legacyPage(r, 100, false)
	if e != nil {
		return nil, e
	}
	fuzzy, e := intParam(q, "fuzzy_query", 0, 0, 1)
	if e != nil {
		return nil, e
	}
	total, subs := s.filterSubs(subFilter{name: nonEmpty(q, "sub_customer_name"), displayName: nonEmpty(q, "display_name"),
		orgID: q.Get("org_party_id"), fuzzy: fuzzy == 1, offset: offset, limit: limit})
	out := wire.SubCustomerList{TotalCount: total, SubCustomerInfos: make([]wire.SubCustomerInfo, 0, len(subs))}
	for _, sa := range subs {
		out.SubCustomerInfos = append(out.SubCustomerInfos, wire.SubCustomerInfo{ID: sa.id, Name: sa.name, DisplayName: sa.displayName,
			Status: sa.status, OrgPartyID: sa.org.id, OrgPartyName: sa.org.name})
	}
	return out, nil
}

func legacyAmounts(rows []amountRow, offset, limit int, transfer bool) wire.AmountList {
	lo, hi := window(len(rows), offset, limit)
	out := wire.AmountList{TotalCount: len(rows), AmountInfo: make([]wire.AmountInfo, 0, hi-lo)}
	for _, row := range rows[lo:hi] {
		info := wire.AmountInfo{MeasureID: measureYuan, Currency: currencyCNY, Amount: num(row.amount), CreditAmount: num(row.credit), ExpireTime: row.expire}
		if transfer {
			info.AvailTransferAmount = numPtr(row.avail)
		} else {
			info.AvailRetrieveAmount = numPtr(row.avail)
		}
		out.AmountInfo = append(out.AmountInfo, info)
	}
	return out
}

func (s *Server) legacyTransferAmount(r *http.Request) (any, *apiError) {
	bt := r.URL.Query().Get("balance_type")
	if e := checkBalanceType(bt); e != nil {
		return nil, e
	}
	offset, limit, e := legacyPage(r, 100, false)
	if e != nil {
		return nil, e
	}
	return legacyAmounts(s.masterRows(bt), offset, limit, true), nil
}

func (s *Server) legacyRetrieveAmount(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	if q.Get("sub_customer_id") == "" {
		return nil, badParam("sub_customer_id is required")
	}
	bt := q.Get("balance_type")
	if e := checkBalanceType(bt); e != nil {
		return nil, e
	}
	offset, limit, e := legacyPage(r, 100, false)
	if e != nil {
		return nil, e
	}
	rows, e := s.subRows(q.Get("sub_customer_id"), bt)
	if e != nil {
		return nil, e
	}
	return legacyAmounts(rows, offset, limit, false), nil
}

func (s *Server) legacyTransfer(r *http.Request) (any, *apiError) {
	var req wire.TransferRequest
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.DeductMode != wire.DeductModeImmediate {
		return nil, badParam("deductMode must be %q", wire.DeductModeImmediate)
	}
	return nil, s.move(r, movement{kind: kindTransfer, customerID: req.SubCustomerID, amount: req.TotalTransferAmount, transID: req.TransID,
		balanceType: req.BalanceType, expire: req.ExpireTime, maxTransID: 64, legacy: true})
}

func (s *Server) legacyRetrieve(r *http.Request) (any, *apiError) {
	var req wire.RetrieveRequest
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.DeductMode != wire.DeductModeImmediate {
		return nil, badParam("deductMode must be %q", wire.DeductModeImmediate)
	}
	return nil, s.move(r, movement{kind: kindRetrieve, customerID: req.SubCustomerID, amount: req.TotalRetrieveAmout, transID: req.TransID,
		balanceType: req.BalanceType, expire: req.ExpireTime, maxTransID: 64, legacy: true})
}

func (s *Server) legacyOrderResources(r *http.Request) (any, *apiError) {
	offset, limit, e := legacyPage(r, 50, true)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.st.orderByID[r.PathValue("order_id")]
	if !ok {
		return nil, refuse("CBC.0100", "Invalid parameter: the order does not exist.")
	}
	lo, hi := window(len(o.resources), offset, limit)
	out := wire.OrderResources{TotalSize: len(o.resources), Resources: make([]wire.OrderResource, 0, hi-lo)}
	for _, res := range o.resources[lo:hi] {
		size := res.specSize
		out.Resources = append(out.Resources, wire.OrderResource{ResourceID: res.resourceID, CloudServiceType: res.serviceType,
			RegionCode: res.region, ResourceType: res.resourceType, ResourceSpecCode: res.specCode,
			ResourceSize: num(size), ResouceSizeMeasureID: res.specSizeMeasure, Status: res.status})
	}
	return out, nil
}
