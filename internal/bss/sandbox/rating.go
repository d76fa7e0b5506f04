package sandbox

import (
	"hash/fnv"
	"net/http"

	"github.com/shopspring/decimal"
)

// Renewal prices (ListRenewRateOnPeriod). A resource's monthly list price follows from its
// type, spec and size only, so the same question always gets the same answer; a renewal
// order charges what was quoted.

// monthlyList is the official monthly price of one resource, without its children.
func monthlyList(r *resource) decimal.Decimal {
	perSpec := map[string]string{
		"s6.large.2.linux": "143.20", "c7.xlarge.2.linux": "312.40", "m6.2xlarge.8.linux": "986.70",
		"rds.mysql.x1.large.2.ha": "1190.00", "rds.pg.x1.xlarge.4": "1640.50",
		"redis.ha.xu1.large.r2.2": "405.00", "cce.s2.small": "1650.00", "5_bgp": "20.00",
	}
	perUnit := map[string]string{"SSD": "1.00", "GPSSD": "0.70", "SAS": "0.35", "19_bgp": "23.00"} // per GB or Mbit/s
	if p, ok := perSpec[r.specCode]; ok {
		return decimal.RequireFromString(p)
	}
	if p, ok := perUnit[r.specCode]; ok && r.specSize.IsPositive() {
		return decimal.RequireFromString(p).Mul(r.specSize)
	}
	// A spec the table does not know still gets a stable price: 50.00–549.99.
	h := fnv.New32a()
	_, _ = h.Write([]byte(r.resourceType + "/" + r.specCode))
	return decimal.New(5000+int64(h.Sum32()%50000), -2)
}

// yearlyMonths is how many months a year of a yearly renewal costs: two months are free,
// as on the upstream's price lists.
const yearlyMonths = 10

// renewalList is the official price of renewing r (and its children when asked) for the period.
func renewalList(r *resource, periodType, periodNum int, withChildren bool) decimal.Decimal {
	months := int64(periodNum)
	if periodType == 3 {
		months = int64(yearlyMonths * periodNum)
	}
	sum := monthlyList(r)
	if withChildren {
		for _, c := range r.children {
			sum = sum.Add(monthlyList(c))
		}
	}
	return sum.Mul(decimal.NewFromInt(months))
}

// businessDiscount is the master's contract discount on renewals: 8 % off, the sandbox's
// one optional discount (type 605, 商务授权折扣).
var businessDiscount = decimal.RequireFromString("0.08")

func discountOf(official decimal.Decimal) decimal.Decimal {
	return official.Mul(businessDiscount).Round(2)
}

type renewRateRequestV2 struct {
	ResourceIDs              []string `json:"resource_ids"`
	PeriodType               int      `json:"period_type"`
	PeriodNum                int      `json:"period_num"`
	IncludeRelativeResources *bool    `json:"include_relative_resources"`
}

type renewInquiryV2 struct {
	ResourceID string `json:"resource_id"`
	Amount     string `json:"amount"`
}

type optionalDiscountV2 struct {
	DiscountID            string `json:"discount_id"`
	Amount                string `json:"amount"`
	OfficialWebsiteAmount string `json:"official_website_amount"`
	DiscountAmount        string `json:"discount_amount"`
	DiscountType          int    `json:"discount_type"`
	DiscountName          string `json:"discount_name"`
	BestOffer             int    `json:"best_offer"`
}

// renewRate quotes a renewal. Each priced resource's amount is its official price; the
// business discount is the optional discount of the whole answer. Resources that cannot be renewed (unknown,
// closed, not main, frozen) come back in fail_resource_infos with the renewal's codes.
func (s *Server) renewRate(r *http.Request) (any, *apiError) {
	var req renewRateRequestV2
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if e := checkResourceIDs(req.ResourceIDs, 10); e != nil {
		return nil, e
	}
	if _, e := periodMonths(req.PeriodType, req.PeriodNum); e != nil {
		return nil, e
	}
	withChildren := req.IncludeRelativeResources != nil && *req.IncludeRelativeResources
	s.mu.Lock()
	defer s.mu.Unlock()
	results := []renewInquiryV2{}
	var fails []failResourceV2
	official, discount := decimal.Zero, decimal.Zero
	for _, id := range req.ResourceIDs {
		res, fail := s.st.mainResource(id)
		if fail == nil && res.status == 4 {
			fail = &failResourceV2{"CBC.99003602", "The resource has expired or is frozen and cannot be renewed.", id}
		}
		if fail != nil {
			fails = append(fails, *fail)
			continue
		}
		p := renewalList(res, req.PeriodType, req.PeriodNum, withChildren)
		// Discounted per resource, so that a renewal order's lines add up to the quote.
		official, discount = official.Add(p), discount.Add(discountOf(p))
		results = append(results, renewInquiryV2{id, p.StringFixed(2)})
	}
	out := struct {
		Currency                      string               `json:"currency"`
		RenewInquiryResults           []renewInquiryV2     `json:"renew_inquiry_results"`
		OfficialWebsiteRatingResult   *officialRatingV2    `json:"official_website_rating_result,omitempty"`
		OptionalDiscountRatingResults []optionalDiscountV2 `json:"optional_discount_rating_results,omitempty"`
		FailResourceInfos             []failResourceV2     `json:"fail_resource_infos,omitempty"`
	}{Currency: currencyCNY, RenewInquiryResults: results, FailResourceInfos: fails}
	if len(results) > 0 {
		d := discount
		out.OfficialWebsiteRatingResult = &officialRatingV2{official.StringFixed(2)}
		out.OptionalDiscountRatingResults = []optionalDiscountV2{{DiscountID: "sandbox-business-discount", Amount: official.Sub(d).StringFixed(2),
			OfficialWebsiteAmount: official.StringFixed(2), DiscountAmount: d.StringFixed(2), DiscountType: 605, DiscountName: "商务授权折扣 92%", BestOffer: 1}}
	}
	return out, nil
}

type officialRatingV2 struct {
	OfficialWebsiteAmount string `json:"official_website_amount"`
}
