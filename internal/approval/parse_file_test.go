package approval_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/tabular"
)

// Rows carry the line of the file they are on, which is what a person finds in their
// editor: the header is line 1, blank lines count, a quoted reason over two lines pushes
// the next row down. (Rows were once numbered from the first data line, one too low.)
func TestParseFileRealLines(t *testing.T) {
	csv := "sub_account,amount,reason\n\nsub-001,1.00,a\n\n\nsub-002,2.00,\"two\nlines\"\nsub-003,3.00,c\n"
	rows, d, err := approval.ParseFile([]byte(csv), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, r := range rows {
		lines = append(lines, r.Line)
	}
	if len(lines) != 3 || lines[0] != 3 || lines[1] != 6 || lines[2] != 8 {
		t.Fatalf("lines %v, want [3 6 8]", lines)
	}
	if rows[1].Reason != "two\nlines" || d.Encoding != tabular.UTF8 || d.Separator != ',' {
		t.Fatalf("row %+v, detected %+v", rows[1], d)
	}
	// ParseCSV, for callers holding text, reads the same lines.
	again, err := approval.ParseCSV(strings.NewReader(csv))
	if err != nil || again[2].Line != 8 {
		t.Fatalf("ParseCSV: %v %+v", err, again)
	}
}

func TestParseFileGBKSemicolon(t *testing.T) {
	data, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("子账号;金额;原因\r\nsub-001;1.234,00;十二月预算\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	rows, d, err := approval.ParseFile(data, "预算.csv")
	if err != nil {
		t.Fatal(err)
	}
	if d.Encoding != tabular.GB18030 || d.Separator != ';' || len(rows) != 1 || rows[0].Reason != "十二月预算" || rows[0].Amount != "1.234,00" || rows[0].Line != 2 {
		t.Fatalf("%+v %+v", d, rows)
	}
}

// A header read with the wrong separator is one long column: the error says which
// separator was seen and what the header was read as, on the header's own line.
func TestParseFileHeaderErrorNamesTheSeparator(t *testing.T) {
	_, d, err := approval.ParseFile([]byte("\nsub_account|amount\nsub-001|1.00\n"), "x.csv")
	var be *approval.BatchErrors
	if !errors.As(err, &be) || len(be.Rows) != 2 {
		t.Fatalf("err %v", err)
	}
	e := be.Rows[0]
	if e.Line != 2 || e.Message != "op.err.csv_missing_column" || e.Params["separator"] != "comma" || e.Params["header"] != "“sub_account|amount”" {
		t.Fatalf("%+v (detected %+v)", e, d)
	}
}

func TestParseFileRefusals(t *testing.T) {
	for _, c := range []struct {
		data []byte
		msg  string
		line int
	}{
		{[]byte("sub_account,amount\nsub-001,1.00\xFF\x80\n"), "op.err.file_undecodable", 0},
		{[]byte("sub_account,amount\x00\x01\n"), "op.err.file_binary", 0},
		{[]byte("sub_account,amount\n\nx,\"1\"0\n"), "op.err.file_malformed", 3},
		{[]byte("sub_account,amount\n\n"), "op.err.csv_empty", 0},
		{[]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "op.err.file_old_excel", 0},
	} {
		_, _, err := approval.ParseFile(c.data, "x.csv")
		var be *approval.BatchErrors
		if !errors.As(err, &be) || be.Rows[0].Message != c.msg || be.Rows[0].Line != c.line {
			t.Errorf("%q: %v %+v, want %s on %d", c.data, err, be, c.msg, c.line)
		}
	}
}
