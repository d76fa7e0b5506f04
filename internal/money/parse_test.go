package money

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestParseNumberAllowsZeroAndSign(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"0", "0", nil},
		{"-1,000.50", "-1000.5", nil},
		{"－１，０００", "-1000", nil},
		{"+12,345", "12345", nil},
		{"-1,50", "", ErrGrouping},
		{"", "", ErrEmpty},
		{"   ", "", ErrEmpty},
		{"1.234", "", ErrTooManyDigits},
		{strings.Repeat("１", 200), "", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNumber(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseNumber(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got.String() != tt.want {
				t.Fatalf("ParseNumber(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

var parseErrors = []error{ErrEmpty, ErrSyntax, ErrGrouping, ErrTooManyDigits, ErrNotPositive, ErrTooLarge}

// FuzzParseAmount checks the one amount parser: it never panics, refuses with one of its own
// errors, and what it accepts is a positive amount in cents that reads back the same from its
// wire and display forms and from the input with its separators removed.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1,000.50", "１，０００．５０", "1,50", "1,2,3", "0.01", "12,345,678", "-1", "1e3",
		" 7 ", ",100", "100,", "999,999,999,999.99", "1.005", "\u3000１００\u3000", "0,100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if _, err := ParseNumber(in); err != nil && !known(err) {
			t.Fatalf("ParseNumber(%q): unexpected error %v", in, err)
		}
		a, err := Parse(in, "")
		if err != nil {
			if !known(err) {
				t.Fatalf("Parse(%q): unexpected error %v", in, err)
			}
			return
		}
		d := a.Decimal()
		if !d.IsPositive() || d.GreaterThan(MaxAmount) || !d.Round(2).Equal(d) {
			t.Fatalf("Parse(%q) accepted %s", in, d)
		}
		for _, out := range []string{a.String(), a.Format()} {
			b, err := Parse(out, "")
			if err != nil || !b.Decimal().Equal(d) {
				t.Fatalf("Parse(%q) = %s, but its form %q reads back as %v, %v", in, d, out, b.Decimal(), err)
			}
		}
		if n := norm.NFKC.String(in); strings.Contains(n, ",") {
			b, err := Parse(strings.ReplaceAll(n, ",", ""), "")
			if err != nil || !b.Decimal().Equal(d) {
				t.Fatalf("Parse(%q) = %s, without separators %v, %v", in, d, b.Decimal(), err)
			}
		}
	})
}

func known(err error) bool {
	for _, e := range parseErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
