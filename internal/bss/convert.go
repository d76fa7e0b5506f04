package bss

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/bss/wire"
	"github.com/purser-finance/purser/internal/money"
)

// Small conversions between the SDK's pointer-heavy models and domain values.

func ptr[T any](v T) *T { return &v }

// optInt is nil for zero, so that the upstream applies its default.
func optInt(n int) *int32 {
	if n == 0 {
		return nil
	}
	return ptr(int32(n))
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func dec(p *decimal.Decimal) decimal.Decimal {
	if p == nil {
		return decimal.Zero
	}
	return *p
}

// amountOf reads an upstream figure (possibly with more than two decimals) as money.
func amountOf(d decimal.Decimal) money.Amount { return money.New(d.Round(2), money.DefaultCurrency) }

func amountPtr(p *decimal.Decimal) money.Amount { return amountOf(dec(p)) }

// amountText reads an amount the upstream sends as a string; unreadable text is a bad answer.
func amountText(p *string, bad *error) money.Amount {
	if p == nil || *p == "" {
		return money.Zero(money.DefaultCurrency)
	}
	a, err := money.FromUpstream(*p, money.DefaultCurrency)
	if err != nil && *bad == nil {
		*bad = err
	}
	return a
}

func amountFloat(p *float64) money.Amount {
	if p == nil {
		return money.Zero(money.DefaultCurrency)
	}
	// The SDK models order amounts as float64; go through the shortest decimal text.
	return amountOf(decimal.NewFromFloat(*p))
}

// timeOf reads the upstream's UTC timestamps; anything unreadable is "no time".
func timeOf(p *string) time.Time {
	if p == nil || *p == "" {
		return time.Time{}
	}
	for _, layout := range []string{wire.TimeLayout, time.RFC3339, "2006-01-02T15:04:05.000Z"} {
		if t, err := time.Parse(layout, *p); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func timeText(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return ptr(t.UTC().Format(wire.TimeLayout))
}

// wireAmount is the exact decimal text of an amount to move: no rounding, so that the
// upstream, not the client, decides whether it is acceptable.
func wireAmount(a money.Amount) string { return a.Decimal().String() }

// quantity reads a resource-package quantity sent as text.
func quantity(p *string, bad *error) decimal.Decimal {
	if p == nil || *p == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(*p)
	if err != nil && *bad == nil {
		*bad = err
	}
	return d
}
