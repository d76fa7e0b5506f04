package adminweb

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// userNew is GET /admin/users/new.
func (a *Area) userNew(c *gin.Context) {
	tr := a.core.Translator(c)
	v := view.UserForm{Mode: "invite", Roles: roleChecks(tr, []string{string(authz.Viewer)}), Scopes: a.scopeChecks(c, nil),
		StepUp: a.core.StepUpView(c, "")}
	a.core.Render(c, http.StatusOK, pages.UserNew(a.core.Page(c, "identity.users.new"), v))
}

// userCreate is POST /admin/users: a user with an invitation link (shown once) or with a
// password set by the admin.
func (a *Area) userCreate(c *gin.Context) {
	tr := a.core.Translator(c)
	n := users.NewUser{Username: strings.ToLower(strings.TrimSpace(c.PostForm("username"))), DisplayName: strings.TrimSpace(c.PostForm("display_name")),
		Email: strings.TrimSpace(c.PostForm("email")), Password: c.PostForm("password"), Roles: formList(c, "role"), Scopes: formList(c, "scope")}
	v := view.UserForm{Username: n.Username, DisplayName: n.DisplayName, Email: n.Email, Mode: c.PostForm("mode"),
		Roles: roleChecks(tr, n.Roles), Scopes: a.scopeChecks(c, n.Scopes)}
	if v.Mode != "password" {
		v.Mode = "invite"
	}
	again := func(status int, msgID string, fields map[string]string, stepErr string) {
		v.Error, v.Errors, v.StepUp = tr.T(msgID), fields, a.core.StepUpView(c, stepErr)
		a.core.Render(c, status, pages.UserNew(a.core.Page(c, "identity.users.new"), v))
	}
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		again(http.StatusUnprocessableEntity, "identity.form_errors", nil, stepErr)
		return
	}
	ctx, m := c.Request.Context(), a.core.Meta(c)
	var (
		u   *store.User
		inv users.Invitation
		err error
	)
	if v.Mode == "invite" {
		u, inv, err = a.users.CreateInvited(ctx, n, 0, m, up)
	} else {
		u, err = a.users.CreateChecked(ctx, n, m, up)
	}
	if err != nil {
		id := messageOf(err)
		if id == "" {
			a.core.Fail(c, err)
			return
		}
		fields := fieldErrors(tr, err)
		if strings.HasPrefix(id, "users.err.password") {
			fields["password"] = tr.T(id)
		}
		if errors.Is(err, users.ErrExists) {
			fields["username"] = tr.T(id)
		}
		again(http.StatusUnprocessableEntity, id, fields, "")
		return
	}
	if v.Mode == "invite" {
		a.showInvitation(c, "identity.users.created", u, inv)
		return
	}
	a.core.Flash(c, "ok", "flash.id_user_created")
	a.core.Redirect(c, "/admin/users/"+itoa(u.ID))
}

// showInvitation answers with the invitation link, once; titleKey heads the page.
func (a *Area) showInvitation(c *gin.Context, titleKey string, u *store.User, inv users.Invitation) {
	tr := a.core.Translator(c)
	a.core.Render(c, http.StatusOK, pages.OneTime(a.core.Page(c, titleKey), view.OneTime{
		Heading: tr.T(titleKey), Text: tr.T("identity.invite.share", map[string]any{"Username": u.Username, "Expires": webcore.FormatTime(inv.ExpiresAt, tr.Lang)}),
		Value: a.baseURL(c) + "/invite/" + inv.Token, Test: "invite-link", Back: "/admin/users/" + itoa(u.ID), BackLabel: tr.T("identity.users.open"),
	}))
}
