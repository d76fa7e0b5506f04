package adminweb

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The form of one upstream account: new, edit, and shown again when a change is refused.

// upstreamNew is GET /admin/upstream/new.
func (a *Area) upstreamNew(c *gin.Context) {
	v := view.UpstreamForm{Kind: upstreamacct.KindMaster, Endpoint: "https://bss.myhuaweicloud.com", Generation: bss.GenerationV2, Enabled: true,
		Masters: a.masterOptions(c, "", 0), StepUp: a.core.StepUpView(c, "")}
	a.core.Render(c, http.StatusOK, pages.UpstreamEdit(a.core.Page(c, "identity.upstream.new"), v))
}

// upstreamEdit is GET /admin/upstream/:id.
func (a *Area) upstreamEdit(c *gin.Context) {
	_, v, ok := a.upstreamFromPath(c)
	if !ok {
		return
	}
	a.core.Render(c, http.StatusOK, pages.UpstreamEdit(a.core.Page(c, "identity.upstream.edit"), v))
}

// masterOptions are the master accounts a sub-account credential may belong to.
func (a *Area) masterOptions(c *gin.Context, selected string, self int64) []view.Option {
	list, err := a.accounts.List(c.Request.Context())
	if err != nil {
		webcore.Degraded(c.Request.Context(), a.log, "cannot list upstream accounts", "error", err, "request_id", a.core.RequestID(c))
	}
	opts := []view.Option{{Value: "", Label: "—"}}
	for _, acct := range list {
		if acct.Kind == upstreamacct.KindMaster && acct.ID != self {
			opts = append(opts, view.Option{Value: itoa(acct.ID), Label: acct.Name, Selected: itoa(acct.ID) == selected})
		}
	}
	return opts
}

// upstreamInput reads the form; the SK is taken but never put back into the view.
func upstreamInput(c *gin.Context) (upstreamacct.Input, view.UpstreamForm) {
	in := upstreamacct.Input{Name: c.PostForm("name"), Kind: c.PostForm("kind"), Endpoint: c.PostForm("endpoint"), Region: c.PostForm("region"),
		AK: c.PostForm("ak"), SK: c.PostForm("sk"), DomainID: c.PostForm("domain_id"), Generation: c.PostForm("generation"),
		Enabled: c.PostForm("enabled") == "on"}
	master := strings.TrimSpace(c.PostForm("master_id"))
	if id, err := strconv.ParseInt(master, 10, 64); err == nil && id > 0 {
		in.MasterID = &id
	}
	v := view.UpstreamForm{Name: in.Name, Kind: in.Kind, MasterID: master, Endpoint: in.Endpoint, Region: in.Region, AK: in.AK,
		DomainID: in.DomainID, Generation: in.Generation, Enabled: in.Enabled}
	return in, v
}

// upstreamRefused shows the form again with the errors, the input kept (except the SK).
func (a *Area) upstreamRefused(c *gin.Context, v view.UpstreamForm, self int64, err error, stepErr string) {
	tr := a.core.Translator(c)
	v.Masters = a.masterOptions(c, v.MasterID, self)
	v.StepUp = a.core.StepUpView(c, stepErr)
	if err != nil {
		id := upstreamacct.MessageID(err)
		if id == "" {
			a.core.Fail(c, err)
			return
		}
		v.Error, v.Errors = tr.T(id), fieldErrors(tr, err)
	} else {
		v.Error = tr.T("identity.form_errors")
	}
	title := "identity.upstream.new"
	if v.ID != "" {
		title = "identity.upstream.edit"
	}
	a.core.Render(c, http.StatusUnprocessableEntity, pages.UpstreamEdit(a.core.Page(c, title), v))
}

// upstreamForm is the edit form of a stored account (the AK is not a secret; the SK
// stays sealed in the database).
func (a *Area) upstreamForm(c *gin.Context, id int64) (view.UpstreamForm, error) {
	acct, err := a.accounts.Get(c.Request.Context(), id)
	if err != nil {
		return view.UpstreamForm{}, err
	}
	row, err := a.db.UpstreamAccountByID(c.Request.Context(), id)
	if err != nil {
		return view.UpstreamForm{}, err
	}
	v := view.UpstreamForm{ID: itoa(acct.ID), Name: acct.Name, Kind: acct.Kind, Endpoint: acct.Endpoint, Region: acct.Region, AK: row.AK,
		DomainID: acct.DomainID, Generation: acct.Generation, HasSecret: acct.HasSecret, Enabled: acct.Enabled, StepUp: a.core.StepUpView(c, "")}
	if acct.MasterID != nil {
		v.MasterID = itoa(*acct.MasterID)
	}
	v.Masters = a.masterOptions(c, v.MasterID, acct.ID)
	return v, nil
}

// upstreamFromPath is the form of the account named by the path; false when it answered
// already (not found).
func (a *Area) upstreamFromPath(c *gin.Context) (int64, view.UpstreamForm, bool) {
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return 0, view.UpstreamForm{}, false
	}
	v, err := a.upstreamForm(c, id)
	if err != nil {
		a.failUpstream(c, err)
		return 0, view.UpstreamForm{}, false
	}
	return id, v, true
}

func (a *Area) failUpstream(c *gin.Context, err error) {
	if errors.Is(err, upstreamacct.ErrNotFound) {
		err = webcore.ErrNotFound
	}
	a.core.Fail(c, err)
}
