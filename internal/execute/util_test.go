package execute_test

import (
	"encoding/json"
	"strings"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/money"
)

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

type sandboxResource = sandbox.ResourceSummary

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func mustAmount(s string) money.Amount {
	a, err := money.FromUpstream(s, money.DefaultCurrency)
	if err != nil {
		panic(err)
	}
	return a
}
