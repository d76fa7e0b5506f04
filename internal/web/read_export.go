package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
)

// Exports of every list, as CSV or xlsx, with the list's current filters. The file is
// built in memory first, so that its row count is known and its export.download event is
// written before a single byte leaves: no download without its audit event.

// exportPage is the page size used to walk offset-paginated lists.
const exportPage = 500

// exportFunc writes a list's header and rows and returns the row count.
type exportFunc func(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error)

// exportList answers an export of one list.
func (s *Server) exportList(list string, fn exportFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		format := c.Query("format")
		if !export.Valid(format) {
			s.fail(c, errBadRequest)
			return
		}
		tr := s.i18n.For(lang(c))
		var buf bytes.Buffer
		w, err := export.New(format, &buf, tr.T("export.sheet."+list))
		if err != nil {
			s.fail(c, err)
			return
		}
		ctx := c.Request.Context()
		n, err := fn(ctx, c, tr, w)
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			if !c.IsAborted() {
				s.fail(c, err)
			}
			return
		}
		filters := map[string]any{}
		for k, v := range c.Request.URL.Query() {
			if k != "format" && len(v) > 0 {
				filters[k] = v[0]
			}
		}
		if err := audit.Record(ctx, s.db, meta(c), audit.Entry{
			Action: audit.ExportDownload, TargetType: "list", TargetID: list, Outcome: audit.Success,
			Details: map[string]any{"list": list, "format": format, "filters": filters, "rows": n},
		}); err != nil {
			s.fail(c, err)
			return
		}
		name := fmt.Sprintf("%s-%s.%s", list, s.now().In(displayZone).Format("20060102-1504"), format)
		c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
		c.Data(http.StatusOK, export.ContentType(format), buf.Bytes())
	}
}

func (s *Server) exportSubAccounts(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	f := s.subAccountFilter(c, signedIn(c))
	f.Cursor, f.Limit = "", 0
	if err := w.Header(tr.T("sa.id"), tr.T("sa.name"), tr.T("sa.display_name"), tr.T("sa.status"), tr.T("sa.org"),
		tr.T("sa.debit"), tr.T("sa.credit"), tr.T("sa.total"), tr.T("sa.currency"), tr.T("sa.threshold"), tr.T("sa.balances_as_of")); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.ForEachSubAccount(ctx, f, func(sa store.SubAccount) error {
		n++
		th := export.Text("")
		if sa.LowBalanceThreshold != nil {
			th = export.Amount(*sa.LowBalanceThreshold)
		}
		return w.Row(export.Text(sa.ID), export.Text(sa.Name), export.Text(sa.DisplayName),
			export.Text(statusLabel(tr, "sa.status.", sa.Status)), export.Text(sa.OrgName),
			export.Amount(sa.Debit), export.Amount(sa.Credit), export.Amount(sa.Total), export.Text(sa.Currency),
			th, export.Time(sa.BalancesSyncedAt, displayZone))
	})
	return n, err
}

func (s *Server) exportCoupons(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	f, _ := s.couponFilter(c, signedIn(c))
	if f.SubAccountID != "" {
		if _, ok := s.scopedSubAccount(c, f.SubAccountID); !ok {
			return 0, errAborted
		}
	}
	if err := w.Header(tr.T("coupon.id"), tr.T("coupon.sub_id"), tr.T("coupon.holder"), tr.T("coupon.plan"),
		tr.T("coupon.balance"), tr.T("read.effective"), tr.T("read.expire")); err != nil {
		return 0, err
	}
	n := 0
	for f.Offset = 0; ; f.Offset += exportPage {
		f.Limit = exportPage
		rows, _, err := s.db.ListCoupons(ctx, f)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			n++
			if err := w.Row(export.Text(r.CouponID), export.Text(r.SubCouponID), export.Text(r.SubAccountID), export.Text(r.PlanName),
				export.Amount(r.Balance), export.Time(r.Effective, displayZone), export.Time(r.Expire, displayZone)); err != nil {
				return n, err
			}
		}
		if len(rows) < exportPage {
			return n, nil
		}
	}
}

func (s *Server) exportCards(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	status := queryInt(c, "status", 0)
	if status != 1 && status != 2 {
		status = 0
	}
	if err := w.Header(tr.T("card.id"), tr.T("card.name"), tr.T("read.status"), tr.T("card.face_value"), tr.T("card.balance"),
		tr.T("read.effective"), tr.T("read.expire")); err != nil {
		return 0, err
	}
	n := 0
	for off := 0; ; off += exportPage {
		rows, _, err := s.db.ListCardsOf(ctx, masterParam(c), status, off, exportPage, s.hiddenMasters(c)...)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			n++
			if err := w.Row(export.Text(r.CardID), export.Text(r.Name), export.Text(statusLabel(tr, "card.status.", r.Status)),
				export.Amount(r.FaceValue), export.Amount(r.Balance), export.Time(r.Effective, displayZone), export.Time(r.Expire, displayZone)); err != nil {
				return n, err
			}
		}
		if len(rows) < exportPage {
			return n, nil
		}
	}
}

