package approval

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/purser-finance/purser/internal/export"
)

var csvHeaders = map[string]string{
	"sub_account": "sub_account", "sub_account_id": "sub_account", "子账号": "sub_account", "子账号id": "sub_account",
	"amount": "amount", "金额": "amount",
	"balance_type": "balance_type", "余额类型": "balance_type",
	"reason": "reason", "原因": "reason",
	"expire_time": "expire_time", "到期时间": "expire_time",
}

// ParseCSV reads a bulk upload: a header row naming the columns (English or Chinese
// names, any order; sub_account and amount required), then one operation per line. Blank
// lines are skipped; at most MaxBatchRows. Problems are *BatchErrors with i18n ids.
func ParseCSV(r io.Reader) ([]BatchRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_unreadable"}}}
	}
	cols := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if c, ok := csvHeaders[h]; ok {
			cols[c] = i
		}
	}
	var missing []RowError
	for _, c := range []string{"sub_account", "amount"} {
		if _, ok := cols[c]; !ok {
			missing = append(missing, RowError{Line: 0, Field: c, Message: "op.err.csv_missing_column", Params: map[string]any{"column": c}})
		}
	}
	if len(missing) > 0 {
		return nil, &BatchErrors{Rows: missing}
	}
	get := func(rec []string, c string) string {
		i, ok := cols[c]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []BatchRow
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &BatchErrors{Rows: []RowError{{Line: line, Field: "_", Message: "op.err.csv_unreadable"}}}
		}
		if len(strings.Join(rec, "")) == 0 {
			continue
		}
		rows = append(rows, BatchRow{Line: line, SubAccount: get(rec, "sub_account"), Amount: get(rec, "amount"),
			BalanceType: get(rec, "balance_type"), Reason: get(rec, "reason"), ExpireTime: get(rec, "expire_time")})
		if len(rows) > MaxBatchRows {
			return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_too_many_rows", Params: map[string]any{"max": MaxBatchRows}}}}
		}
	}
	if len(rows) == 0 {
		return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_empty"}}}
	}
	return rows, nil
}

func batchBalanceType(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "debit", "现金", "cash":
		return BalanceDebit, true
	case "credit", "信用":
		return BalanceCredit, true
	}
	return "", false
}

// BatchResultCSV writes the outcome of every row of batch id, in line order, for a person
// who may see the batch (ErrNotFound otherwise): what the requester reconciles their
// upload against. It is written through internal/export like every other download, so
// sub-account ids from the upload and the upstream's error texts cannot run as formulas.
func (s *Service) BatchResultCSV(ctx context.Context, a Actor, id int64, w io.Writer) error {
	if _, err := s.batchOf(ctx, a, id); err != nil {
		return err
	}
	ops, err := s.db.BatchOperations(ctx, id)
	if err != nil {
		return err
	}
	ew, err := export.New(export.CSV, w, "")
	if err != nil {
		return err
	}
	if err := ew.Header("line", "operation_id", "sub_account_id", "amount", "balance_type", "state", "trans_id", "error_code", "error_message"); err != nil {
		return fmt.Errorf("approval: result csv: %w", err)
	}
	for _, o := range ops {
		op := OperationFromRow(o, nil)
		amount := export.Text("")
		if op.Amount != nil {
			amount = export.Amount(*op.Amount)
		}
		if err := ew.Row(export.Int(int64(o.BatchLine)), export.Int(o.ID), export.Text(o.SubAccountID), amount,
			export.Text(op.Params.BalanceType), export.Text(o.State), export.Text(o.TransID), export.Text(o.ErrorCode),
			export.Text(o.ErrorMessage)); err != nil {
			return fmt.Errorf("approval: result csv: %w", err)
		}
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("approval: result csv: %w", err)
	}
	return nil
}
