package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// /admin/upstream: the Huawei Cloud accounts Purser talks to. The secret key is written,
// never read back: the form's SK field is always empty, and leaving it empty on an edit
// keeps the stored one.

func (s *Server) adminUpstream(c *gin.Context) {
	list, err := s.admin.Accounts.List(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	tr := s.i18n.For(lang(c))
	var v view.UpstreamList
	for _, a := range list {
		row := view.UpstreamRow{Href: "/admin/upstream/" + itoa(a.ID), Name: a.Name, Kind: tr.T("identity.upstream.kind_" + a.Kind),
			Endpoint: a.Endpoint, DomainID: a.DomainID, AK: "…" + a.AKLast4, Generation: a.Generation, Status: enabledBadge(tr, a.Enabled)}
		if a.Kind == upstreamacct.KindMaster {
			row.Master = true
			s.fillLastSync(c, tr, &row, a.DomainID)
		}
		v.Rows = append(v.Rows, row)
	}
	// Masters registered in process (the demo sandbox) are shown too, read-only: they are
	// what Purser talks to although nothing is stored.
	if s.masters != nil {
		ms, err := s.masters.InProcess(c.Request.Context())
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, m := range ms {
			row := view.UpstreamRow{Name: m.Name, Kind: tr.T("identity.upstream.kind_master"), Endpoint: tr.T("identity.upstream.in_process"),
				DomainID: m.DomainID, AK: "—", Status: view.Badge{Text: tr.T("identity.upstream.built_in"), Kind: "ok"}, Master: true}
			s.fillLastSync(c, tr, &row, m.DomainID)
			v.Rows = append(v.Rows, row)
		}
	}
	s.render(c, http.StatusOK, pages.UpstreamList(s.page(c, "identity.upstream.title"), v))
}

// fillLastSync shows a master's last finished sync on its /admin/upstream row.
func (s *Server) fillLastSync(c *gin.Context, tr *i18n.Translator, row *view.UpstreamRow, domainID string) {
	if r := s.lastSync(c.Request.Context(), domainID); r != nil {
		row.LastSync, row.LastState, row.LastError = formatTime(*r.FinishedAt, tr.Lang), syncRunBadge(tr, r.Status), r.Error
	}
}

func enabledBadge(tr *i18n.Translator, on bool) view.Badge {
	if on {
		return view.Badge{Text: tr.T("identity.enabled"), Kind: "ok"}
	}
	return view.Badge{Text: tr.T("identity.disabled"), Kind: "warn"}
}

// masterOptions are the master accounts a sub-account credential may belong to.
func (s *Server) masterOptions(c *gin.Context, selected string, self int64) []view.Option {
	list, err := s.admin.Accounts.List(c.Request.Context())
	if err != nil {
		s.log.Warn("cannot list upstream accounts", "error", err, "request_id", requestID(c))
	}
	opts := []view.Option{{Value: "", Label: "—"}}
	for _, a := range list {
		if a.Kind == upstreamacct.KindMaster && a.ID != self {
			opts = append(opts, view.Option{Value: itoa(a.ID), Label: a.Name, Selected: itoa(a.ID) == selected})
		}
	}
	return opts
}

func (s *Server) adminUpstreamNew(c *gin.Context) {
	v := view.UpstreamForm{Kind: upstreamacct.KindMaster, Endpoint: "https://bss.myhuaweicloud.com", Generation: bss.GenerationV2, Enabled: true,
		Masters: s.masterOptions(c, "", 0), StepUp: s.stepUpView(c, "")}
	s.render(c, http.StatusOK, pages.UpstreamEdit(s.page(c, "identity.upstream.new"), v))
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
func (s *Server) upstreamRefused(c *gin.Context, v view.UpstreamForm, self int64, err error, stepErr string) {
	tr := s.i18n.For(lang(c))
	v.Masters = s.masterOptions(c, v.MasterID, self)
	v.StepUp = s.stepUpView(c, stepErr)
	if err != nil {
		id := upstreamacct.MessageID(err)
		if id == "" {
			s.fail(c, err)
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
	s.render(c, http.StatusUnprocessableEntity, pages.UpstreamEdit(s.page(c, title), v))
}

func (s *Server) adminUpstreamCreate(c *gin.Context) {
	in, v := upstreamInput(c)
	up, stepErr := s.stepUp(c)
	if stepErr != "" {
		s.upstreamRefused(c, v, 0, nil, stepErr)
		return
	}
	a, err := s.admin.Accounts.Create(c.Request.Context(), in, meta(c), up)
	if err != nil {
		s.upstreamRefused(c, v, 0, err, "")
		return
	}
	s.setFlash(c, "ok", "flash.id_upstream_saved")
	s.redirect(c, "/admin/upstream/"+itoa(a.ID))
}

// upstreamForm is the edit form of a stored account (the AK is not a secret; the SK
// stays sealed in the database).
func (s *Server) upstreamForm(c *gin.Context, id int64) (view.UpstreamForm, error) {
	a, err := s.admin.Accounts.Get(c.Request.Context(), id)
	if err != nil {
		return view.UpstreamForm{}, err
	}
	row, err := s.db.UpstreamAccountByID(c.Request.Context(), id)
	if err != nil {
		return view.UpstreamForm{}, err
	}
	v := view.UpstreamForm{ID: itoa(a.ID), Name: a.Name, Kind: a.Kind, Endpoint: a.Endpoint, Region: a.Region, AK: row.AK,
		DomainID: a.DomainID, Generation: a.Generation, HasSecret: a.HasSecret, Enabled: a.Enabled, StepUp: s.stepUpView(c, "")}
	if a.MasterID != nil {
		v.MasterID = itoa(*a.MasterID)
	}
	v.Masters = s.masterOptions(c, v.MasterID, a.ID)
	return v, nil
}

func (s *Server) adminUpstreamEdit(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.upstreamForm(c, id)
	if err != nil {
		s.failUpstream(c, err)
		return
	}
	s.render(c, http.StatusOK, pages.UpstreamEdit(s.page(c, "identity.upstream.edit"), v))
}

func (s *Server) failUpstream(c *gin.Context, err error) {
	if errors.Is(err, upstreamacct.ErrNotFound) {
		err = errNotFound
	}
	s.fail(c, err)
}

func (s *Server) adminUpstreamSave(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	cur, err := s.upstreamForm(c, id)
	if err != nil {
		s.failUpstream(c, err)
		return
	}
	in, v := upstreamInput(c)
	v.ID, v.HasSecret = cur.ID, cur.HasSecret
	in.Kind, v.Kind = cur.Kind, cur.Kind // the kind is fixed
	up, stepErr := s.stepUp(c)
	if stepErr != "" {
		s.upstreamRefused(c, v, id, nil, stepErr)
		return
	}
	if _, err := s.admin.Accounts.Update(c.Request.Context(), id, in, meta(c), up); err != nil {
		s.upstreamRefused(c, v, id, err, "")
		return
	}
	s.setFlash(c, "ok", "flash.id_upstream_saved")
	s.redirect(c, "/admin/upstream/"+itoa(id))
}

func (s *Server) adminUpstreamDelete(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.upstreamForm(c, id)
	if err != nil {
		s.failUpstream(c, err)
		return
	}
	up, stepErr := s.stepUp(c)
	if stepErr != "" {
		s.upstreamRefused(c, v, id, nil, stepErr)
		return
	}
	if err := s.admin.Accounts.Delete(c.Request.Context(), id, meta(c), up); err != nil {
		s.upstreamRefused(c, v, id, err, "")
		return
	}
	s.setFlash(c, "ok", "flash.id_upstream_deleted")
	s.redirect(c, "/admin/upstream")
}

// adminUpstreamTest calls one read operation with the stored credentials and shows the
// outcome on the account's page (a read: no step-up; audited upstream_account.test).
func (s *Server) adminUpstreamTest(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.upstreamForm(c, id)
	if err != nil {
		s.failUpstream(c, err)
		return
	}
	res, err := s.admin.Accounts.TestConnection(c.Request.Context(), id, meta(c))
	if err != nil {
		s.failUpstream(c, err)
		return
	}
	tr := s.i18n.For(lang(c))
	t := &view.ConnectionTest{OK: res.OK, Message: tr.T(res.MessageID), Code: res.Code, RequestID: res.RequestID}
	if res.OK {
		t.Info = tr.T("identity.upstream.test_info", map[string]any{"Ms": res.Latency.Milliseconds(), "Amount": res.Available.Format(), "Currency": res.Currency})
	}
	v.Test = t
	s.render(c, http.StatusOK, pages.UpstreamEdit(s.page(c, "identity.upstream.edit"), v))
}
