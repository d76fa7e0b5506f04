package money

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"10", "10.00", nil},
		{"10.5", "10.50", nil},
		{"0.01", "0.01", nil},
		{" 1234.56 ", "1234.56", nil},
		{"1.500", "1.50", nil},
		{"999999999999.99", "999999999999.99", nil},
		{"", "", ErrEmpty},
		{"0", "", ErrNotPositive},
		{"0.00", "", ErrNotPositive},
		{"-1", "", ErrNotPositive},
		{"1.005", "", ErrTooManyDigits},
		{"1e3", "", ErrSyntax},
		{"1,000", "1000.00", nil},
		{"1,000.50", "1000.50", nil},
		{"12,345,678", "12345678.00", nil},
		{"999,999,999,999.99", "999999999999.99", nil},
		{"１００", "100.00", nil},
		{"１，０００．５０", "1000.50", nil},
		{"\u3000１２３\u3000", "123.00", nil},
		{"\u00a0 42.10 \t", "42.10", nil},
		{"1,50", "", ErrGrouping},
		{"1,2,3", "", ErrGrouping},
		{"1,0000", "", ErrGrouping},
		{",100", "", ErrGrouping},
		{"100,", "", ErrGrouping},
		{"1,000,00", "", ErrGrouping},
		{"1000,000", "", ErrGrouping},
		{"0,100", "", ErrGrouping},
		{"01,000", "", ErrGrouping},
		{"1,000.000,1", "", ErrGrouping},
		{"1,,000", "", ErrGrouping},
		{"１，５０", "", ErrGrouping},
		{"1 000", "", ErrSyntax},
		{"1.000,50", "", ErrGrouping},
		{"１ｅ３", "", ErrSyntax},
		{"\u00b9\u2070\u2070", "", ErrSyntax},   // superscript ¹⁰⁰: NFKC would read 100
		{"\u2460", "", ErrSyntax},               // circled ①
		{"\U0001d7cf\U0001d7ce", "", ErrSyntax}, // mathematical bold 𝟏𝟎
		{"1\u200b00", "", ErrSyntax},            // zero-width space inside
		{"\u0661\u0660\u0660", "", ErrSyntax},   // Arabic-Indic digits
		{"1,000.005", "", ErrTooManyDigits},
		{"1,000,000,000,000", "", ErrTooLarge},
		{"abc", "", ErrSyntax},
		{".5", "", ErrSyntax},
		{"NaN", "", ErrSyntax},
		{"1000000000000", "", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in, "")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got.String() != tt.want {
				t.Fatalf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if err == nil && got.Currency() != DefaultCurrency {
				t.Fatalf("currency = %q", got.Currency())
			}
		})
	}
}

func TestFormat(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0.00", "5": "5.00", "999.9": "999.90", "1000": "1,000.00",
		"1234567.5": "1,234,567.50", "-1234.5": "-1,234.50", "100000": "100,000.00",
	} {
		v, err := ParseDecimal(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := New(v, "").Format(); got != want {
			t.Errorf("Format(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestFromUpstreamRoundsToCents(t *testing.T) {
	a, err := FromUpstream("12.345", "CNY")
	if err != nil {
		t.Fatal(err)
	}
	if a.String() != "12.35" {
		t.Fatalf("got %s", a)
	}
	if _, err := FromUpstream("x", "CNY"); err == nil {
		t.Fatal("want error")
	}
}

func TestArithmeticAndText(t *testing.T) {
	a, _ := Parse("10.10", "CNY")
	b, _ := Parse("0.20", "CNY")
	if got := a.Add(b).String(); got != "10.30" {
		t.Fatalf("add %s", got)
	}
	if got := a.Sub(b).String(); got != "9.90" {
		t.Fatalf("sub %s", got)
	}
	if a.Cmp(b) != 1 || b.Cmp(a) != -1 || a.Cmp(a) != 0 {
		t.Fatal("cmp")
	}
	var c Amount
	if err := c.UnmarshalText([]byte("0.00")); err != nil || !c.IsZero() {
		t.Fatalf("unmarshal zero: %v", err)
	}
	if err := c.UnmarshalText([]byte("1.001")); err == nil {
		t.Fatal("want error for 3 decimals")
	}
	var s Amount
	if err := s.Scan("42.10"); err != nil || s.String() != "42.10" {
		t.Fatalf("scan %v %s", err, s)
	}
}
