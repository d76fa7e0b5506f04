package adminweb

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The user page (/admin/users/:id) and the parts of the user forms.

// userEdit is GET /admin/users/:id.
func (a *Area) userEdit(c *gin.Context) {
	u, ok := a.userFromPath(c)
	if !ok {
		return
	}
	v, err := a.editView(c, u)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, http.StatusOK, pages.UserEdit(a.core.Page(c, "identity.users.edit"), v))
}

// editView builds the user page.
func (a *Area) editView(c *gin.Context, u *store.User) (view.UserEdit, error) {
	tr := a.core.Translator(c)
	list, err := a.users.Sessions(c.Request.Context(), u.ID)
	if err != nil {
		return view.UserEdit{}, err
	}
	me, _ := a.core.User(c)
	v := view.UserEdit{
		ID: itoa(u.ID), Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Status: userStatus(tr, u.Disabled), Disabled: u.Disabled,
		Self: me.ID == u.ID, SecondFactor: factorBadge(tr, u.TOTPSecret != ""), HasFactor: u.TOTPSecret != "",
		LastLogin: webcore.FormatTimePtr(u.LastLoginAt, tr.Lang), Created: webcore.FormatTime(u.CreatedAt, tr.Lang),
		Roles: roleChecks(tr, u.Roles), Scopes: a.scopeChecks(c, u.Scopes),
		Sessions: webcore.SessionRows(list, session.ID(a.core.Session(c)), tr.Lang), StepUp: a.core.StepUpView(c, ""),
	}
	v.NoOrgs = len(v.Scopes) == 0
	return v, nil
}

// userFromPath is the user the path names; false when it answered already (not found).
func (a *Area) userFromPath(c *gin.Context) (*store.User, bool) {
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return nil, false
	}
	u, err := a.users.Get(c.Request.Context(), id)
	if err != nil {
		a.core.Fail(c, webcore.ErrNotFound)
		return nil, false
	}
	return u, true
}

// roleChecks are the role checkboxes with the chosen ones ticked.
func roleChecks(tr *i18n.Translator, chosen []string) []view.Check {
	out := make([]view.Check, 0, len(authz.Roles))
	for _, r := range authz.Roles {
		out = append(out, view.Check{Value: string(r), Label: tr.T("role." + string(r)), Checked: slices.Contains(chosen, string(r))})
	}
	return out
}

// scopeChecks are the organisation tree's units as checkboxes, nested as the tree is: a
// scope covers the units below it, and the form shows which those are. Scopes no longer
// in the tree stay listed (at the top level) so that saving does not drop them silently.
func (a *Area) scopeChecks(c *gin.Context, chosen []string) []view.Check {
	orgs, err := a.db.Organizations(c.Request.Context())
	if err != nil {
		webcore.Degraded(c.Request.Context(), a.log, "cannot read organisations", "error", err, "request_id", a.core.RequestID(c))
	}
	out := unitChecks(orgs, chosen)
	seen := make(map[string]bool, len(orgs))
	for _, o := range orgs {
		seen[o.ID] = true
	}
	for _, sc := range chosen {
		if !seen[sc] {
			out = append(out, view.Check{Value: sc, Label: sc, Checked: true})
		}
	}
	return out
}

// unitChecks nests units under their parents, each parent before its children and
// siblings by name. A unit whose parent is not among them is a root (each master has its
// own tree); every unit is placed once, even in a tree that is not one.
func unitChecks(orgs []store.Organization, chosen []string) []view.Check {
	known := make(map[string]bool, len(orgs))
	for _, o := range orgs {
		known[o.ID] = true
	}
	children := map[string][]store.Organization{}
	var roots []store.Organization
	for _, o := range orgs {
		if o.ParentID != "" && o.ParentID != o.ID && known[o.ParentID] {
			children[o.ParentID] = append(children[o.ParentID], o)
		} else {
			roots = append(roots, o)
		}
	}
	placed := make(map[string]bool, len(orgs))
	var branch func(units []store.Organization) []view.Check
	branch = func(units []store.Organization) []view.Check {
		slices.SortStableFunc(units, func(x, y store.Organization) int {
			return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.ID, y.ID))
		})
		out := make([]view.Check, 0, len(units))
		for _, o := range units {
			if placed[o.ID] {
				continue
			}
			placed[o.ID] = true
			out = append(out, view.Check{Value: o.ID, Label: o.Name, Checked: slices.Contains(chosen, o.ID), Children: branch(children[o.ID])})
		}
		return out
	}
	out := branch(roots)
	for _, o := range orgs { // a parent cycle has no root: its units still get a box
		if !placed[o.ID] {
			out = append(out, branch([]store.Organization{o})...)
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
