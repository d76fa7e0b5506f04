package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/bss/wire"
	"github.com/purser-finance/purser/internal/money"
)

// intParam reads an optional integer query parameter and checks its documented range.
func intParam(q url.Values, name string, def, lo, hi int) (int, *apiError) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badParam("%s must be an integer between %d and %d", name, lo, hi)
	}
	return n, nil
}

// page reads v2 row offsets: offset from 0, limit within [1, maxLimit].
func page(q url.Values, defLimit, maxLimit int) (offset, limit int, e *apiError) {
	if offset, e = intParam(q, "offset", 0, 0, 1<<30); e != nil {
		return
	}
	limit, e = intParam(q, "limit", defLimit, 1, maxLimit)
	return
}

// decodeBody reads a JSON body; unknown fields are ignored, as upstream does.
func decodeBody(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return badParam("request body is not valid JSON")
	}
	return nil
}

// parseMoveAmount applies the upstream's amount rule: > 0, at most two decimals.
func parseMoveAmount(s string) (decimal.Decimal, *apiError) {
	a, err := money.Parse(s, money.DefaultCurrency)
	if err != nil {
		if errors.Is(err, money.ErrTooManyDigits) {
			return decimal.Decimal{}, badParam("amount has more than 2 decimals")
		}
		return decimal.Decimal{}, badParam("amount must be a number greater than 0")
	}
	return a.Decimal(), nil
}

func parseTime(s string) (time.Time, *apiError) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(wire.TimeLayout, s)
	if err != nil {
		return time.Time{}, badParam("time %q is not in the format yyyy-MM-ddTHH:mm:ssZ", s)
	}
	return t, nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(wire.TimeLayout)
}

// num writes a decimal as a JSON number, as the upstream does for amounts.
func num(d decimal.Decimal) json.Number { return json.Number(d.StringFixed(2)) }

func numPtr(d decimal.Decimal) *json.Number { n := num(d); return &n }

// window returns the bounds of a page over n items.
func window(n, offset, limit int) (int, int) {
	if offset > n {
		offset = n
	}
	end := offset + limit
	if end > n {
		end = n
	}
	return offset, end
}

// matches applies a name filter; nil is none. A fuzzy filter matches a substring (so the
// empty one matches every value), an exact one the whole value.
func matches(value string, query *string, fuzzy bool) bool {
	if query == nil {
		return true
	}
	if fuzzy {
		return strings.Contains(strings.ToLower(value), strings.ToLower(*query))
	}
	return value == *query
}

// catalogLimit is the catalogue operations' default page size ("默认值为10"); the most
// they answer at once is not documented: 1,000 here.
const catalogLimit, catalogMaxLimit = 10, 1000

// language picks the catalogue language from X-Language (zh_CN by default, as upstream).
func language(r *http.Request) string {
	if r.Header.Get("X-Language") == "en_US" {
		return "en_US"
	}
	return "zh_CN"
}
