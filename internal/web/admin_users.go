package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The users pages: /admin/users and /admin/users/:id. Every change goes through
// users.Service with a step-up proof; roles and scopes are read per request, so a change
// takes effect on the user's next request.

func (s *Server) adminUsers(c *gin.Context) {
	list, err := s.admin.Users.List(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	tr := s.i18n.For(lang(c))
	orgs := s.orgNames(c)
	var v view.UserList
	for _, u := range list {
		v.Rows = append(v.Rows, view.UserRow{
			Href: "/admin/users/" + itoa(u.ID), Username: u.Username, DisplayName: u.DisplayName, Email: u.Email,
			Roles: roleLabels(tr, u.Roles), Scopes: scopeSummary(tr, u.Scopes, orgs),
			Status: userStatus(tr, u.Disabled), SecondFactor: factorBadge(tr, u.TOTPSecret != ""),
			LastLogin: fmtTimePtr(u.LastLoginAt, tr.Lang),
		})
	}
	s.render(c, http.StatusOK, pages.UserList(s.page(c, "identity.users.title"), v))
}

func roleLabels(tr *i18n.Translator, roles []string) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, tr.T("role."+r))
	}
	return out
}

func userStatus(tr *i18n.Translator, disabled bool) view.Badge {
	if disabled {
		return view.Badge{Text: tr.T("identity.users.disabled"), Kind: "bad"}
	}
	return view.Badge{Text: tr.T("identity.users.active"), Kind: "ok"}
}

func factorBadge(tr *i18n.Translator, on bool) view.Badge {
	if on {
		return view.Badge{Text: tr.T("identity.users.totp_on"), Kind: "ok"}
	}
	return view.Badge{Text: tr.T("identity.users.totp_off"), Kind: "warn"}
}

func scopeSummary(tr *i18n.Translator, scopes []string, names map[string]string) string {
	if len(scopes) == 0 {
		return tr.T("identity.users.all_units")
	}
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		if n := names[sc]; n != "" {
			out = append(out, n)
		} else {
			out = append(out, sc)
		}
	}
	return strings.Join(out, ", ")
}

// orgNames maps organisation ids to names (empty before the first sync).
func (s *Server) orgNames(c *gin.Context) map[string]string {
	orgs, err := s.db.Organizations(c.Request.Context())
	if err != nil {
		s.log.Warn("cannot read organisations", "error", err, "request_id", requestID(c))
	}
	m := make(map[string]string, len(orgs))
	for _, o := range orgs {
		m[o.ID] = o.Name
	}
	return m
}

// roleChecks are the role checkboxes with the chosen ones ticked.
func roleChecks(tr *i18n.Translator, chosen []string) []view.Check {
	out := make([]view.Check, 0, len(authz.Roles))
	for _, r := range authz.Roles {
		out = append(out, view.Check{Value: string(r), Label: tr.T("role." + string(r)), Checked: slices.Contains(chosen, string(r))})
	}
	return out
}

// scopeChecks are the organisation tree's units as checkboxes; scopes no longer in the
// tree stay listed so that saving does not drop them silently.
func (s *Server) scopeChecks(c *gin.Context, chosen []string) []view.Check {
	orgs, err := s.db.Organizations(c.Request.Context())
	if err != nil {
		s.log.Warn("cannot read organisations", "error", err, "request_id", requestID(c))
	}
	out := make([]view.Check, 0, len(orgs))
	seen := map[string]bool{}
	for _, o := range orgs {
		seen[o.ID] = true
		out = append(out, view.Check{Value: o.ID, Label: o.Name, Checked: slices.Contains(chosen, o.ID), Depth: o.Depth})
	}
	for _, sc := range chosen {
		if !seen[sc] {
			out = append(out, view.Check{Value: sc, Label: sc, Checked: true})
		}
	}
	return out
}

