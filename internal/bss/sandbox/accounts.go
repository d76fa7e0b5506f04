package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/shopspring/decimal"
)

// JSON shapes of the v2 multi-account operations; names as in the SDK's model package.

type subCustomerInfoV2 struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Status      int    `json:"status"`
	OrgID       string `json:"org_id"`
	OrgName     string `json:"org_name"`
}

type childNodeV2 struct {
	RelationID string        `json:"relation_id"`
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	ChildNodes []childNodeV2 `json:"child_nodes,omitempty"`
}

// amountInfoV2: amount, credit_amount and expire_time are credit-only fields ("仅
// balance_type=信用账户时才有"): a debit row carries none of them.
type amountInfoV2 struct {
	AvailTransferAmount *json.Number `json:"avail_transfer_amount,omitempty"`
	AvailRetrieveAmount *json.Number `json:"avail_retrieve_amount,omitempty"`
	MeasureID           int          `json:"measure_id"`
	Currency            string       `json:"currency"`
	Amount              *json.Number `json:"amount,omitempty"`
	CreditAmount        *json.Number `json:"credit_amount,omitempty"`
	ExpireTime          string       `json:"expire_time,omitempty"`
}

type moveRequestV2 struct {
	CustomerID  string `json:"customer_id"`
	Amount      string `json:"amount"`
	TransID     string `json:"trans_id"`
	BalanceType string `json:"balance_type"`
	ExpireTime  string `json:"expire_time"`
}

const (
	balanceDebit  = "BALANCE_TYPE_DEBIT"
	balanceCredit = "BALANCE_TYPE_CREDIT"
	measureYuan   = 1
	currencyCNY   = "CNY"
)

// subFilter is the query of both sub-account lists (v2 and legacy). A nil name or display
// name is no filter; a set one filters, the empty string too (v2: "携带值为空串时，作为
// 筛选条件"), so an exact "" matches nothing.
type subFilter struct {
	name, displayName *string
	orgID             string
	fuzzy             bool
	offset, limit     int
}

// given is a query parameter sent at all (even empty), or nil.
func given(q url.Values, name string) *string {
	if !q.Has(name) {
		return nil
	}
	v := q.Get(name)
	return &v
}

// nonEmpty is a query parameter sent with a value, or nil.
func nonEmpty(q url.Values, name string) *string {
	if v := q.Get(name); v != "" {
		return &v
	}
	return nil
}

func (s *Server) filterSubs(f subFilter) (int, []*subAccount) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var total int
	var out []*subAccount
	for _, sa := range s.st.subs {
		if !matches(sa.name, f.name, f.fuzzy) || !matches(sa.displayName, f.displayName, f.fuzzy) {
			continue
		}
		if f.orgID != "" && sa.org.id != f.orgID {
			continue
		}
		if total >= f.offset && len(out) < f.limit {
			out = append(out, sa)
		}
		total++
	}
	return total, out
}

func (s *Server) listSubCustomers(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	offset, limit, e := page(q, 10, 100)
	if e != nil {
		return nil, e
	}
	fuzzy, e := intParam(q, "fuzzy_query", 0, 0, 1)
	if e != nil {
		return nil, e
	}
	if len(q.Get("sub_customer_display_name")) > 64 {
		return nil, badParam("sub_customer_display_name is longer than 64 characters")
	}
	total, subs := s.filterSubs(subFilter{name: given(q, "sub_customer_account_name"), displayName: given(q, "sub_customer_display_name"),
		orgID: q.Get("org_id"), fuzzy: fuzzy == 1, offset: offset, limit: limit})
	infos := make([]subCustomerInfoV2, 0, len(subs))
	for _, sa := range subs {
		infos = append(infos, subCustomerInfoV2{ID: sa.id, Name: sa.name, DisplayName: sa.displayName, Status: sa.status, OrgID: sa.org.id, OrgName: sa.org.name})
	}
	return struct {
		TotalCount       int                 `json:"total_count"`
		SubCustomerInfos []subCustomerInfoV2 `json:"sub_customer_infos"`
	}{total, infos}, nil
}

func (s *Server) listOrganizations(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	recursive, e := intParam(q, "recursive_query", 0, 0, 1)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parent := s.st.rootOrg
	if id := q.Get("parent_id"); id != "" {
		p, ok := s.st.orgByID[id]
		if !ok {
			return nil, refuse("CBC.0100", "Invalid parameter: parent_id does not exist")
		}
		parent = p
	}
	var nodes func(o *org, deep bool) []childNodeV2
	nodes = func(o *org, deep bool) []childNodeV2 {
		out := make([]childNodeV2, 0, len(o.children))
		for _, c := range o.children {
			n := childNodeV2{RelationID: c.relationID, ID: c.id, Name: c.name}
			if deep {
				n.ChildNodes = nodes(c, true)
			}
			out = append(out, n)
		}
		return out
	}
	return struct {
		RootID     string        `json:"root_id"`
		RootName   string        `json:"root_name"`
		ChildNodes []childNodeV2 `json:"child_nodes"`
	}{s.st.rootOrg.id, s.st.rootOrg.name, nodes(parent, recursive == 1)}, nil
}

