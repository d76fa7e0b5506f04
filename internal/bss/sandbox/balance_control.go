package sandbox

import (
	"encoding/json"
	"net/http"

	"github.com/shopspring/decimal"
)

// Setting a sub-account's cash balance, so that a test or a demo can make it run low
// (a rule's trigger, an alert) without waiting for it to be spent: POST /_sandbox/balances
// with {"sub_account_id": "…", "debit": "120.00"}, or SetDebit from Go.

// SetDebit sets sub-account id's debit (cash) balance; false when there is no such
// sub-account or the amount is negative.
func (s *Server) SetDebit(id string, debit decimal.Decimal) bool {
	if debit.IsNegative() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sa, ok := s.st.subByID[id]
	if ok {
		sa.debit = debit.Round(2)
	}
	return ok
}

// BalanceControl is the body of POST /_sandbox/balances.
type BalanceControl struct {
	SubAccountID string `json:"sub_account_id"`
	Debit        string `json:"debit"`
}

func (s *Server) serveBalanceControl(w http.ResponseWriter, r *http.Request) {
	var b BalanceControl
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<12)).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "SANDBOX.0001", "balances: invalid JSON")
		return
	}
	d, err := decimal.NewFromString(b.Debit)
	if err != nil || !s.SetDebit(b.SubAccountID, d) {
		writeError(w, http.StatusBadRequest, "SANDBOX.0001", "balances: unknown sub-account or bad amount")
		return
	}
	writeJSON(w, http.StatusOK, s.State(b.SubAccountID))
}
