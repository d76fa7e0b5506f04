package readweb

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Exports of every list, as CSV or xlsx, with the list's current filters. The file is
// built in memory first, so that its row count is known and its export.download event is
// written before a single byte leaves: no download without its audit event.

// exportFunc writes a list's header and rows and returns the row count.
type exportFunc func(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error)

// exportList answers an export of one list.
func (a *Area) exportList(list string, fn exportFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		format := c.Query("format")
		if !export.Valid(format) {
			a.core.Fail(c, webcore.ErrBadRequest)
			return
		}
		tr := a.core.Translator(c)
		var buf bytes.Buffer
		w, err := export.New(format, &buf, tr.T("export.sheet."+list))
		if err != nil {
			a.core.Fail(c, err)
			return
		}
		ctx := c.Request.Context()
		n, err := fn(ctx, c, tr, w)
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			a.core.Fail(c, err)
			return
		}
		filters := map[string]any{}
		for k, v := range c.Request.URL.Query() {
			if k != "format" && len(v) > 0 {
				filters[k] = v[0]
			}
		}
		if err := audit.Record(ctx, a.db, a.core.Meta(c), audit.Entry{
			Action: audit.ExportDownload, TargetType: "list", TargetID: list, Outcome: audit.Success,
			Details: map[string]any{"list": list, "format": format, "filters": filters, "rows": n},
		}); err != nil {
			a.core.Fail(c, err)
			return
		}
		name := fmt.Sprintf("%s-%s.%s", list, a.now().In(webcore.DisplayZone).Format("20060102-1504"), format)
		c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
		c.Data(http.StatusOK, export.ContentType(format), buf.Bytes())
	}
}

func (a *Area) exportSubAccounts(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	f := a.subAccountFilter(c)
	f.Cursor, f.Limit = "", 0
	if _, err := a.resolveOrg(c, &f); err != nil {
		return 0, err
	}
	if err := w.Header(tr.T("sa.id"), tr.T("sa.name"), tr.T("sa.display_name"), tr.T("sa.status"), tr.T("sa.org"),
		tr.T("sa.debit"), tr.T("sa.credit"), tr.T("sa.total"), tr.T("sa.currency"), tr.T("sa.threshold"), tr.T("sa.balances_as_of"),
		tr.T("runway.days_left"), tr.T("runway.state"), tr.T("runway.daily_burn")); err != nil {
		return 0, err
	}
	n := 0
	err := a.read.EachSubAccount(ctx, a.core.Scope(c), f, func(sa store.SubAccount) error {
		n++
		th := export.Text("")
		if sa.LowBalanceThreshold != nil {
			th = export.Amount(*sa.LowBalanceThreshold)
		}
		// Days left as a number a spreadsheet sorts, beside the words of the states
		// that are not one.
		days, burn := export.Text(""), export.Text("")
		if sa.Runway.State == store.RunwayEstimated {
			days, burn = export.Number(sa.Runway.Days), export.Amount(money.New(sa.Runway.Burn.Round(2), sa.Currency))
		}
		return w.Row(export.Text(sa.ID), export.Text(sa.Name), export.Text(sa.DisplayName),
			export.Text(statusLabel(tr, "sa.status.", sa.Status)), export.Text(sa.OrgName),
			export.Amount(sa.Debit), export.Amount(sa.Credit), export.Amount(sa.Total), export.Text(sa.Currency),
			th, export.Time(sa.BalancesSyncedAt, webcore.DisplayZone), days, export.Text(runwayCell(tr, sa).Text), burn)
	})
	return n, err
}