func (s *Server) exportResources(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	u := signedIn(c)
	f, _ := s.resourceFilter(c, s.now())
	if err := w.Header(tr.T("res.id"), tr.T("res.name"), tr.T("res.account"), tr.T("res.region"), tr.T("res.service"),
		tr.T("res.type"), tr.T("res.spec"), tr.T("read.status"), tr.T("read.effective"), tr.T("read.expire"), tr.T("res.policy")); err != nil {
		return 0, err
	}
	n := 0
	for f.Offset = 0; ; f.Offset += exportPage {
		f.Limit = exportPage
		rows, _, err := s.db.ListResources(ctx, f)
		if err != nil {
			return n, err
		}
		full := len(rows) == exportPage
		if len(scopesOf(u)) > 0 {
			ids := make([]string, 0, len(rows))
			for _, r := range rows {
				ids = append(ids, r.AccountID)
			}
			h, err := s.holders(ctx, ids)
			if err != nil {
				return n, err
			}
			rows = inScopeResources(u, rows, h)
		}
		for _, r := range rows {
			n++
			if err := w.Row(export.Text(r.ResourceID), export.Text(r.Name), export.Text(r.AccountID), export.Text(r.Region),
				export.Text(r.ServiceType), export.Text(r.ResourceType), export.Text(r.SpecDesc),
				export.Text(statusLabel(tr, "res.status.", r.Status)), export.Time(r.Effective, displayZone), export.Time(r.Expire, displayZone),
				export.Text(expirePolicy(tr, r.ExpirePolicy))); err != nil {
				return n, err
			}
		}
		if !full {
			return n, nil
		}
	}
}

func (s *Server) exportPackages(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	q := queryText(c, "q")
	if err := w.Header(tr.T("pkg.product"), tr.T("res.service"), tr.T("res.region"), tr.T("pkg.usage_type"),
		tr.T("pkg.original"), tr.T("pkg.used"), tr.T("pkg.remaining"), tr.T("read.status"), tr.T("read.effective"), tr.T("read.expire")); err != nil {
		return 0, err
	}
	n := 0
	for off := 0; ; off += exportPage {
		rows, _, err := s.db.ListPackageUsagesOf(ctx, masterParam(c), q, off, exportPage, s.hiddenMasters(c)...)
		if err != nil {
			return n, err
		}
		for _, p := range rows {
			n++
			if err := w.Row(export.Text(p.ProductName), export.Text(p.ServiceType), export.Text(p.Region), export.Text(p.UsageTypeName),
				export.Number(p.Original), export.Number(p.Original.Sub(p.Remaining)), export.Number(p.Remaining),
				export.Text(statusLabel(tr, "pkg.status.", p.Status)), export.Time(p.Effective, displayZone), export.Time(p.Expire, displayZone)); err != nil {
				return n, err
			}
		}
		if len(rows) < exportPage {
			return n, nil
		}
	}
}

func (s *Server) exportCatalog(ctx context.Context, c *gin.Context, tr *i18n.Translator, w export.Writer) (int, error) {
	kind := c.Query("kind")
	if !slices.Contains(catalogKinds, kind) {
		kind = "service_type"
	}
	parent, q := c.Query("parent"), queryText(c, "q")
	if err := w.Header(tr.T("catalog.code"), tr.T("catalog.name"), tr.T("catalog.description"), tr.T("catalog.parent"), tr.T("catalog.extra")); err != nil {
		return 0, err
	}
	n := 0
	for off := 0; ; off += exportPage {
		rows, _, err := s.db.ListCatalog(ctx, kind, catalogLang(tr.Lang), parent, q, off, exportPage)
		if err != nil {
			return n, err
		}
		for _, e := range rows {
			n++
			if err := w.Row(export.Text(e.Code), export.Text(e.Name), export.Text(e.Description), export.Text(e.Parent), export.Text(e.Extra)); err != nil {
				return n, err
			}
		}
		if len(rows) < exportPage {
			return n, nil
		}
	}
}

// errAborted: the handler already answered (a 404 for an out-of-scope filter).
var errAborted = fmt.Errorf("web: response already written")
