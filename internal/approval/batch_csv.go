package approval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/tabular"
)

var csvHeaders = map[string]string{
	"sub_account": "sub_account", "sub_account_id": "sub_account", "子账号": "sub_account", "子账号id": "sub_account",
	"amount": "amount", "金额": "amount",
	"balance_type": "balance_type", "余额类型": "balance_type",
	"reason": "reason", "原因": "reason",
	"expire_time": "expire_time", "到期时间": "expire_time",
}

// ParseCSV reads CSV text in any encoding and separator ParseFile accepts.
func ParseCSV(r io.Reader) ([]BatchRow, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_unreadable"}}}
	}
	rows, _, err := ParseFile(data, "upload.csv")
	return rows, err
}

// ParseFile reads a bulk upload — CSV or tab-separated text in UTF-8, UTF-16 or GB18030,
// or an .xlsx workbook (internal/tabular reads it) — and maps its rows to drafts: a
// header naming the columns (English or Chinese names, any order; sub_account and amount
// required), then one operation per row, each with the line of the file it is on. It
// says how the file was read, also when the file is refused. Problems are *BatchErrors
// with i18n ids.
func ParseFile(data []byte, filename string) ([]BatchRow, tabular.Detected, error) {
	t, err := tabular.Read(data, filename)
	if err != nil {
		var te *tabular.Error
		msg, line := "op.err.csv_unreadable", 0
		switch {
		case errors.As(err, &te) && te.Reason == tabular.ReasonEmpty:
			msg = "op.err.csv_empty"
		case errors.As(err, &te):
			msg, line = "op.err.file_"+te.Reason, te.Line
		}
		return nil, t.Detected, &BatchErrors{Rows: []RowError{{Line: line, Field: "_", Message: msg}}}
	}
	head := t.Rows[0]
	cols := map[string]int{}
	for i, h := range head.Cells {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if c, ok := csvHeaders[h]; ok {
			cols[c] = i
		}
	}
	var missing []RowError
	for _, c := range []string{"sub_account", "amount"} {
		if _, ok := cols[c]; !ok {
			missing = append(missing, missingColumn(t, c))
		}
	}
	if len(missing) > 0 {
		return nil, t.Detected, &BatchErrors{Rows: missing}
	}
	get := func(rec []string, c string) string {
		i, ok := cols[c]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	if len(t.Rows)-1 > MaxBatchRows {
		return nil, t.Detected, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_too_many_rows", Params: map[string]any{"max": MaxBatchRows}}}}
	}
	var rows []BatchRow
	for _, r := range t.Rows[1:] {
		rec := r.Cells
		rows = append(rows, BatchRow{Line: r.Line, SubAccount: get(rec, "sub_account"), Amount: get(rec, "amount"),
			BalanceType: get(rec, "balance_type"), Reason: get(rec, "reason"), ExpireTime: get(rec, "expire_time")})
	}
	if len(rows) == 0 {
		return nil, t.Detected, &BatchErrors{Rows: []RowError{{Line: 0, Field: "_", Message: "op.err.csv_empty"}}}
	}
	return rows, t.Detected, nil
}

// missingColumn says which column the header lacks, and the columns it was read as: a
// header read with the wrong separator is one long column, and seeing it says why.
func missingColumn(t *tabular.Table, column string) RowError {
	var seen []string
	for _, h := range t.Rows[0].Cells {
		seen = append(seen, "“"+strings.TrimSpace(h)+"”")
	}
	p := map[string]any{"column": column, "header": strings.Join(seen, ", "), "sheet": t.Detected.Sheet}
	msg := "op.err.xlsx_missing_column"
	if t.Detected.Format == tabular.CSV {
		msg, p["separator"] = "op.err.csv_missing_column", t.Detected.SeparatorName()
	}
	return RowError{Line: t.Rows[0].Line, Field: column, Message: msg, Params: p}
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
// upload against, by name and reason as well as by id. It is written through internal/export like every other download, so
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
	if err := ew.Header("line", "operation_id", "sub_account_id", "amount", "balance_type", "state", "trans_id", "error_code", "error_message",
		// Appended, not inserted: scripts that read the earlier columns by position keep working.
		"sub_account_name", "reason"); err != nil {
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
			export.Text(o.ErrorMessage), export.Text(op.Params.SubAccountName), export.Text(o.Reason)); err != nil {
			return fmt.Errorf("approval: result csv: %w", err)
		}
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("approval: result csv: %w", err)
	}
	return nil
}
