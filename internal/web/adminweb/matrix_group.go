package adminweb

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The form of one approver group: new (/admin/matrix/groups/new) or existing
// (/admin/matrix/groups/:id), saved or deleted behind the step-up of the other identity
// changes (a code now, or one in the last minutes).

// groupNew is GET /admin/matrix/groups/new.
func (a *Area) groupNew(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	a.renderGroupForm(c, http.StatusOK, approval.GroupInput{}, nil, "")
}

// groupEdit is GET /admin/matrix/groups/:id.
func (a *Area) groupEdit(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	g, ok := a.groupFromPath(c)
	if !ok {
		return
	}
	a.renderGroupForm(c, http.StatusOK, groupInputOf(g), nil, "")
}

func groupInputOf(g *approval.Group) approval.GroupInput {
	in := approval.GroupInput{ID: g.ID, Version: g.Version, Name: g.Name, Description: g.Description, Units: g.Units}
	for _, m := range g.Members {
		in.Members = append(in.Members, m.ID)
	}
	return in
}

func (a *Area) groupFromPath(c *gin.Context) (*approval.Group, bool) {
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return nil, false
	}
	g, err := a.matrix.ApproverGroup(c.Request.Context(), a.actor(c), id)
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetGroup, itoa(id))
		return nil, false
	}
	return g, true
}

// renderGroupForm shows in with the problems of err and the step-up's message stepErr.
func (a *Area) renderGroupForm(c *gin.Context, status int, in approval.GroupInput, err error, stepErr string) {
	tr := a.core.Translator(c)
	users, uerr := a.users.List(c.Request.Context())
	if uerr != nil {
		a.core.Fail(c, uerr)
		return
	}
	v := view.MatrixGroupForm{New: in.ID == 0, ID: itoa(in.ID), Version: strconv.Itoa(in.Version), Name: in.Name,
		Description: in.Description, Units: a.scopeChecks(c, in.Units), Errors: matrixFieldErrors(tr, err),
		StepUp: a.core.StepUpView(c, stepErr)}
	v.NoOrgs = len(v.Units) == 0
	for _, u := range users {
		label := u.Username
		if roles := strings.Join(webcore.RoleLabels(tr, u.Roles), ", "); roles != "" {
			label += " (" + roles + ")"
		}
		v.Members = append(v.Members, view.Check{Value: itoa(u.ID), Label: label, Checked: slices.Contains(in.Members, u.ID)})
	}
	switch {
	case err == nil && stepErr == "":
	case v.Errors != nil:
		v.Error = tr.T("identity.form_errors")
		if msg := v.Errors["_"]; msg != "" {
			v.Error = msg
		}
	case stepErr != "":
		v.Error = tr.T("identity.form_errors")
	default:
		v.Error = tr.T(refusalMessage(err))
	}
	a.core.Render(c, status, pages.MatrixGroup(a.core.Page(c, "matrix.group_title"), v))
}

// groupInput reads the group form.
func groupInput(c *gin.Context) approval.GroupInput {
	in := approval.GroupInput{Name: strings.TrimSpace(c.PostForm("name")), Description: strings.TrimSpace(c.PostForm("description")),
		Units: formList(c, "scope")}
	in.ID, _ = strconv.ParseInt(c.Param("id"), 10, 64)
	in.Version, _ = strconv.Atoi(strings.TrimSpace(c.PostForm("version")))
	for _, m := range formList(c, "member") {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			in.Members = append(in.Members, id)
		}
	}
	return in
}

// groupSave is POST /admin/matrix/groups (new) and POST /admin/matrix/groups/:id.
func (a *Area) groupSave(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	in := groupInput(c)
	if c.Param("id") != "" && in.ID <= 0 {
		a.core.Fail(c, webcore.ErrNotFound)
		return
	}
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		a.renderGroupForm(c, http.StatusUnprocessableEntity, in, nil, stepErr)
		return
	}
	_, err := a.matrix.SaveApproverGroup(c.Request.Context(), a.actor(c), up, in)
	a.groupDone(c, in, err, "matrix.flash.group_saved")
}

// groupDelete is POST /admin/matrix/groups/:id/delete.
func (a *Area) groupDelete(c *gin.Context) {
	if !a.matrixReady(c) {
		return
	}
	g, ok := a.groupFromPath(c)
	if !ok {
		return
	}
	in := groupInputOf(g)
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		a.renderGroupForm(c, http.StatusUnprocessableEntity, in, nil, stepErr)
		return
	}
	version, _ := strconv.Atoi(strings.TrimSpace(c.PostForm("version")))
	err := a.matrix.DeleteApproverGroup(c.Request.Context(), a.actor(c), up, g.ID, version)
	a.groupDone(c, in, err, "matrix.flash.group_deleted")
}

func (a *Area) groupDone(c *gin.Context, in approval.GroupInput, err error, flash string) {
	switch {
	case err == nil:
		a.core.Flash(c, "ok", flash)
		a.core.Redirect(c, "/admin/matrix")
	case errors.As(err, new(*approval.ValidationError)):
		a.renderGroupForm(c, http.StatusUnprocessableEntity, in, err, "")
	case errors.Is(err, approval.ErrStale):
		a.renderGroupForm(c, http.StatusConflict, in, err, "")
	default:
		a.core.FailOperation(c, err, approval.TargetGroup, itoa(in.ID))
	}
}
