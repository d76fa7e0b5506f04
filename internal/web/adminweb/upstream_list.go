package adminweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// /admin/upstream: the Huawei Cloud accounts Purser talks to. The secret key is written,
// never read back: the form's SK field is always empty, and leaving it empty on an edit
// keeps the stored one.

// upstreamList is GET /admin/upstream.
func (a *Area) upstreamList(c *gin.Context) {
	list, err := a.accounts.List(c.Request.Context())
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	tr := a.core.Translator(c)
	var v view.UpstreamList
	for _, acct := range list {
		row := view.UpstreamRow{Href: "/admin/upstream/" + itoa(acct.ID), Name: acct.Name, Kind: tr.T("identity.upstream.kind_" + acct.Kind),
			Endpoint: acct.Endpoint, DomainID: acct.DomainID, AK: "…" + acct.AKLast4, Generation: acct.Generation, Status: enabledBadge(tr, acct.Enabled)}
		if acct.Kind == upstreamacct.KindMaster {
			row.Master = true
			a.fillLastSync(c, tr, &row, acct.DomainID)
		}
		v.Rows = append(v.Rows, row)
	}
	// Masters registered in process (the demo sandbox) are shown too, read-only: they are
	// what Purser talks to although nothing is stored.
	if a.masters != nil {
		ms, err := a.masters.InProcess(c.Request.Context())
		if err != nil {
			a.core.Fail(c, err)
			return
		}
		for _, m := range ms {
			row := view.UpstreamRow{Name: m.Name, Kind: tr.T("identity.upstream.kind_master"), Endpoint: tr.T("identity.upstream.in_process"),
				DomainID: m.DomainID, AK: "—", Status: view.Badge{Text: tr.T("identity.upstream.built_in"), Kind: "ok"}, Master: true}
			a.fillLastSync(c, tr, &row, m.DomainID)
			v.Rows = append(v.Rows, row)
		}
	}
	a.core.Render(c, http.StatusOK, pages.UpstreamList(a.core.Page(c, "identity.upstream.title"), v))
}

// fillLastSync shows a master's last finished sync on its /admin/upstream row.
func (a *Area) fillLastSync(c *gin.Context, tr *i18n.Translator, row *view.UpstreamRow, domainID string) {
	if r := a.lastSync(c.Request.Context(), domainID); r != nil {
		row.LastSync, row.LastState, row.LastError = webcore.FormatTime(*r.FinishedAt, tr.Lang), syncRunBadge(tr, r.Status), r.Error
	}
}

// syncRunBadge is a run's status in the reader's language.
func syncRunBadge(tr *i18n.Translator, status string) view.Badge {
	kind := "info"
	switch status {
	case "succeeded":
		kind = "ok"
	case "partial":
		kind = "warn"
	case "failed":
		kind = "bad"
	}
	return view.Badge{Text: tr.T("master.sync_status." + status), Kind: kind}
}

func enabledBadge(tr *i18n.Translator, on bool) view.Badge {
	if on {
		return view.Badge{Text: tr.T("identity.enabled"), Kind: "ok"}
	}
	return view.Badge{Text: tr.T("identity.disabled"), Kind: "warn"}
}