// formList reads a multi-valued field, trimmed, without empties.
func formList(c *gin.Context, name string) []string {
	var out []string
	for _, v := range c.PostFormArray(name) {
		if v = strings.TrimSpace(v); v != "" && len(out) < 1000 {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) adminUserNew(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	v := view.UserForm{Mode: "invite", Roles: roleChecks(tr, []string{string(authz.Viewer)}), Scopes: s.scopeChecks(c, nil),
		StepUp: s.stepUpView(c, "")}
	s.render(c, http.StatusOK, pages.UserNew(s.page(c, "identity.users.new"), v))
}

func (s *Server) adminUserCreate(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	n := users.NewUser{Username: strings.ToLower(strings.TrimSpace(c.PostForm("username"))), DisplayName: strings.TrimSpace(c.PostForm("display_name")),
		Email: strings.TrimSpace(c.PostForm("email")), Password: c.PostForm("password"), Roles: formList(c, "role"), Scopes: formList(c, "scope")}
	v := view.UserForm{Username: n.Username, DisplayName: n.DisplayName, Email: n.Email, Mode: c.PostForm("mode"),
		Roles: roleChecks(tr, n.Roles), Scopes: s.scopeChecks(c, n.Scopes)}
	if v.Mode != "password" {
		v.Mode = "invite"
	}
	again := func(status int, msgID string, fields map[string]string, stepErr string) {
		v.Error, v.Errors, v.StepUp = tr.T(msgID), fields, s.stepUpView(c, stepErr)
		s.render(c, status, pages.UserNew(s.page(c, "identity.users.new"), v))
	}
	up, stepErr := s.stepUp(c)
	if stepErr != "" {
		again(http.StatusUnprocessableEntity, "identity.form_errors", nil, stepErr)
		return
	}
	ctx := c.Request.Context()
	var (
		u   *store.User
		inv users.Invitation
		err error
	)
	if v.Mode == "invite" {
		u, inv, err = s.admin.Users.CreateInvited(ctx, n, 0, meta(c), up)
	} else {
		u, err = s.admin.Users.CreateChecked(ctx, n, meta(c), up)
	}
	if err != nil {
		id := messageOf(err)
		if id == "" {
			s.fail(c, err)
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
	back := "/admin/users/" + itoa(u.ID)
	if v.Mode == "invite" {
		s.render(c, http.StatusOK, pages.OneTime(s.page(c, "identity.users.created"), view.OneTime{
			Heading: tr.T("identity.users.created"), Text: tr.T("identity.invite.share", map[string]any{"Username": u.Username, "Expires": formatTime(inv.ExpiresAt, tr.Lang)}),
			Value: s.inviteURL(c, inv.Token), Test: "invite-link", Back: back, BackLabel: tr.T("identity.users.open"),
		}))
		return
	}
	s.setFlash(c, "ok", "flash.id_user_created")
	s.redirect(c, back)
}

// inviteURL is the absolute link of an invitation (the public URL when configured).
func (s *Server) inviteURL(c *gin.Context, token string) string {
	base := strings.TrimRight(s.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	return base + "/invite/" + token
}

// editView builds the user page; errID and fields describe a refused change.
func (s *Server) editView(c *gin.Context, u *store.User) (view.UserEdit, error) {
	tr := s.i18n.For(lang(c))
	list, err := s.admin.Users.Sessions(c.Request.Context(), u.ID)
	if err != nil {
		return view.UserEdit{}, err
	}
	me := signedIn(c)
	v := view.UserEdit{
		ID: itoa(u.ID), Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Status: userStatus(tr, u.Disabled), Disabled: u.Disabled,
		Self: me.ID == u.ID, SecondFactor: factorBadge(tr, u.TOTPSecret != ""), HasFactor: u.TOTPSecret != "",
		LastLogin: fmtTimePtr(u.LastLoginAt, tr.Lang), Created: formatTime(u.CreatedAt, tr.Lang),
		Roles: roleChecks(tr, u.Roles), Scopes: s.scopeChecks(c, u.Scopes),
		Sessions: s.sessionRows(c, list, session.ID(sessionOf(c))), StepUp: s.stepUpView(c, ""),
	}
	v.NoOrgs = len(v.Scopes) == 0
	return v, nil
}

func (s *Server) userFromPath(c *gin.Context) (*store.User, bool) {
	id, err := pathID(c, "id")
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	u, err := s.admin.Users.Get(c.Request.Context(), id)
	if err != nil {
		s.fail(c, errNotFound)
		return nil, false
	}
	return u, true
}

func (s *Server) adminUserEdit(c *gin.Context) {
	u, ok := s.userFromPath(c)
	if !ok {
		return
	}
	v, err := s.editView(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pages.UserEdit(s.page(c, "identity.users.edit"), v))
}

// userRefused shows the user page again with what went wrong; the form keeps the input.
func (s *Server) userRefused(c *gin.Context, u *store.User, errID string, fields map[string]string, stepErr string, keep func(*view.UserEdit)) {
	v, err := s.editView(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	tr := s.i18n.For(lang(c))
	v.Error, v.Errors, v.StepUp = tr.T(errID), fields, s.stepUpView(c, stepErr)
	if keep != nil {
		keep(&v)
	}
	s.render(c, http.StatusUnprocessableEntity, pages.UserEdit(s.page(c, "identity.users.edit"), v))
}

// userChange runs one admin change on the user of the path with a step-up, then
// redirects to the user page with flash; refusals show the page again.
func (s *Server) userChange(c *gin.Context, flash string, keep func(*view.UserEdit), change func(u *store.User, up auth.StepUp) error) {
	u, ok := s.userFromPath(c)
	if !ok {
		return
	}
	up, stepErr := s.stepUp(c)
	if stepErr != "" {
		s.userRefused(c, u, "identity.form_errors", nil, stepErr, keep)
		return
	}
	if err := change(u, up); err != nil {
		id := messageOf(err)
		if id == "" {
			s.fail(c, err)
			return
		}
		fields := fieldErrors(s.i18n.For(lang(c)), err)
		if strings.HasPrefix(id, "users.err.password") {
			fields["password"] = s.i18n.For(lang(c)).T(id)
		}
		s.userRefused(c, u, id, fields, "", keep)
		return
	}
	s.setFlash(c, "ok", flash)
	s.redirect(c, "/admin/users/"+itoa(u.ID))
}

func (s *Server) adminUserSave(c *gin.Context) {
	name, roles, scopes := strings.TrimSpace(c.PostForm("display_name")), formList(c, "role"), formList(c, "scope")
	email := strings.TrimSpace(c.PostForm("email"))
	tr := s.i18n.For(lang(c))
	keep := func(v *view.UserEdit) {
		v.DisplayName, v.Email, v.Roles, v.Scopes = name, email, roleChecks(tr, roles), s.scopeChecks(c, scopes)
	}
	s.userChange(c, "flash.id_user_saved", keep, func(u *store.User, up auth.StepUp) error {
		ctx, m := c.Request.Context(), meta(c)
		// The address is checked first so that a typo changes nothing at all.
		if _, err := users.NormalizeEmail(email); err != nil {
			return err
		}
		if err := s.admin.Users.UpdateDisplayName(ctx, u.ID, name, m, up); err != nil {
			return err
		}
		if err := s.admin.Users.SetEmail(ctx, u.ID, email, m, up); err != nil {
			return err
		}
		if err := s.admin.Users.SetRoles(ctx, u.ID, roles, m, up); err != nil {
			return err
		}
		return s.admin.Users.SetScopes(ctx, u.ID, scopes, m, up)
	})
}

func (s *Server) adminUserDisable(c *gin.Context) {
	s.userChange(c, "flash.id_user_disabled", nil, func(u *store.User, up auth.StepUp) error {
		return s.admin.Users.SetDisabledByID(c.Request.Context(), u.ID, true, meta(c), up)
	})
}

func (s *Server) adminUserEnable(c *gin.Context) {
	s.userChange(c, "flash.id_user_enabled", nil, func(u *store.User, up auth.StepUp) error {
		return s.admin.Users.SetDisabledByID(c.Request.Context(), u.ID, false, meta(c), up)
	})
}

func (s *Server) adminUserPassword(c *gin.Context) {
	s.userChange(c, "flash.id_password_set", nil, func(u *store.User, up auth.StepUp) error {
		return s.admin.Users.SetPassword(c.Request.Context(), u.ID, c.PostForm("password"), meta(c), up)
	})
}

func (s *Server) adminUserResetTOTP(c *gin.Context) {
	s.userChange(c, "flash.id_totp_reset", nil, func(u *store.User, up auth.StepUp) error {
		return s.admin.Users.AdminResetTOTP(c.Request.Context(), u.ID, meta(c), up)
	})
}

func (s *Server) adminUserEndSession(c *gin.Context) {
	s.userChange(c, "flash.id_session_ended", nil, func(u *store.User, up auth.StepUp) error {
		if err := up.Require(meta(c)); err != nil {
			return err
		}
		err := s.admin.Users.EndSession(c.Request.Context(), u.ID, strings.TrimSpace(c.PostForm("session_id")), meta(c))
		if errors.Is(err, users.ErrNotFound) {
			return errNotFound
		}
		return err
	})
}

func (s *Server) adminUserEndAll(c *gin.Context) {
	s.userChange(c, "flash.id_sessions_ended", nil, func(u *store.User, up auth.StepUp) error {
		if err := up.Require(meta(c)); err != nil {
			return err
		}
		keep := ""
		if u.ID == signedIn(c).ID {
			keep = session.ID(sessionOf(c)) // "end all" of oneself keeps this session
		}
		_, err := s.admin.Users.EndSessions(c.Request.Context(), u.ID, keep, meta(c))
		return err
	})
}

// adminUserInvite issues a new invitation link (a password reset by the user); the link
// is shown once.
func (s *Server) adminUserInvite(c *gin.Context) {
	u, ok := s.userFromPath(c)
	if !ok {
		return
	}
	up, stepErr := s.stepUp(c)
	if stepErr != "" {
		s.userRefused(c, u, "identity.form_errors", nil, stepErr, nil)
		return
	}
	tr := s.i18n.For(lang(c))
	inv, err := s.admin.Users.Invite(c.Request.Context(), u.ID, 0, meta(c), up)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pages.OneTime(s.page(c, "identity.invite.issued"), view.OneTime{
		Heading: tr.T("identity.invite.issued"), Text: tr.T("identity.invite.share", map[string]any{"Username": u.Username, "Expires": formatTime(inv.ExpiresAt, tr.Lang)}),
		Value: s.inviteURL(c, inv.Token), Test: "invite-link", Back: "/admin/users/" + itoa(u.ID), BackLabel: tr.T("identity.users.open"),
	}))
}
