package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// upload posts the bulk form as a browser does: multipart, with the file under "file".
func (b *browser) upload(path string, fields map[string]string, name string, file []byte) response {
	b.p.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.p.http.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func bulkFields(key string) map[string]string {
	return map[string]string{"kind": "transfer_funds", "reason": "十二月预算", "idempotency_key": key}
}

// TestBulkUploadsAsFinanceTeamsHaveThem: a GBK file from Chinese Excel, a semicolon file
// and an .xlsx workbook are read as typed; the preview says how each was read; the batch
// is made from the file that was checked, with the reasons intact.
func TestBulkUploadsAsFinanceTeamsHaveThem(t *testing.T) {
	p := opsPortal(t, storetest.SQLite(t))
	subs := p.normalSubs(2)
	fay := p.as("fay")
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("子账号,金额,原因\r\n" + subs[0].ID + ",1.00,十二月预算\r\n" + subs[1].ID + ",2.00,年终\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	semi := []byte("sub_account;amount;reason\n" + subs[0].ID + ";\"1,000.50\";Q4\n\n" + subs[1].ID + ";2;Q4\n")
	for _, c := range []struct {
		name     string
		file     []byte
		detected string
		reason   string
		lines    []string
		total    string
	}{
		{"预算.csv", gbk, "Read as GB18030, comma-separated, 2 rows.", "十二月预算", []string{"2", "3"}, "3.00"},
		{"budget.csv", semi, "Read as UTF-8, semicolon-separated, 2 rows.", "Q4", []string{"2", "4"}, "1,002.50"},
		{"budget.xlsx", bulkXLSX(t, subs), "Read from the sheet “Sheet1” of the workbook, 2 rows.", "十二月预算", []string{"2", "3"}, "1,234.80"},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := newKey()
			r := fay.upload("/operations/bulk/preview", bulkFields(key), c.name, c.file)
			if r.status != http.StatusOK {
				t.Fatalf("preview %d: %s", r.status, errorsOf(t, r))
			}
			if got := r.testid(t, "bulk-detected"); got != c.detected {
				t.Fatalf("detected %q, want %q", got, c.detected)
			}
			if got := r.testid(t, "bulk-total"); !strings.HasPrefix(got, c.total) {
				t.Fatalf("total %q, want %s", got, c.total)
			}
			rows := r.doc(t).Find(`[data-testid="bulk-row"]`)
			if rows.Length() != 2 || !strings.Contains(rows.First().Text(), c.reason) {
				t.Fatalf("rows: %q", rows.Text())
			}
			for i, l := range c.lines {
				if got := strings.TrimSpace(rows.Eq(i).Find("td").First().Text()); got != l {
					t.Fatalf("row %d on line %q, want %q", i, got, l)
				}
			}
			// The submit form carries the file as it came, not a re-encoding of it.
			up, _ := r.doc(t).Find(`[data-testid="bulk-submit-form"] input[name="upload"]`).Attr("value")
			name, _ := r.doc(t).Find(`[data-testid="bulk-submit-form"] input[name="upload_name"]`).Attr("value")
			if up == "" || name != c.name {
				t.Fatalf("the checked file is not carried: %d bytes, %q", len(up), name)
			}
			sub := bulkFields(key)
			sub["upload"], sub["upload_name"] = up, name
			r = fay.upload("/operations/bulk", sub, "", nil)
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/operations/batches/") {
				t.Fatalf("submit: %d %s", r.status, errorsOf(t, r))
			}
			ops := batchOps(t, p, r.location)
			if len(ops) != 2 || ops[0].Reason != c.reason || ops[0].BatchLine != mustAtoi(c.lines[0]) {
				t.Fatalf("batch rows: %+v", ops)
			}
		})
	}
}

