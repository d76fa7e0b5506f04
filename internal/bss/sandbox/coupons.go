package sandbox

import (
	"fmt"
	"net/http"
)

type useLimitV2 struct {
	UseLimitiInfoID string `json:"use_limiti_info_id"` // sic, as upstream
	LimitKey        string `json:"limit_key"`
	Value1          string `json:"value1"`
	Value2          string `json:"value2"`
	ValueUnit       string `json:"value_unit"`
	LimitType       string `json:"limit_type"`
	PromotionPlanID string `json:"promotion_plan_id"`
}

type couponV2 struct {
	CouponID      string       `json:"coupon_id"`
	SubCouponID   string       `json:"sub_coupon_id,omitempty"`
	PlanName      string       `json:"plan_name"`
	Balance       string       `json:"balance"`
	EffectiveTime string       `json:"effective_time"`
	ExpireTime    string       `json:"expire_time"`
	UseLimits     []useLimitV2 `json:"use_limits"`
}

func couponJSON(c *coupon, subCouponID, balance string) couponV2 {
	out := couponV2{CouponID: c.id, SubCouponID: subCouponID, PlanName: c.plan, Balance: balance,
		EffectiveTime: fmtTime(c.effective), ExpireTime: fmtTime(c.expire), UseLimits: []useLimitV2{}}
	for _, l := range c.limits {
		out.UseLimits = append(out.UseLimits, useLimitV2{l.id, l.key, l.value1, l.value2, l.unit, l.limitType, l.planID})
	}
	return out
}

func (s *Server) listTransferCoupons(r *http.Request) (any, *apiError) {
	offset, limit, e := page(r.URL.Query(), 10, 100)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var avail []*coupon
	for _, c := range s.st.coupons {
		if c.balance.IsPositive() {
			avail = append(avail, c)
		}
	}
	lo, hi := window(len(avail), offset, limit)
	out := make([]couponV2, 0, hi-lo)
	for _, c := range avail[lo:hi] {
		out = append(out, couponJSON(c, "", c.balance.StringFixed(2)))
	}
	return struct {
		TotalCount           int        `json:"total_count"`
		AvailTransferCoupons []couponV2 `json:"avail_transfer_coupons"`
	}{len(avail), out}, nil
}

func (s *Server) listRetrieveCoupons(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	if q.Get("sub_customer_id") == "" {
		return nil, badParam("sub_customer_id is required")
	}
	offset, limit, e := page(q, 10, 100)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sa, ok := s.st.subByID[q.Get("sub_customer_id")]
	if !ok {
		return nil, refuse("CBC.99000047", "The account does not exist.")
	}
	lo, hi := window(len(sa.subCoupons), offset, limit)
	out := make([]couponV2, 0, hi-lo)
	for _, sc := range sa.subCoupons[lo:hi] {
		out = append(out, couponJSON(s.st.couponByID[sc.couponID], sc.subCouponID, sc.balance.StringFixed(2)))
	}
	return struct {
		TotalCount           int        `json:"total_count"`
		AvailRetrieveCoupons []couponV2 `json:"avail_retrieve_coupons"`
	}{len(sa.subCoupons), out}, nil
}

type couponMoveV2 struct {
	CustomerID  string `json:"customer_id"`
	CouponID    string `json:"coupon_id"`
	SubCouponID string `json:"sub_coupon_id"`
	Amount      string `json:"amount"`
	TransID     string `json:"trans_id"`
}

func (s *Server) couponTarget(st *state, req couponMoveV2) (*subAccount, *coupon, *apiError) {
	sa, e := st.movableSub(req.CustomerID)
	if e != nil {
		return nil, nil, e
	}
	if sa.otherEntity {
		return nil, nil, refuse("CBC.99000086", "No valid master-sub relationship: coupons move only within the same legal entity.")
	}
	c, ok := st.couponByID[req.CouponID]
	if !ok {
		return nil, nil, badParam("coupon_id does not exist")
	}
	return sa, c, nil
}

func (s *Server) transferCoupon(r *http.Request) (any, *apiError) {
	var req couponMoveV2
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.CustomerID == "" || req.CouponID == "" {
		return nil, badParam("customer_id and coupon_id are required")
	}
	amount, e := parseMoveAmount(req.Amount)
	if e != nil {
		return nil, e
	}
	if req.TransID, e = v2TransID(req.TransID); e != nil {
		return nil, e
	}
	done, e := s.beginMovement(r)
	if e != nil {
		return nil, e
	}
	defer done()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if _, dup := st.transIDs[req.TransID]; dup {
		return nil, refuse("CBC.99007009", "The transaction ID already exists.")
	}
	sa, c, e := s.couponTarget(st, req)
	if e != nil {
		return nil, e
	}
	if c.balance.LessThan(amount) {
		return nil, refuse("CBC.99005003", "Insufficient coupon balance.")
	}
	c.balance = c.balance.Sub(amount)
	st.nextSeq++
	sc := &subCoupon{couponID: c.id, subCouponID: fmt.Sprintf("SC%s%08d", s.now().UTC().Format("060102"), st.nextSeq), balance: amount}
	sa.subCoupons = append(sa.subCoupons, sc)
	st.rememberTransID(req.TransID)
	st.appendLedger(LedgerEntry{TransID: req.TransID, Kind: kindTransferCoupon, CustomerID: sa.id, Amount: amount.StringFixed(2), Time: s.now().UTC()})
	return struct {
		SubCouponID string `json:"sub_coupon_id"`
	}{sc.subCouponID}, nil
}

func (s *Server) retrieveCoupon(r *http.Request) (any, *apiError) {
	var req couponMoveV2
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.CustomerID == "" || req.CouponID == "" || req.SubCouponID == "" {
		return nil, badParam("customer_id, coupon_id and sub_coupon_id are required")
	}
	var e *apiError
	if req.TransID, e = v2TransID(req.TransID); e != nil {
		return nil, e
	}
	done, e := s.beginMovement(r)
	if e != nil {
		return nil, e
	}
	defer done()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if _, dup := st.transIDs[req.TransID]; dup {
		return nil, refuse("CBC.99007009", "The transaction ID already exists.")
	}
	sa, c, e := s.couponTarget(st, req)
	if e != nil {
		return nil, e
	}
	idx := -1
	for i, sc := range sa.subCoupons {
		if sc.subCouponID == req.SubCouponID && sc.couponID == c.id {
			idx = i
		}
	}
	if idx < 0 {
		return nil, badParam("sub_coupon_id does not belong to this coupon and sub-account")
	}
	sc := sa.subCoupons[idx]
	sa.subCoupons = append(sa.subCoupons[:idx:idx], sa.subCoupons[idx+1:]...)
	c.balance = c.balance.Add(sc.balance)
	st.rememberTransID(req.TransID)
	st.appendLedger(LedgerEntry{TransID: req.TransID, Kind: kindRetrieveCoupon, CustomerID: sa.id, Amount: sc.balance.StringFixed(2), Time: s.now().UTC()})
	return struct {
		RealRetrieveAmout string `json:"real_retrieve_amout"` // sic, as upstream
	}{sc.balance.StringFixed(2)}, nil
}
