package readweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The resources list: keyset pages of the resources in the user's scope, with filter
// choices (services, regions, accounts) counted over that scope only.

// expiringChoices are the "expiring within N days" filter's values.
var expiringChoices = []int{7, 30, 60, 90}

func (a *Area) resourceFilter(c *gin.Context, now time.Time) (store.ResourceFilter, url.Values) {
	f := store.ResourceFilter{
		Q: webcore.QueryText(c, "q"), ServiceType: strings.TrimSpace(c.Query("service")), Region: strings.TrimSpace(c.Query("region")),
		MasterAccountID: webcore.MasterParam(c), HiddenMasters: a.masters.Hidden(c.Request.Context()),
	}
	f.AccountID = strings.TrimSpace(c.Query("account")) // the owning account (a master or a sub-account)
	q := url.Values{}
	setIf(q, "q", f.Q)
	setIf(q, "master", f.MasterAccountID)
	setIf(q, "account", f.AccountID)
	setIf(q, "service", f.ServiceType)
	setIf(q, "region", f.Region)
	if st := queryInt(c, "status", 0); slices.Contains(resourceStatuses, st) {
		f.Status = st
		q.Set("status", strconv.Itoa(st))
	}
	if d := queryInt(c, "expiring", 0); d > 0 && d <= 3650 {
		until := now.Add(time.Duration(d) * 24 * time.Hour)
		f.ExpiringUntil = &until
		q.Set("expiring", strconv.Itoa(d))
	}
	return f, q
}

// resourceAccountOptions is the account filter of the resources page: each account owning
// cached resources in the user's scope (the masters, and sub-accounts synced with their
// own credentials); nil when there is only one to choose.
func resourceAccountOptions(tr *i18n.Translator, accounts []string, h map[string]*store.SubAccount,
	masterNames map[string]string, selected string) []view.Option {
	opts := []view.Option{{Value: "", Label: tr.T("res.any_account"), Selected: selected == ""}}
	for _, id := range accounts {
		label := masterNames[id]
		if sa := h[id]; sa != nil {
			label, _ = holderName(tr, id, h)
		} else if label == "" {
			label = tr.T("read.master")
		}
		opts = append(opts, view.Option{Value: id, Label: label, Selected: id == selected})
	}
	if len(opts) < 3 {
		return nil
	}
	return opts
}

// serviceOptions is the service filter: each service type in scope by its catalogue name
// in the reader's language, in the order of those names, the code as the value (what the
// filter and older links carry); after them, by code, the codes the catalogue does not
// name (not synced yet, or a service newer than the catalogue).
func serviceOptions(tr *i18n.Translator, codes []string, names map[string]string, selected string) []view.Option {
	var named, unnamed []view.Option
	for _, code := range codes {
		o := view.Option{Value: code, Label: names[code], Selected: code == selected}
		if o.Label == "" {
			o.Label = code
			unnamed = append(unnamed, o)
			continue
		}
		named = append(named, o)
	}
	slices.SortStableFunc(named, func(x, y view.Option) int { return strings.Compare(x.Label, y.Label) })
	opts := []view.Option{{Value: "", Label: tr.T("res.any_service"), Selected: selected == ""}}
	return append(append(opts, named...), unnamed...)
}

func (a *Area) resourceList(c *gin.Context) {
	tr := a.core.Translator(c)
	ctx := c.Request.Context()
	now := a.now()
	f, q := a.resourceFilter(c, now)
	f.Cursor, f.Limit = c.Query("cursor"), webcore.ListPageSize
	scope := a.core.Scope(c)
	res, err := a.read.Resources(ctx, scope, f)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	h := res.Holders
	serviceNames, err := a.read.ServiceNames(ctx, catalogLang(tr.Lang))
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	masterNames := map[string]string{}
	if ms, err := a.masters.Known(ctx); err == nil && len(ms) > 1 {
		for _, m := range ms {
			masterNames[m.DomainID] = m.Name
		}
	}
	v := view.ResourceList{
		Q: f.Q, Service: f.ServiceType, Region: f.Region, Status: q.Get("status"), Expiring: q.Get("expiring"),
		Total:   webcore.FormatInt(res.Total),
		Pager:   keysetPager(tr, "/resources", q, res.Page),
		Exports: a.exportLinks(c, "/resources/export", q),
		AsOf:    a.asOf(c, a.syncRuns(c), []string{"resources"}, nil, ""),
		Masters: a.masters.Options(c, f.MasterAccountID),
	}
	if scope.Limited() {
		v.Note = tr.T("res.scoped_note")
	}
	v.Services = serviceOptions(tr, res.Services, serviceNames, f.ServiceType)
	v.Regions = append(v.Regions, view.Option{Value: "", Label: tr.T("res.any_region"), Selected: f.Region == ""})
	for _, rg := range res.Regions {
		v.Regions = append(v.Regions, view.Option{Value: rg, Label: rg, Selected: rg == f.Region})
	}
	v.Statuses = append(v.Statuses, view.Option{Value: "", Label: tr.T("res.any_status"), Selected: f.Status == 0})
	for _, st := range resourceStatuses {
		v.Statuses = append(v.Statuses, view.Option{Value: strconv.Itoa(st), Label: statusLabel(tr, "res.status.", st), Selected: st == f.Status})
	}
	v.ExpiringChoices = append(v.ExpiringChoices, view.Option{Value: "", Label: tr.T("res.any_expiry"), Selected: v.Expiring == ""})
	for _, d := range expiringChoices {
		ds := strconv.Itoa(d)
		v.ExpiringChoices = append(v.ExpiringChoices, view.Option{Value: ds, Label: tr.T("res.within_days", map[string]any{"Days": d}), Selected: ds == v.Expiring})
	}
	v.Accounts = resourceAccountOptions(tr, res.Accounts, h, masterNames, f.AccountID)
	for _, r := range res.Items {
		row := resourceRow(tr, r, now, h)
		if n := masterNames[r.AccountID]; n != "" && h[r.AccountID] == nil {
			row.Account = n // several masters: say which one
		}
		v.Rows = append(v.Rows, row)
	}
	a.core.Render(c, http.StatusOK, pages.Resources(a.core.Page(c, "nav.resources"), v))
}