// bulkXLSX is a workbook as Excel saves it: an amount formatted "#,##0.00" and one a
// formula computed to 0.30000000000000004 — both must come out as the cents typed.
func bulkXLSX(t *testing.T, subs []store.SubAccount) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	two := "#,##0.00"
	st, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &two})
	for cell, v := range map[string]any{"A1": "sub_account", "B1": "amount", "C1": "reason", "A2": subs[0].ID, "B2": 1234.5, "C2": "十二月预算", "A3": subs[1].ID, "C3": "Q4"} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	_ = f.SetCellStyle("Sheet1", "B2", "B3", st)
	if err := f.SetCellDefault("Sheet1", "B3", "0.30000000000000004"); err != nil {
		t.Fatal(err)
	}
	_ = f.SetCellFormula("Sheet1", "B3", "0.1+0.2")
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func batchOps(t *testing.T, p *portal, batchURL string) []store.Operation {
	t.Helper()
	id := int64(mustAtoi(strings.TrimPrefix(batchURL, "/operations/batches/")))
	ops, err := p.db.BatchOperations(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

func mustAtoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestBulkErrorsNameTheFileLine: problems are reported on the line a person finds in
// their editor (header 1, blank lines and a two-line quoted reason counted), a header read
// with the wrong separator says so, and a closed sub-account's problem names its status
// (it once read "status <no value>").
func TestBulkErrorsNameTheFileLine(t *testing.T) {
	p := opsPortal(t, storetest.SQLite(t))
	subs := p.normalSubs(1)
	var closed store.SubAccount
	_ = p.db.ForEachSubAccount(context.Background(), authz.Everything, store.SubAccountFilter{}, func(s store.SubAccount) error {
		if s.Status != 1 && closed.ID == "" {
			closed = s
		}
		return nil
	})
	if closed.ID == "" {
		t.Fatal("the sandbox has no sub-account that is not normal")
	}
	fay := p.as("fay")
	csv := "sub_account,amount,reason\n\n" + subs[0].ID + ",1.00,\"two\nlines\"\n" + closed.ID + ",1.00,x\n\nnobody,1.00,y\n"
	r := fay.upload("/operations/bulk/preview", bulkFields(newKey()), "x.csv", []byte(csv))
	errs := r.doc(t).Find(`[data-testid="bulk-error"]`)
	if r.status != http.StatusUnprocessableEntity || errs.Length() != 2 {
		t.Fatalf("%d: %s", r.status, errorsOf(t, r))
	}
	first, second := errs.Eq(0), errs.Eq(1)
	if got := strings.TrimSpace(first.Find("td").First().Text()); got != "5" {
		t.Errorf("the closed sub-account's problem is on line %q, want 5", got)
	}
	if msg := first.Text(); strings.Contains(msg, "no value") || !strings.Contains(msg, "status") {
		t.Errorf("closed sub-account: %q", msg)
	}
	if got := strings.TrimSpace(second.Find("td").First().Text()); got != "7" {
		t.Errorf("the unknown sub-account is on line %q, want 7", got)
	}
	if !strings.HasPrefix(r.testid(t, "bulk-errors-summary"), "2 problems:") {
		t.Errorf("summary %q", r.testid(t, "bulk-errors-summary"))
	}
	// The form comes back with the choices made and the reason.
	if v, _ := r.doc(t).Find(`[data-testid="bulk-reason"]`).Attr("value"); v != "十二月预算" {
		t.Errorf("reason not kept: %q", v)
	}
	if _, ok := r.doc(t).Find(`[data-testid="bulk-carried"]`).Attr("data-testid"); !ok {
		t.Error("the checked file is not offered again")
	}

	r = fay.upload("/operations/bulk/preview", bulkFields(newKey()), "x.csv", []byte("sub_account|amount\n"+subs[0].ID+"|1.00\n"))
	if msg := r.doc(t).Find(`[data-testid="bulk-error"]`).First().Text(); !strings.Contains(msg, "comma-separated") || !strings.Contains(msg, "“sub_account|amount”") {
		t.Errorf("header error does not explain the separator: %q", msg)
	}
	r = fay.upload("/operations/bulk/preview", bulkFields(newKey()), "x.csv", []byte("sub_account,amount\n"+subs[0].ID+",1.00\xff\x80\n"))
	if msg := r.doc(t).Find(`[data-testid="bulk-error"]`).Text(); r.status != http.StatusUnprocessableEntity || !strings.Contains(msg, "GBK/GB18030") {
		t.Errorf("undecodable: %d %q", r.status, msg)
	}
	// Too large: the form's error, with the choices kept, not a bare 400.
	skip := bulkFields(newKey())
	skip["on_error"] = "skip"
	r = fay.upload("/operations/bulk/preview", skip, "big.csv", bytes.Repeat([]byte("a"), 2<<20+1))
	if msg := r.doc(t).Find(`[data-testid="bulk-error"]`).Text(); r.status != http.StatusUnprocessableEntity || !strings.Contains(msg, "larger than 2 MB") {
		t.Errorf("too large: %d %q", r.status, msg)
	}
	if _, checked := r.doc(t).Find(`[data-testid="bulk-on-error-skip"]`).Attr("checked"); !checked {
		t.Error("the choice to skip is not kept")
	}
	// A file chosen while text is in the box: the file is what is checked and submitted.
	both := bulkFields(newKey())
	both["csv"] = "sub_account,amount\nnobody,1.00\n"
	r = fay.upload("/operations/bulk/preview", both, "x.csv", []byte("sub_account,amount\n"+subs[0].ID+",1.00\n"))
	if csv, _ := r.doc(t).Find(`[data-testid="bulk-submit-form"] input[name="csv"]`).Attr("value"); r.status != http.StatusOK || csv != "" {
		t.Errorf("file and text: %d, text carried %q", r.status, csv)
	}
	if countOps(t, p) != 0 {
		t.Fatal("a refused file created operations")
	}
}

// TestBulkSkipInvalidRows: with "skip the invalid rows", the preview lists what will be
// skipped and why, the batch is made of the valid rows alone, and the submission's audit
// event records the skipped rows with their problems. All or nothing stays the default.
func TestBulkSkipInvalidRows(t *testing.T) {
	p := opsPortal(t, storetest.SQLite(t))
	subs := p.normalSubs(2)
	fay := p.as("fay")
	csv := "sub_account,amount,reason\n" + subs[0].ID + ",1.00,a\nnobody,1.00,b\n" + subs[1].ID + ",2.005,c\n" + subs[1].ID + ",2.00,d\n"
	key := newKey()
	all := bulkFields(key)
	if r := fay.upload("/operations/bulk", all, "x.csv", []byte(csv)); r.status != http.StatusUnprocessableEntity || countOps(t, p) != 0 {
		t.Fatalf("all or nothing: %d, %d operations", r.status, countOps(t, p))
	}
	skip := bulkFields(key)
	skip["on_error"] = "skip"
	r := fay.upload("/operations/bulk/preview", skip, "x.csv", []byte(csv))
	if r.status != http.StatusOK || r.doc(t).Find(`[data-testid="bulk-row"]`).Length() != 2 || r.doc(t).Find(`[data-testid="bulk-skipped-row"]`).Length() != 2 {
		t.Fatalf("skip preview: %d %s", r.status, r.body)
	}
	if got := r.testid(t, "bulk-skip-summary"); !strings.HasPrefix(got, "2 rows have problems") {
		t.Fatalf("skip summary %q", got)
	}
	if v, _ := r.doc(t).Find(`[data-testid="bulk-submit-form"] input[name="on_error"]`).Attr("value"); v != "skip" {
		t.Fatal("the submit form forgets the choice to skip")
	}
	r = fay.upload("/operations/bulk", skip, "x.csv", []byte(csv))
	if r.status != http.StatusSeeOther {
		t.Fatalf("submit skipping: %d %s", r.status, errorsOf(t, r))
	}
	ops := batchOps(t, p, r.location)
	if len(ops) != 2 || ops[0].BatchLine != 2 || ops[1].BatchLine != 5 {
		t.Fatalf("batch rows: %+v", ops)
	}
	evs := p.events(approval.ActionSubmit)
	if len(evs) != 1 || !strings.Contains(string(evs[0].Details), `"skipped_rows"`) || !strings.Contains(string(evs[0].Details), `"line":3`) ||
		!strings.Contains(string(evs[0].Details), `"line":4`) {
		t.Fatalf("submission event: %+v", evs)
	}
}

// TestBulkTemplates: the CSV and xlsx templates download for whoever may draft, in the
// reader's language, and read back as a valid bulk file.
func TestBulkTemplates(t *testing.T) {
	p := opsPortal(t, storetest.SQLite(t))
	fay := p.as("fay")
	for _, c := range []struct{ format, lang, header string }{{"csv", "en", "sub_account"}, {"xlsx", "zh", "子账号"}} {
		fay.lang = c.lang
		r := fay.get("/operations/bulk/template?format=" + c.format)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Disposition"), "purser-bulk-template."+c.format) {
			t.Fatalf("%s: %d %v", c.format, r.status, r.header)
		}
		rows, _, err := approval.ParseFile([]byte(r.body), "t."+c.format)
		if err != nil || len(rows) != 1 || rows[0].SubAccount != "sub-001" || rows[0].Amount != "100" && rows[0].Amount != "100.00" {
			t.Fatalf("%s template reads back as %+v, %v", c.format, rows, err)
		}
		if c.format == "csv" && !strings.HasPrefix(r.body, "\uFEFF"+c.header) {
			t.Fatalf("csv template header: %q", r.body[:40])
		}
	}
	if r := fay.get("/operations/bulk/template?format=pdf"); r.status != http.StatusBadRequest {
		t.Fatalf("unknown format: %d", r.status)
	}
}
