package auditweb

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// targetLabel names an event's target as people know it ("Operation #26 — transfer
// 42.00 CNY to purser-sub-00013", "User li.na"), from the objects as they are now; a
// target that no longer exists keeps its type and id with "(deleted)". Names typed
// upstream or by users sit in isolates (webcore.Isolate) inside the composed label.
func targetLabel(tr *i18n.Translator, typ, id string, t readmodel.AuditTargets) string {
	if id == "" {
		return typeLabel(tr, typ)
	}
	n, numErr := strconv.ParseInt(id, 10, 64)
	switch typ {
	case "operation":
		o, ok := t.Operations[n]
		if numErr != nil || !ok {
			return tr.T("audit.label_operation_gone", map[string]any{"ID": id})
		}
		return tr.T("audit.label_operation", map[string]any{"ID": id, "What": operationWhat(tr, o, t)})
	case "user":
		u, ok := t.Users[n]
		if numErr != nil || !ok {
			return tr.T("audit.label_user_gone", map[string]any{"ID": id})
		}
		return tr.T("audit.label_user", map[string]any{"Name": webcore.Isolate(u.Username)})
	case "sub_account":
		sa, ok := t.SubAccounts[id]
		if !ok {
			return tr.T("audit.label_sub_account_gone", map[string]any{"ID": id})
		}
		return tr.T("audit.label_sub_account", map[string]any{"Name": webcore.Isolate(subName(sa))})
	case "audit":
		// What was viewed or exported: a word, not a code.
		if l := tr.T("audit.audit_target." + id); !strings.HasPrefix(l, "[") {
			return typeLabel(tr, typ) + " · " + l
		}
	}
	return typeLabel(tr, typ) + " " + id
}

// typeLabel translates a target type; an unknown one is shown as it is.
func typeLabel(tr *i18n.Translator, typ string) string {
	if l := tr.T("audit.type." + typ); !strings.HasPrefix(l, "[") {
		return l
	}
	return typ
}

func subName(sa store.SubAccountName) string {
	if sa.Name != "" {
		return sa.Name
	}
	return sa.ID
}

// operationWhat says what an operation does in a few words: the money and whose it is.
func operationWhat(tr *i18n.Translator, o store.Operation, t readmodel.AuditTargets) string {
	sub := o.SubAccountID
	if sa, ok := t.SubAccounts[o.SubAccountID]; ok {
		sub = subName(sa)
	}
	data := map[string]any{"Kind": actionKind(tr, o.Kind), "Sub": webcore.Isolate(sub), "Amount": ""}
	if o.Amount != nil {
		data["Amount"] = money.TextOf(*o.Amount, o.Currency)
	}
	switch {
	case o.Amount != nil && (o.Kind == "transfer_funds" || o.Kind == "transfer_coupon"):
		return tr.T("audit.what_to", data)
	case o.Amount != nil && (o.Kind == "retrieve_funds" || o.Kind == "retrieve_coupon"):
		return tr.T("audit.what_from", data)
	case o.SubAccountID != "":
		return tr.T("audit.what_of", data)
	}
	return data["Kind"].(string)
}

func actionKind(tr *i18n.Translator, kind string) string {
	if l := tr.T("op.kind." + kind); !strings.HasPrefix(l, "[") {
		return l
	}
	return kind
}

// summarize turns details into one short line, "Key: value" pairs sorted by key, at
// most 160 characters, so the list stays scannable; the event page shows everything.
// Keys are translated where the locale knows them; an amount shows its currency.
func summarize(tr *i18n.Translator, details json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(details, &m) != nil || len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	currency, _ := m["currency"].(string)
	var b strings.Builder
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteString(" · ")
		}
		v := flat(m[k])
		switch x := m[k].(type) {
		case string:
			if k == "amount" || k == "total" {
				v = money.TextOf(x, currency)
			} else {
				v = webcore.Isolate(v) // a value inside a composed line: see isolate
			}
		case bool:
			v = tr.T("audit.bool_" + strconv.FormatBool(x))
		}
		fmt.Fprintf(&b, "%s: %s", detailKey(tr, k), v)
		if b.Len() > 160 {
			return truncate(b.String(), 157) + "…"
		}
	}
	return b.String()
}

// detailKey translates a details key; an unknown one is shown as recorded.
func detailKey(tr *i18n.Translator, k string) string {
	if l := tr.T("audit.key." + k); !strings.HasPrefix(l, "[") {
		return l
	}
	return k
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
