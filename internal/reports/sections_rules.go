package reports

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// writeTopUps lists the automatic top-ups the standing rules made in the period within
// scope: when, by which rule, to which sub-account, how much, and how their operations
// stand now.
func (s *Service) writeTopUps(ctx context.Context, in *Input, sh export.Rows) error {
	tops, err := s.db.TopUpsBetween(ctx, in.Scope, in.Period.Start, in.Period.End)
	if err != nil {
		return err
	}
	cut := len(tops) > store.ReportOperationsLimit
	if cut {
		tops = tops[:store.ReportOperationsLimit]
	}
	ids := make([]string, len(tops))
	for i, t := range tops {
		ids[i] = t.SubAccountID
	}
	names, err := s.db.SubAccountNamesByIDs(ctx, ids)
	if err != nil {
		return err
	}
	tr := in.T
	if err := header(sh, tr, "when", "rule_id", "rule", "sub_account", "sub_account_id", "amount", "currency", "state", "id"); err != nil {
		return err
	}
	for _, t := range tops {
		if err := sh.Row(timeCell(t.CreatedAt), export.Int(t.RuleID), export.Text(t.RuleName), export.Text(subNames(names).of(t.SubAccountID)),
			export.Text(t.SubAccountID), export.Amount(money.New(t.Amount, t.Currency)), export.Text(t.Currency),
			export.Text(label(tr, "op.state."+t.State, t.State)), export.Int(t.OperationID)); err != nil {
			return err
		}
	}
	if cut {
		return cutRow(in, sh)
	}
	return nil
}

// writeAlerts lists the alert notices sent in the period about sub-accounts within
// scope, each told in words as its notification was.
func (s *Service) writeAlerts(ctx context.Context, in *Input, sh export.Rows) error {
	notices, err := s.db.AlertNoticesBetween(ctx, in.Scope, in.Period.Start, in.Period.End)
	if err != nil {
		return err
	}
	cut := len(notices) > store.ReportOperationsLimit
	if cut {
		notices = notices[:store.ReportOperationsLimit]
	}
	ids := make([]string, len(notices))
	for i, n := range notices {
		ids[i] = n.SubAccountID
	}
	names, err := s.db.SubAccountNamesByIDs(ctx, ids)
	if err != nil {
		return err
	}
	tr := in.T
	if err := header(sh, tr, "when", "sub_account", "sub_account_id", "alert", "details"); err != nil {
		return err
	}
	for _, n := range notices {
		if err := sh.Row(timeCell(n.CreatedAt), export.Text(subNames(names).of(n.SubAccountID)), export.Text(n.SubAccountID),
			export.Text(label(tr, "reports.alert."+n.Kind, n.Kind)), export.Text(alertDetails(in, n))); err != nil {
			return err
		}
	}
	if cut {
		return sh.Row(export.Text(tr.T("reports.cut_alerts", map[string]any{"Limit": store.ReportOperationsLimit})))
	}
	return nil
}

// alertDetails is the notice's message in the subscriber's language, from the parameters
// it was sent with; the stored text itself when they do not make one (a kind another
// version added).
func alertDetails(in *Input, n store.AlertNotice) string {
	var p map[string]any
	if err := json.Unmarshal([]byte(n.Details), &p); err != nil {
		return n.Details
	}
	if s := in.T.T("notify.alert."+n.Kind, p); !strings.HasPrefix(s, "[") {
		return s
	}
	return n.Details
}
