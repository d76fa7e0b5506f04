package readweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

var subAccountSorts = []string{store.SortName, store.SortNameDesc, store.SortBalance, store.SortBalanceDesc, store.SortRunway, store.SortRunwayDesc}

// subAccountFilter reads the list's filters from the query (the scope is the user's, and
// apart). Unknown values fall back to "any": a stale bookmark still opens the list.
func (a *Area) subAccountFilter(c *gin.Context) store.SubAccountFilter {
	f := store.SubAccountFilter{
		Q: webcore.QueryText(c, "q"), OrgID: strings.TrimSpace(c.Query("org_id")),
		Sort: c.Query("sort"), Cursor: c.Query("cursor"), Limit: webcore.ListPageSize, MasterAccountID: webcore.MasterParam(c),
		HiddenMasters: a.masters.Hidden(c.Request.Context()), RunwayBelow: runwayBelowParam(c.Query("runway_below")),
	}
	if st, err := strconv.Atoi(c.Query("status")); err == nil && slices.Contains(subAccountStatuses, st) {
		f.Status = st
	}
	if !slices.Contains(subAccountSorts, f.Sort) {
		f.Sort = store.SortName
	}
	return f
}

// subAccountList is GET /sub-accounts: search, filters, sort, keyset pages.
func (a *Area) subAccountList(c *gin.Context) {
	tr := a.core.Translator(c)
	ctx := c.Request.Context()
	f := a.subAccountFilter(c)
	orgShown, err := a.resolveOrg(c, &f)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	res, err := a.read.SubAccounts(ctx, a.core.Scope(c), f)
	stats := res.Stats
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	runs := a.syncRuns(c)
	q := url.Values{}
	// A typed name matching several units travels as the text; a unit, as its id.
	orgText := ""
	if f.OrgIDs != nil {
		orgText = orgTextOf(c)
	}
	for _, kv := range [][2]string{{"q", f.Q}, {"org_id", f.OrgID}, {"org", orgText}, {"status", statusParam(f.Status)}, {"sort", sortParam(f.Sort)}, {"master", f.MasterAccountID},
		{"runway_below", statusParam(f.RunwayBelow)}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	v := view.SubAccountList{
		Q: f.Q, OrgID: f.OrgID, Status: statusParam(f.Status), Sort: f.Sort,
		OrgText:        orgShown,
		Statuses:       statusOptions(tr, f.Status),
		Total:          webcore.FormatInt(res.Total),
		MoreThan:       res.TotalCapped,
		Exports:        a.exportLinks(c, "/sub-accounts/export", q),
		AsOf:           a.asOf(c, runs, []string{"balances", "sub_accounts"}, stats.OldestSync, ""),
		Masters:        a.masters.Options(c, f.MasterAccountID),
		RunwayBelow:    runwayBelowOptions(tr, f.RunwayBelow),
		DaysLeftHeader: daysLeftHeader(q, f.Sort),
	}
	for _, so := range subAccountSorts {
		v.Sorts = append(v.Sorts, view.Option{Value: so, Label: tr.T("sa.sort." + sortKey(so)), Selected: so == f.Sort})
	}
	lowDefault := a.lowBalanceDefault(ctx)
	// With several masters and none filtered, rows of different masters may share a name:
	// a column names each row's master (from the selector's options, already at hand).
	masterName := map[string]string{}
	if v.ShowMaster = len(v.Masters) > 0 && f.MasterAccountID == ""; v.ShowMaster {
		for _, o := range v.Masters {
			masterName[o.Value] = o.Label
		}
	}
	for _, sa := range res.Items {
		row := subAccountRow(tr, sa, lowDefault)
		if v.ShowMaster {
			if row.Master = masterName[sa.MasterAccountID]; row.Master == "" {
				row.Master = sa.MasterAccountID
			}
		}
		v.Rows = append(v.Rows, row)
	}
	if len(v.Rows) == 0 {
		v.Empty = tr.T("sa.empty")
		if f.Q != "" || f.OrgID != "" || f.OrgIDs != nil || f.Status != 0 || f.MasterAccountID != "" || f.RunwayBelow != 0 {
			v.Empty = tr.T("sa.empty_filtered")
		}
	}
	v.Pager = keysetPager(tr, "/sub-accounts", q, res.SubAccountPage)
	if authz.Allowed(a.core.Subject(c), authz.CreateOperation, authz.Target{}) {
		v.CanBulk = true
		for _, k := range []string{"transfer_funds", "retrieve_funds"} {
			v.BulkKinds = append(v.BulkKinds, view.Option{Value: k, Label: tr.T("sa.bulk_kind." + k)})
		}
	}
	a.core.Render(c, http.StatusOK, pages.SubAccounts(a.core.Page(c, "nav.sub_accounts"), v))
}

func statusParam(st int) string {
	if st == 0 {
		return ""
	}
	return strconv.Itoa(st)
}

func sortParam(so string) string {
	if so == store.SortName {
		return ""
	}
	return so
}

func sortKey(so string) string {
	return map[string]string{
		store.SortName: "name", store.SortNameDesc: "name_desc", store.SortBalance: "balance", store.SortBalanceDesc: "balance_desc",
		store.SortRunway: "runway", store.SortRunwayDesc: "runway_desc",
	}[so]
}

// subAccountRow is one sub-account as the lists show it.
func subAccountRow(tr *i18n.Translator, sa store.SubAccount, lowDefault money.Amount) view.SubAccountRow {
	row := view.SubAccountRow{
		ID: sa.ID, Name: sa.Name, DisplayName: sa.DisplayName, Href: "/sub-accounts/" + url.PathEscape(sa.ID),
		Status: subAccountStatus(tr, sa.Status), Org: sa.OrgName,
		Debit: sa.Debit.Format(), Credit: sa.Credit.Format(), Total: sa.Total.Format(),
		Low: sa.BalancesSyncedAt != nil && sa.Total.Decimal().LessThan(thresholdOf(sa, lowDefault).Decimal()), Stale: sa.Stale,
		DaysLeft: runwayCell(tr, sa),
	}
	if sa.BalancesSyncedAt == nil {
		// During a first sync a zero would read as an empty account.
		row.NotRead, row.Debit, row.Credit, row.Total = true, "—", "—", "—"
	}
	return row
}

func statusOptions(tr *i18n.Translator, selected int) []view.Option {
	out := []view.Option{{Value: "", Label: tr.T("sa.any_status"), Selected: selected == 0}}
	for _, st := range subAccountStatuses {
		out = append(out, view.Option{Value: strconv.Itoa(st), Label: statusLabel(tr, "sa.status.", st), Selected: st == selected})
	}
	return out
}