func (a *Area) exportCoupons(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	f, _ := a.couponFilter(c)
	if f.SubAccountID != "" {
		if _, err := a.scopedSubAccount(c, f.SubAccountID); err != nil {
			return 0, err
		}
	}
	if err := w.Header(tr.T("coupon.id"), tr.T("coupon.sub_id"), tr.T("coupon.holder"), tr.T("coupon.plan"),
		tr.T("coupon.balance"), tr.T("read.effective"), tr.T("read.expire")); err != nil {
		return 0, err
	}
	n := 0
	err := a.read.EachCoupon(ctx, a.core.Scope(c), f, func(r store.Coupon) error {
		n++
		return w.Row(export.Text(r.CouponID), export.Text(r.SubCouponID), export.Text(r.SubAccountID), export.Text(r.PlanName),
			export.Amount(r.Balance), export.Time(r.Effective, webcore.DisplayZone), export.Time(r.Expire, webcore.DisplayZone))
	})
	return n, err
}

func (a *Area) exportCards(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	if err := w.Header(tr.T("card.id"), tr.T("card.name"), tr.T("read.status"), tr.T("card.face_value"), tr.T("card.balance"),
		tr.T("read.effective"), tr.T("read.expire")); err != nil {
		return 0, err
	}
	n := 0
	err := a.read.EachCard(ctx, a.core.Scope(c), a.cardFilter(c), func(r store.StoredValueCard) error {
		n++
		return w.Row(export.Text(r.CardID), export.Text(r.Name), export.Text(statusLabel(tr, "card.status.", r.Status)),
			export.Amount(r.FaceValue), export.Amount(r.Balance), export.Time(r.Effective, webcore.DisplayZone), export.Time(r.Expire, webcore.DisplayZone))
	})
	return n, err
}

func (a *Area) exportResources(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	f, _ := a.resourceFilter(c, a.now())
	if err := w.Header(tr.T("res.id"), tr.T("res.name"), tr.T("res.account"), tr.T("res.region"), tr.T("res.service"),
		tr.T("res.type"), tr.T("res.spec"), tr.T("read.status"), tr.T("read.effective"), tr.T("read.expire"), tr.T("res.policy")); err != nil {
		return 0, err
	}
	n := 0
	err := a.read.EachResource(ctx, a.core.Scope(c), f, func(r store.Resource) error {
		n++
		return w.Row(export.Text(r.ResourceID), export.Text(r.Name), export.Text(r.AccountID), export.Text(r.Region),
			export.Text(r.ServiceType), export.Text(r.ResourceType), export.Text(r.SpecDesc),
			export.Text(statusLabel(tr, "res.status.", r.Status)), export.Time(r.Effective, webcore.DisplayZone), export.Time(r.Expire, webcore.DisplayZone),
			export.Text(expirePolicy(tr, r.ExpirePolicy)))
	})
	return n, err
}

func (a *Area) exportPackages(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	if err := w.Header(tr.T("pkg.product"), tr.T("res.service"), tr.T("res.region"), tr.T("pkg.usage_type"),
		tr.T("pkg.original"), tr.T("pkg.used"), tr.T("pkg.remaining"), tr.T("read.status"), tr.T("read.effective"), tr.T("read.expire")); err != nil {
		return 0, err
	}
	n := 0
	err := a.read.EachPackage(ctx, a.core.Scope(c), a.packageFilter(c), func(p store.PackageUsage) error {
		n++
		return w.Row(export.Text(p.ProductName), export.Text(p.ServiceType), export.Text(p.Region), export.Text(p.UsageTypeName),
			export.Number(p.Original), export.Number(p.Original.Sub(p.Remaining)), export.Number(p.Remaining),
			export.Text(statusLabel(tr, "pkg.status.", p.Status)), export.Time(p.Effective, webcore.DisplayZone), export.Time(p.Expire, webcore.DisplayZone))
	})
	return n, err
}

func (a *Area) exportCatalog(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	if err := w.Header(tr.T("catalog.code"), tr.T("catalog.name"), tr.T("catalog.description"), tr.T("catalog.parent"), tr.T("catalog.extra")); err != nil {
		return 0, err
	}
	n := 0
	err := a.read.EachCatalogEntry(ctx, catalogFilter(c, tr, c.Query("parent")), func(e store.CatalogEntry) error {
		n++
		return w.Row(export.Text(e.Code), export.Text(e.Name), export.Text(e.Description), export.Text(e.Parent), export.Text(e.Extra))
	})
	return n, err
}
