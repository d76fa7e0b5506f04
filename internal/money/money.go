// Package money holds exact monetary amounts. Purser never uses floats for money:
// every amount is a decimal with at most two fractional digits and a currency.
package money

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// DefaultCurrency is the currency of the Huawei Cloud China site, where BSS amounts are in yuan.
const DefaultCurrency = "CNY"

// MaxAmount bounds parsed amounts: far above any real transfer, far below anything that
// could overflow a NUMERIC(20,2) column.
var MaxAmount = decimal.RequireFromString("999999999999.99")

// Errors returned by Parse, so that callers can translate them.
var (
	ErrEmpty         = errors.New("money: amount is empty")
	ErrSyntax        = errors.New("money: amount is not a plain decimal number")
	ErrTooManyDigits = errors.New("money: amount has more than 2 decimals")
	ErrNotPositive   = errors.New("money: amount must be greater than zero")
	ErrTooLarge      = errors.New("money: amount is too large")
)

// plain accepts "123", "123.4", "123.45", optionally signed; no exponents, no separators.
var plain = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// Amount is an exact decimal amount in a currency.
type Amount struct {
	value    decimal.Decimal
	currency string
}

// New builds an amount from a decimal, rounding nothing: callers pass exact values.
func New(v decimal.Decimal, currency string) Amount {
	if currency == "" {
		currency = DefaultCurrency
	}
	return Amount{value: v, currency: currency}
}

// Zero is a zero amount in the given currency.
func Zero(currency string) Amount { return New(decimal.Zero, currency) }

// Parse reads a user- or API-supplied amount that is going to be moved, as ParseNumber
// reads it: it must be > 0, with at most 2 decimals, and not absurdly large.
func Parse(s, currency string) (Amount, error) {
	v, err := ParseNumber(s)
	if err != nil {
		return Amount{}, err
	}
	if !v.IsPositive() {
		return Amount{}, ErrNotPositive
	}
	if v.GreaterThan(MaxAmount) {
		return Amount{}, ErrTooLarge
	}
	return New(v, currency), nil
}

// ParseDecimal reads a plain decimal string with at most 2 decimals (sign allowed, zero
// allowed), no separators and ASCII only. It is what upstream figures and stored values go
// through; typed input goes through ParseNumber.
func ParseDecimal(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Decimal{}, ErrEmpty
	}
	if !plain.MatchString(s) {
		return decimal.Decimal{}, ErrSyntax
	}
	// "1.500" carries no more value than "1.50"; "1.505" does and is refused, as upstream does.
	if i := strings.IndexByte(s, '.'); i >= 0 && len(strings.TrimRight(s[i+1:], "0")) > 2 {
		return decimal.Decimal{}, ErrTooManyDigits
	}
	if len(s) > 40 {
		return decimal.Decimal{}, ErrTooLarge
	}
	return decimal.RequireFromString(s), nil
}

// FromUpstream reads an amount the upstream sent (numbers may carry more decimals than
// two, e.g. "12.3400" from a measure conversion); it rounds half away from zero to cents.
func FromUpstream(s, currency string) (Amount, error) {
	v, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return Amount{}, fmt.Errorf("money: upstream amount %q: %w", s, ErrSyntax)
	}
	return New(v.Round(2), currency), nil
}

// Decimal is the exact value.
func (a Amount) Decimal() decimal.Decimal { return a.value }

// Currency is the ISO currency code.
func (a Amount) Currency() string {
	if a.currency == "" {
		return DefaultCurrency
	}
	return a.currency
}

// String formats with exactly two decimals and no separators: "1234.50". This is the wire
// format of the upstream and of Purser's JSON API.
func (a Amount) String() string { return a.value.StringFixed(2) }

// IsZero reports whether the amount is zero.
func (a Amount) IsZero() bool { return a.value.IsZero() }

// IsPositive reports whether the amount is greater than zero.
func (a Amount) IsPositive() bool { return a.value.IsPositive() }

// Cmp compares two amounts of the same currency: -1, 0 or +1.
func (a Amount) Cmp(b Amount) int { return a.value.Cmp(b.value) }

// Add returns a+b; both must be in the same currency.
func (a Amount) Add(b Amount) Amount { return New(a.value.Add(b.value), a.Currency()) }

// Sub returns a-b; both must be in the same currency.
func (a Amount) Sub(b Amount) Amount { return New(a.value.Sub(b.value), a.Currency()) }

// Format renders an amount for people: thousands separators and two decimals,
// "1,234,567.50". English and Chinese group digits the same way.
func (a Amount) Format() string {
	s := a.value.Abs().StringFixed(2)
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	if a.value.IsNegative() {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	b.WriteString(frac)
	return b.String()
}

// Text is the amount as a sentence shows it: grouped, two decimals and the currency,
// "15,000.00 CNY". Notifications, timelines and error messages use it so that a reader
// never has to guess the currency or count digits.
func (a Amount) Text() string { return a.Format() + " " + a.Currency() }

// TextOf is Text for an amount kept as text (audit details, notification parameters);
// what does not parse as money is shown as it was stored, with the currency.
func TextOf(s, currency string) string {
	v, err := ParseDecimal(s)
	if err != nil {
		return strings.TrimSpace(s + " " + currency)
	}
	return New(v, currency).Text()
}

// MarshalText writes the wire format.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads any plain decimal with at most two decimals (zero and negative
// allowed: balances can be zero). Use Parse for amounts that are about to move.
func (a *Amount) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*a = New(v, a.currency)
	return nil
}

// Value stores the amount as a decimal string (NUMERIC in Postgres, TEXT in SQLite).
func (a Amount) Value() (driver.Value, error) { return a.String(), nil }

// Scan reads a stored amount.
func (a *Amount) Scan(src any) error {
	var d decimal.Decimal
	if err := d.Scan(src); err != nil {
		return fmt.Errorf("money: scan: %w", err)
	}
	*a = New(d, a.currency)
	return nil
}
