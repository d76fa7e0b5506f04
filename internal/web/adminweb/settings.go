package adminweb

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// /admin/settings: one form per section, each saved on its own with a step-up. Durations
// are entered in minutes. Secrets (SMTP password, webhook secret, OIDC client secret) are
// never shown; an empty field keeps the stored one.

func minutes(d time.Duration) string { return strconv.FormatInt(int64(d/time.Minute), 10) }

// mapText renders a claim mapping one "claim value = item, item" per line.
func mapText(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, strings.Join(m[k], ", "))
	}
	return b.String()
}

func (a *Area) settingsView(c *gin.Context) (view.SettingsPage, error) {
	st, err := a.settings.Get(c.Request.Context())
	if err != nil {
		return view.SettingsPage{}, err
	}
	st = st.Redacted()
	v := view.SettingsPage{
		SyncInterval: minutes(st.Sync.Interval), CatalogInterval: minutes(st.Sync.CatalogInterval),
		LowThreshold: st.Balance.LowThreshold.String(),
		SMTPHost:     st.SMTP.Host, SMTPPort: strconv.Itoa(st.SMTP.Port), SMTPUser: st.SMTP.Username, SMTPFrom: st.SMTP.From, SMTPTLS: st.SMTP.TLS,
		SMTPHasPassword: st.SMTP.HasPassword, WebhookURL: st.Webhook.URL, WebhookHasSecret: st.Webhook.HasSecret,
		IdleTimeout: minutes(st.Sessions.IdleTimeout), AbsoluteTimeout: minutes(st.Sessions.AbsoluteTimeout),
		SSOEnabled: st.SSO.Enabled, SSOJIT: st.SSO.JIT, SSOLinkEmail: st.SSO.LinkByEmail, SSOLocalAdmins: st.SSO.LocalOnlyAdmins,
		SSOHasSecret: st.SSO.HasClientSecret, SSOIssuer: st.SSO.Issuer, SSOClientID: st.SSO.ClientID, SSORedir: st.SSO.RedirectURL,
		SSOScopes: strings.Join(st.SSO.Scopes, " "), SSORoleClaim: st.SSO.RoleClaim, SSORoleMap: mapText(st.SSO.RoleMap),
		SSOScopeClaim: st.SSO.ScopeClaim, SSOScopeMap: mapText(st.SSO.ScopeMap),
		StepUp: a.core.StepUpView(c, ""),
	}
	if a.deliveries != nil {
		// Deliveries are best effort and never retried: say so when one failed.
		if f := a.deliveries.LastFailure(); !f.At.IsZero() {
			tr := a.core.Translator(c)
			msg := f.Error
			if r := []rune(msg); len(r) > 300 {
				msg = string(r[:300]) + "…"
			}
			v.NotifyFailure = tr.T("identity.settings.notify_failure", map[string]any{"At": webcore.FormatTime(f.At, tr.Lang),
				"Channel": tr.T("identity.settings.channel_" + f.Channel), "Error": msg})
		}
	}
	return v, nil
}

// settingsPage is GET /admin/settings.
func (a *Area) settingsPage(c *gin.Context) {
	v, err := a.settingsView(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	if v.SSORedir == "" {
		v.SSORedir = a.callbackURL(c)
	}
	a.renderSettings(c, http.StatusOK, v)
}

// sectionPage is the settings page for the path's :section, which valid accepts (else
// 404); false when it answered already.
func (a *Area) sectionPage(c *gin.Context, valid func(section string) bool) (view.SettingsPage, bool) {
	section := c.Param("section")
	if !valid(section) {
		a.core.Fail(c, webcore.ErrNotFound)
		return view.SettingsPage{}, false
	}
	v, err := a.settingsView(c)
	if err != nil {
		a.core.Fail(c, err)
		return view.SettingsPage{}, false
	}
	v.Section = section
	return v, true
}

func (a *Area) renderSettings(c *gin.Context, status int, v view.SettingsPage) {
	a.core.Render(c, status, pages.Settings(a.core.Page(c, "identity.settings.title"), v))
}

// callbackURL suggests the redirect URL to register at the identity provider.
func (a *Area) callbackURL(c *gin.Context) string {
	return a.baseURL(c) + "/login/oidc/callback"
}

// baseURL is the portal's absolute address: the public URL when configured, else the
// request's scheme and host.
func (a *Area) baseURL(c *gin.Context) string {
	if base := strings.TrimRight(a.publicURL, "/"); base != "" {
		return base
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

var settingsSections = map[string]bool{
	settings.SectionSync: true, settings.SectionBalance: true, settings.SectionSMTP: true,
	settings.SectionWebhook: true, settings.SectionSessions: true, settings.SectionSSO: true,
}
