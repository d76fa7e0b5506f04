package opsweb

import (
	"strconv"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// orderView is one order of a renewal: header, line items, provisioned resources.
func orderView(tr *i18n.Translator, o approval.RenewalOrder) view.RenewalOrder {
	v := view.RenewalOrder{ID: string(o.ID)}
	if o.Problem != nil {
		v.Unavailable = tr.T("order.unavailable", map[string]any{"Reason": problemText(tr, o.Problem)})
		return v
	}
	d := o.Details
	h := d.Order
	add := func(key, value, test string) {
		if value != "" {
			v.Header = append(v.Header, view.Fact{Label: tr.T("order." + key), Value: value, Test: test})
		}
	}
	add("status", orderCode(tr, "order.status.", h.Status, 1, 2, 3, 4, 5, 6, 9), "order-status")
	add("type", orderCode(tr, "order.type.", h.OrderType, 1, 2, 3, 4, 11, 13, 14, 15), "order-type")
	add("service", orDefault(h.ServiceTypeName, h.ServiceType), "order-service")
	add("amount", h.Amount.Format()+" "+h.Amount.Currency(), "order-amount")
	add("official", h.OfficialAmount.Format()+" "+h.OfficialAmount.Currency(), "order-official")
	add("created", timeOrEmpty(h.Created, tr.Lang), "order-created")
	add("paid", timeOrEmpty(h.Paid, tr.Lang), "order-paid")
	for _, l := range d.Lines {
		v.Lines = append(v.Lines, view.OrderLine{ID: l.ID, Service: orDefault(l.ServiceTypeName, l.ServiceType), Spec: orDefault(l.SpecDesc, l.ProductID),
			Period: linePeriod(tr, l), Effective: timeOrEmpty(l.Effective, tr.Lang), Expire: timeOrEmpty(l.Expire, tr.Lang),
			Amount: l.Amount.Format() + " " + l.Amount.Currency()})
	}
	for _, r := range d.Provisioned {
		size := ""
		if !r.Size.IsZero() {
			size = r.Size.String()
		}
		v.Resources = append(v.Resources, view.OrderResource{ID: string(r.ResourceID), Service: r.ServiceType, Region: r.Region, Type: r.ResourceType,
			Spec: r.SpecCode, Size: size, Status: orderCode(tr, "res.status.", r.Status, int(bss.ResourceInUse), int(bss.ResourceClosed),
				int(bss.ResourceFrozen), int(bss.ResourceExpired))})
	}
	return v
}

// orderCode names an upstream code from the catalogue (prefix + code) when it is one of
// known, else shows the number.
func orderCode(tr *i18n.Translator, prefix string, code int, known ...int) string {
	for _, k := range known {
		if k == code {
			return tr.T(prefix + strconv.Itoa(code))
		}
	}
	return tr.T("order.code_other", map[string]any{"Code": code})
}

// linePeriod is a line item's period: "3 month(s)".
func linePeriod(tr *i18n.Translator, l bss.OrderLine) string {
	unit := map[int]string{int(bss.PeriodMonth): "month", int(bss.PeriodYear): "year"}[l.PeriodType]
	if unit == "" || l.PeriodNum == 0 {
		return ""
	}
	return tr.T("op.period_value", map[string]any{"Num": l.PeriodNum, "Unit": tr.T("op.period." + unit)})
}

func timeOrEmpty(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	return webcore.FormatTime(t, lang)
}
