package readweb

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/components"
	"github.com/purser-finance/purser/web/templates/view"
)

// The organisation filter is a type-ahead: a text box ("org") whose typed text offers the
// matching units in the user's scope (GET /sub-accounts/units, fetched by htmx) as submit
// buttons that set org_id; a thousand units as a select weighed ~95 KB on every page.
// Without script the box is a plain search: submitting it filters by every unit whose
// name contains the text (or whose id it is).

// orgSuggestMax bounds the units offered while typing.
const orgSuggestMax = 20

// orgSearchMax bounds the units a typed name filters by when submitted without a pick.
const orgSearchMax = 500

// resolveOrg sets f's unit filter from the query and returns the text the box shows. The
// rules, in order: a picked unit (a second org_id, the suggestion button's, after the
// hidden one) wins; without the box ("org" absent: links made before the type-ahead, and
// the pager's) org_id applies as it is; the box showing the selected unit's name or id
// keeps it; other text filters by the units it matches (one match is selected).
func (a *Area) resolveOrg(c *gin.Context, f *store.SubAccountFilter) (string, error) {
	var ids []string
	for _, id := range c.QueryArray("org_id") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	_, hasText := c.GetQuery("org")
	text := orgTextOf(c)
	f.OrgID, f.OrgIDs = "", nil
	ctx := c.Request.Context()
	scope := a.core.Scope(c)
	switch {
	case len(ids) > 1:
		f.OrgID = ids[len(ids)-1]
	case !hasText:
		if len(ids) == 1 {
			f.OrgID = ids[0]
		}
	case text == "":
	case len(ids) == 1 && text == ids[0]:
		f.OrgID = ids[0]
	default:
		if len(ids) == 1 {
			if name, err := a.orgName(ctx, c, ids[0]); err != nil {
				return "", err
			} else if name == text {
				f.OrgID = ids[0]
				return name, nil
			}
		}
		orgs, err := a.read.SearchOrganizations(ctx, scope, f.MasterAccountID, text, orgSearchMax)
		if err != nil {
			return "", err
		}
		if len(orgs) == 1 {
			f.OrgID = orgs[0].ID
			return orgs[0].Name, nil
		}
		f.OrgIDs = make([]string, len(orgs))
		for i, o := range orgs {
			f.OrgIDs[i] = o.ID
		}
		return text, nil
	}
	if f.OrgID == "" {
		return "", nil
	}
	name, err := a.orgName(ctx, c, f.OrgID)
	if name == "" {
		name = f.OrgID // not (yet) in the tree, or out of scope: the id, not a name
	}
	return name, err
}

// orgTextOf is the organisation box's text as typed.
func orgTextOf(c *gin.Context) string {
	return strings.TrimSpace(c.Query("org"))
}

// orgName is the name of the unit id when it is in the user's scope, "" otherwise (a
// scoped user learns no names outside the scope).
func (a *Area) orgName(ctx context.Context, c *gin.Context, id string) (string, error) {
	return a.read.OrganizationName(ctx, a.core.Scope(c), webcore.MasterParam(c), id)
}

// orgSuggest is GET /sub-accounts/units?org=…: the units in the user's scope matching the
// typed text (up to orgSuggestMax), as the type-ahead's buttons (an HTML fragment for htmx).
func (a *Area) orgSuggest(c *gin.Context) {
	tr := a.core.Translator(c)
	text := strings.TrimSpace(c.Query("org"))
	v := view.OrgSuggestions{}
	// No text yet (the box focused and emptied): the first units by name.
	orgs, err := a.read.SearchOrganizations(c.Request.Context(), a.core.Scope(c), webcore.MasterParam(c), text, orgSuggestMax)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	for _, o := range orgs {
		v.Units = append(v.Units, view.Option{Value: o.ID, Label: o.Name})
	}
	if len(v.Units) == 0 {
		v.Empty = tr.T("sa.org_no_match")
	}
	a.core.Render(c, http.StatusOK, components.OrgSuggestions(tr, v))
}
