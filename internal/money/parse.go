package money

import (
	"errors"
	"regexp"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"
	"golang.org/x/text/unicode/norm"
)

// ErrGrouping refuses thousands separators anywhere but between groups of three digits:
// "1,50" or "1,2,3" could mean several things, and stripping the commas once turned
// "1,50" into 150.00.
var ErrGrouping = errors.New("money: thousands separators must separate groups of three digits, e.g. 1,000.50")

// maxInputBytes bounds what is normalised at all; the largest amount, grouped, typed in
// full-width digits and padded with spaces, is far shorter.
const maxInputBytes = 256

// grouped is a number written with thousands separators: a first group of 1–3 digits not
// starting with 0, then groups of exactly three, then an optional fraction.
var grouped = regexp.MustCompile(`^[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?$`)

// ParseNumber reads a number a person or an API client typed — a form field, a bulk-file
// cell, a JSON string — and is the one place that decides what such input means. Unicode
// NFKC comes first, so full-width digits and punctuation ("１，０００．５０", typed with a
// Chinese input method) read as their ASCII forms; spaces around are trimmed; thousands
// separators are accepted only in correct groups of three. Sign and zero are allowed (a
// threshold may be 0); Parse adds the rules for an amount that moves.
func ParseNumber(s string) (decimal.Decimal, error) {
	if len(s) > maxInputBytes {
		return decimal.Decimal{}, ErrTooLarge
	}
	for _, r := range s {
		// NFKC also folds superscripts, circled and mathematical digits ("10²" would read
		// 102); only the full-width forms and spaces are what people really type.
		if r >= 0x80 && !unicode.IsSpace(r) && (r < 0xFF01 || r > 0xFF5E) {
			return decimal.Decimal{}, ErrSyntax
		}
	}
	s = strings.TrimSpace(norm.NFKC.String(s))
	if strings.Contains(s, ",") {
		if !grouped.MatchString(s) {
			return decimal.Decimal{}, ErrGrouping
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	return ParseDecimal(s)
}
