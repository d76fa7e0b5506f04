package adminweb

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The changes of one user from the user page, each behind a step-up; a refusal shows the
// page again with the form's input.

// userRefused shows the user page again with what went wrong; keep puts the input back.
func (a *Area) userRefused(c *gin.Context, u *store.User, errID string, fields map[string]string, stepErr string, keep func(*view.UserEdit)) {
	v, err := a.editView(c, u)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v.Error, v.Errors, v.StepUp = a.core.Translator(c).T(errID), fields, a.core.StepUpView(c, stepErr)
	if keep != nil {
		keep(&v)
	}
	a.core.Render(c, http.StatusUnprocessableEntity, pages.UserEdit(a.core.Page(c, "identity.users.edit"), v))
}

// userChange runs one admin change on the user of the path with a step-up, then
// redirects to the user page with flash; refusals show the page again.
func (a *Area) userChange(c *gin.Context, flash string, keep func(*view.UserEdit), change func(u *store.User, up auth.StepUp) error) {
	u, ok := a.userFromPath(c)
	if !ok {
		return
	}
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		a.userRefused(c, u, "identity.form_errors", nil, stepErr, keep)
		return
	}
	if err := change(u, up); err != nil {
		id := messageOf(err)
		if id == "" {
			a.core.Fail(c, err)
			return
		}
		tr := a.core.Translator(c)
		fields := fieldErrors(tr, err)
		if strings.HasPrefix(id, "users.err.password") {
			fields["password"] = tr.T(id)
		}
		a.userRefused(c, u, id, fields, "", keep)
		return
	}
	a.core.Flash(c, "ok", flash)
	a.core.Redirect(c, "/admin/users/"+itoa(u.ID))
}

// userSave is POST /admin/users/:id: name, e-mail address, roles and scopes.
func (a *Area) userSave(c *gin.Context) {
	name, roles, scopes := strings.TrimSpace(c.PostForm("display_name")), formList(c, "role"), formList(c, "scope")
	email := strings.TrimSpace(c.PostForm("email"))
	tr := a.core.Translator(c)
	keep := func(v *view.UserEdit) {
		v.DisplayName, v.Email, v.Roles, v.Scopes = name, email, roleChecks(tr, roles), a.scopeChecks(c, scopes)
	}
	a.userChange(c, "flash.id_user_saved", keep, func(u *store.User, up auth.StepUp) error {
		ctx, m := c.Request.Context(), a.core.Meta(c)
		// The address is checked first so that a typo changes nothing at all.
		if _, err := users.NormalizeEmail(email); err != nil {
			return err
		}
		if err := a.users.UpdateDisplayName(ctx, u.ID, name, m, up); err != nil {
			return err
		}
		if err := a.users.SetEmail(ctx, u.ID, email, m, up); err != nil {
			return err
		}
		if err := a.users.SetRoles(ctx, u.ID, roles, m, up); err != nil {
			return err
		}
		return a.users.SetScopes(ctx, u.ID, scopes, m, up)
	})
}

func (a *Area) userDisable(c *gin.Context) {
	a.userChange(c, "flash.id_user_disabled", nil, func(u *store.User, up auth.StepUp) error {
		return a.users.SetDisabledByID(c.Request.Context(), u.ID, true, a.core.Meta(c), up)
	})
}

func (a *Area) userEnable(c *gin.Context) {
	a.userChange(c, "flash.id_user_enabled", nil, func(u *store.User, up auth.StepUp) error {
		return a.users.SetDisabledByID(c.Request.Context(), u.ID, false, a.core.Meta(c), up)
	})
}

func (a *Area) userPassword(c *gin.Context) {
	a.userChange(c, "flash.id_password_set", nil, func(u *store.User, up auth.StepUp) error {
		return a.users.SetPassword(c.Request.Context(), u.ID, c.PostForm("password"), a.core.Meta(c), up)
	})
}

func (a *Area) userResetTOTP(c *gin.Context) {
	a.userChange(c, "flash.id_totp_reset", nil, func(u *store.User, up auth.StepUp) error {
		return a.users.AdminResetTOTP(c.Request.Context(), u.ID, a.core.Meta(c), up)
	})
}

func (a *Area) userEndSession(c *gin.Context) {
	a.userChange(c, "flash.id_session_ended", nil, func(u *store.User, up auth.StepUp) error {
		m := a.core.Meta(c)
		if err := up.Require(m); err != nil {
			return err
		}
		err := a.users.EndSession(c.Request.Context(), u.ID, strings.TrimSpace(c.PostForm("session_id")), m)
		if errors.Is(err, users.ErrNotFound) {
			return webcore.ErrNotFound
		}
		return err
	})
}

func (a *Area) userEndAll(c *gin.Context) {
	a.userChange(c, "flash.id_sessions_ended", nil, func(u *store.User, up auth.StepUp) error {
		m := a.core.Meta(c)
		if err := up.Require(m); err != nil {
			return err
		}
		keep := ""
		if me, _ := a.core.User(c); u.ID == me.ID {
			keep = session.ID(a.core.Session(c)) // "end all" of oneself keeps this session
		}
		_, err := a.users.EndSessions(c.Request.Context(), u.ID, keep, m)
		return err
	})
}

// userInvite is POST /admin/users/:id/invite: a new invitation link (a password reset
// by the user), shown once.
func (a *Area) userInvite(c *gin.Context) {
	u, ok := a.userFromPath(c)
	if !ok {
		return
	}
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		a.userRefused(c, u, "identity.form_errors", nil, stepErr, nil)
		return
	}
	inv, err := a.users.Invite(c.Request.Context(), u.ID, 0, a.core.Meta(c), up)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.showInvitation(c, "identity.invite.issued", u, inv)
}
