package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
)

// The /_sandbox/ control surface: inspection of state and ledger, and fault injection.
// It is unauthenticated on purpose: it exists only in the simulator.

// Snapshot is what GET /_sandbox/state answers.
type Snapshot struct {
	DomainID    string            `json:"domain_id"`
	Master      MasterSnapshot    `json:"master"`
	SubAccounts []SubSnapshot     `json:"sub_accounts"`
	Resources   []ResourceSummary `json:"resources"`
	Orders      int               `json:"orders"`
}

// MasterSnapshot is the master account's balances and transferable coupons.
type MasterSnapshot struct {
	Debit   string           `json:"debit"`
	Credit  []CreditSnapshot `json:"credit"`
	Coupons []CouponSnapshot `json:"coupons"`
}

// CreditSnapshot is one credit ledger; ExpireTime is empty when it never expires.
type CreditSnapshot struct {
	Available    string `json:"available"`
	CreditAmount string `json:"credit_amount"`
	ExpireTime   string `json:"expire_time,omitempty"`
}

// CouponSnapshot is a master coupon or a sub-coupon.
type CouponSnapshot struct {
	CouponID    string `json:"coupon_id"`
	SubCouponID string `json:"sub_coupon_id,omitempty"`
	Balance     string `json:"balance"`
}

// SubSnapshot is one sub-account's state.
type SubSnapshot struct {
	ID      string           `json:"id"`
	Name    string           `json:"name"`
	Status  int              `json:"status"`
	OrgID   string           `json:"org_id"`
	Debit   string           `json:"debit"`
	Credit  []CreditSnapshot `json:"credit"`
	Coupons []CouponSnapshot `json:"coupons"`
}

// ResourceSummary is one resource of the master.
type ResourceSummary struct {
	ResourceID   string `json:"resource_id"`
	IsMain       bool   `json:"is_main"`
	Status       int    `json:"status"`
	ExpireTime   string `json:"expire_time"`
	ExpirePolicy int    `json:"expire_policy"`
}

func credits(ls []*ledger) []CreditSnapshot {
	out := []CreditSnapshot{}
	for _, l := range ls {
		out = append(out, CreditSnapshot{l.avail.StringFixed(2), l.creditAmount.StringFixed(2), fmtTime(l.expire)})
	}
	return out
}

// State returns a copy of the current state; subID, when set, limits the sub-accounts.
func (s *Server) State(subID string) Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chargeLocked()
	st := s.st
	snap := Snapshot{DomainID: st.domainID, Orders: len(st.orders), SubAccounts: []SubSnapshot{}, Resources: []ResourceSummary{},
		Master: MasterSnapshot{Debit: st.masterDebit.StringFixed(2), Credit: credits(st.masterCredit), Coupons: []CouponSnapshot{}}}
	for _, c := range st.coupons {
		snap.Master.Coupons = append(snap.Master.Coupons, CouponSnapshot{CouponID: c.id, Balance: c.balance.StringFixed(2)})
	}
	for _, sa := range st.subs {
		if subID != "" && sa.id != subID {
			continue
		}
		ss := SubSnapshot{ID: sa.id, Name: sa.name, Status: sa.status, OrgID: sa.org.id, Debit: sa.debit.StringFixed(2),
			Credit: credits(sa.credit), Coupons: []CouponSnapshot{}}
		for _, sc := range sa.subCoupons {
			ss.Coupons = append(ss.Coupons, CouponSnapshot{sc.couponID, sc.subCouponID, sc.balance.StringFixed(2)})
		}
		snap.SubAccounts = append(snap.SubAccounts, ss)
	}
	for _, r := range st.resources {
		snap.Resources = append(snap.Resources, ResourceSummary{r.resourceID, r.isMain, r.status, fmtTime(r.expire), r.expirePolicy})
	}
	return snap
}

// Ledger returns every applied money movement and coupon move, oldest first.
func (s *Server) Ledger() []LedgerEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.ledger)
}

// SetFaults replaces the fault configuration; the zero value turns faults off and brings
// back the flow control of Options.
func (s *Server) SetFaults(f Faults) {
	s.faults.set(f)
	fc := s.opts.FlowControl
	if f.FlowControl != nil {
		fc = *f.FlowControl
	}
	s.flow.set(fc)
}

// Faults returns the fault configuration with the flow control in force.
func (s *Server) Faults() Faults {
	f := s.faults.get()
	fc := s.flow.get()
	f.FlowControl = &fc
	return f
}

// SetSubAccountStatus changes a sub-account's status, for tests of the status rules.
func (s *Server) SetSubAccountStatus(id string, status int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sa, ok := s.st.subByID[id]
	if ok {
		sa.status = status
	}
	return ok
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_sandbox/state" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.State(r.URL.Query().Get("sub_account_id")))
	case r.URL.Path == "/_sandbox/ledger" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, struct {
			Items []LedgerEntry `json:"items"`
		}{append([]LedgerEntry{}, s.Ledger()...)})
	case r.URL.Path == "/_sandbox/faults" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Faults())
	case r.URL.Path == "/_sandbox/faults" && r.Method == http.MethodPost:
		var f Faults
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&f); err != nil || !f.valid() {
			writeError(w, http.StatusBadRequest, "SANDBOX.0001", "faults: invalid JSON or value out of range")
			return
		}
		s.SetFaults(f)
		writeJSON(w, http.StatusOK, s.Faults())
	case r.URL.Path == "/_sandbox/balances" && r.Method == http.MethodPost:
		s.serveBalanceControl(w, r)
	case r.URL.Path == "/_sandbox/faults" && r.Method == http.MethodDelete:
		s.SetFaults(Faults{})
		w.WriteHeader(http.StatusNoContent)
	default:
		if !s.serveBurnControl(w, r) {
			writeError(w, http.StatusNotFound, "SANDBOX.0404", "unknown sandbox control path")
		}
	}
}