// amountRow is one ledger row, shared by the v2 and legacy encoders.
type amountRow struct {
	avail, amount, credit decimal.Decimal
	expire                string
}

func (s *Server) masterRows(balanceType string) []amountRow {
	s.mu.Lock()
	defer s.mu.Unlock()
	if balanceType == balanceDebit {
		return []amountRow{{avail: s.st.masterDebit, amount: s.st.masterDebit, credit: decimal.Zero}}
	}
	rows := make([]amountRow, 0, len(s.st.masterCredit))
	for _, l := range s.st.masterCredit {
		rows = append(rows, amountRow{avail: l.avail, amount: l.avail, credit: l.creditAmount, expire: fmtTime(l.expire)})
	}
	return rows
}

func (s *Server) subRows(subID, balanceType string) ([]amountRow, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sa, ok := s.st.subByID[subID]
	if !ok {
		return nil, refuse("CBC.99000047", "The account does not exist.")
	}
	if balanceType == balanceDebit {
		return []amountRow{{avail: sa.debit, amount: sa.debit, credit: decimal.Zero}}, nil
	}
	rows := make([]amountRow, 0, len(sa.credit))
	for _, l := range sa.credit {
		// A ledger in arrears (a legacy recovery took more than its balance) has nothing
		// to recover; its balance shows the arrears.
		rows = append(rows, amountRow{avail: decimal.Max(l.avail, decimal.Zero), amount: l.avail, credit: l.creditAmount, expire: fmtTime(l.expire)})
	}
	return rows, nil
}

func checkBalanceType(bt string) *apiError {
	if bt != balanceDebit && bt != balanceCredit {
		return badParam("balance_type must be BALANCE_TYPE_DEBIT or BALANCE_TYPE_CREDIT")
	}
	return nil
}

func amountPage(q url.Values) (offset, limit int, e *apiError) { return page(q, 10, 100) }

func (s *Server) showTransferAmount(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	bt := q.Get("balance_type")
	if e := checkBalanceType(bt); e != nil {
		return nil, e
	}
	offset, limit, e := amountPage(q)
	if e != nil {
		return nil, e
	}
	rows := s.masterRows(bt)
	return amountResponseV2(rows, bt, offset, limit, true), nil
}

func (s *Server) listRetrieveAmount(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	bt := q.Get("balance_type")
	if q.Get("sub_customer_id") == "" {
		return nil, badParam("sub_customer_id is required")
	}
	if e := checkBalanceType(bt); e != nil {
		return nil, e
	}
	offset, limit, e := amountPage(q)
	if e != nil {
		return nil, e
	}
	rows, e := s.subRows(q.Get("sub_customer_id"), bt)
	if e != nil {
		return nil, e
	}
	return amountResponseV2(rows, bt, offset, limit, false), nil
}

// amountResponseV2 encodes amount rows. offset and limit page credit rows only ("只有信用
// 账户有效"): the debit account's one row always comes back, and without the credit-only
// fields.
func amountResponseV2(rows []amountRow, balanceType string, offset, limit int, transfer bool) any {
	lo, hi := 0, len(rows)
	if balanceType == balanceCredit {
		lo, hi = window(len(rows), offset, limit)
	}
	infos := make([]amountInfoV2, 0, hi-lo)
	for _, row := range rows[lo:hi] {
		info := amountInfoV2{MeasureID: measureYuan, Currency: currencyCNY}
		if balanceType == balanceCredit {
			info.Amount, info.CreditAmount, info.ExpireTime = numPtr(row.amount), numPtr(row.credit), row.expire
		}
		if transfer {
			info.AvailTransferAmount = numPtr(row.avail)
		} else {
			info.AvailRetrieveAmount = numPtr(row.avail)
		}
		infos = append(infos, info)
	}
	return struct {
		TotalCount  int            `json:"total_count"`
		AmountInfos []amountInfoV2 `json:"amount_infos"`
	}{len(rows), infos}
}

func (s *Server) transferAmount(r *http.Request) (any, *apiError) {
	var req moveRequestV2
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	return nil, s.move(r, movement{kind: kindTransfer, customerID: req.CustomerID, amount: req.Amount, transID: req.TransID,
		balanceType: req.BalanceType, expire: req.ExpireTime, maxTransID: 32})
}

func (s *Server) retrieveAmount(r *http.Request) (any, *apiError) {
	var req moveRequestV2
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	return nil, s.move(r, movement{kind: kindRetrieve, customerID: req.CustomerID, amount: req.Amount, transID: req.TransID,
		balanceType: req.BalanceType, expire: req.ExpireTime, maxTransID: 32})
}
