package approval

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

var csvHeaders = map[string]string{
	"sub_account": "sub_account", "sub_account_id": "sub_account", "子账号": "sub_account", "子账号id": "sub_account",
	"amount": "amount", "金额": "amount",
	"balance_type": "balance_type", "余额类型": "balance_type",
	"reason": "reason", "原因": "reason",
	"expire_time": "expire_time", "到期时间": "expire_time",
}

// ParseCSV: see approval.go.
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

// csvSafe neutralises formula injection in a CSV cell.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// BatchResultCSV: see approval.go.
func (s *Service) BatchResultCSV(ctx context.Context, a Actor, id int64, w io.Writer) error {
	if _, err := s.batchOf(ctx, a, id); err != nil {
		return err
	}
	ops, err := s.db.BatchOperations(ctx, id)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"line", "operation_id", "sub_account_id", "amount", "balance_type", "state", "trans_id", "error_code", "error_message"})
	for _, o := range ops {
		op := OperationFromRow(o, nil)
		_ = cw.Write([]string{strconv.Itoa(o.BatchLine), strconv.FormatInt(o.ID, 10), csvSafe(o.SubAccountID), ptrString(o.Amount),
			op.Params.BalanceType, o.State, o.TransID, csvSafe(o.ErrorCode), csvSafe(o.ErrorMessage)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("approval: result csv: %w", err)
	}
	return nil
}
