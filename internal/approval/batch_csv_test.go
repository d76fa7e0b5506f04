package approval_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The batch result CSV carries the upstream's error texts and the sub-account ids given in
// the upload: whatever a spreadsheet would run as a formula is neutralised, exactly as
// export.Neutralize does for every other export (a leading = + - @ tab or CR, also behind
// spaces). Each row also names the sub-account and the reason, so the requester can
// reconcile the result against their upload without looking ids up.
func TestBatchResultCSVNeutralisesFormulas(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	svc := approval.New(db, approval.Options{})
	u := &store.User{Username: "fin", Roles: []string{"finance"}}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	b := &store.OperationBatch{Kind: string(approval.KindTransferFunds), State: string(approval.StateApproved), RequestedBy: u.ID,
		RequestedByName: u.Username, Reason: "r", RowsCount: 1, Total: "1.00", Currency: "CNY", ExpiresAt: now, CreatedAt: now, UpdatedAt: now}
	if err := db.InsertBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	bad := []string{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "  =HYPERLINK(\"http://evil\")", " +1", "  @x", " -1"}
	var ops []*store.Operation
	for i, v := range bad {
		amt := "1.00"
		ops = append(ops, &store.Operation{Kind: b.Kind, State: string(approval.StateFailed), Params: fmt.Sprintf(`{"balance_type":"debit","sub_account_name":"sa-%d 生产"}`, i), Amount: &amt,
			Currency: "CNY", SubAccountID: v, TransID: fmt.Sprint("t", i), RequestedBy: u.ID, BatchID: &b.ID, BatchLine: i + 1,
			ErrorCode: v, ErrorMessage: v, Reason: fmt.Sprint("十二月预算 ", i), ExpiresAt: now, CreatedAt: now, UpdatedAt: now})
	}
	if err := db.InsertOperations(ctx, ops); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	a := approval.Actor{UserID: u.ID, Username: u.Username, Roles: []authz.Role{authz.Finance}}
	if err := svc.BatchResultCSV(ctx, a, b.ID, &out); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(bad)+1 || strings.Join(rows[0], ",") != "line,operation_id,sub_account_id,amount,balance_type,state,trans_id,error_code,error_message,sub_account_name,reason" {
		t.Fatalf("result csv: %q", rows)
	}
	for i, v := range bad {
		r := rows[i+1]
		if r[0] != fmt.Sprint(i+1) || r[3] != "1.00" || r[4] != "debit" || r[5] != "failed" ||
			r[9] != fmt.Sprintf("sa-%d 生产", i) || r[10] != fmt.Sprint("十二月预算 ", i) {
			t.Errorf("row %d: %q", i+1, r)
		}
		for _, col := range []int{2, 7, 8} {
			if r[col] != "'"+v {
				t.Errorf("row %d column %s: %q, want %q neutralised", i+1, rows[0][col], r[col], v)
			}
		}
	}
}
