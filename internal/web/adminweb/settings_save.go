package adminweb

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/web/templates/view"
)

// settingsSave is POST /admin/settings/:section: one section's form, saved behind a
// step-up. A refusal shows the page again with the form's values.
func (a *Area) settingsSave(c *gin.Context) {
	v, ok := a.sectionPage(c, func(section string) bool { return settingsSections[section] })
	if !ok {
		return
	}
	section := v.Section
	tr := a.core.Translator(c)
	apply, ok := a.settingsChange(c, tr, section, &v)
	if !ok {
		a.renderSettings(c, http.StatusUnprocessableEntity, v)
		return
	}
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		v.Error, v.StepUp = tr.T("identity.form_errors"), a.core.StepUpView(c, stepErr)
		a.renderSettings(c, http.StatusUnprocessableEntity, v)
		return
	}
	if err := apply(up); err != nil {
		id := settings.MessageID(err)
		if id == "" {
			a.core.Fail(c, err)
			return
		}
		v.Error, v.Errors, v.StepUp = tr.T(id), fieldErrors(tr, err), a.core.StepUpView(c, "")
		a.renderSettings(c, http.StatusUnprocessableEntity, v)
		return
	}
	a.core.Flash(c, "ok", "flash.id_settings_saved")
	a.core.Redirect(c, "/admin/settings#"+section)
}

// settingsChange reads the section's form into v (so that a refusal keeps it) and returns
// the use case call that saves it; ok false when the form itself is unreadable (v then
// says why).
func (a *Area) settingsChange(c *gin.Context, tr *i18n.Translator, section string, v *view.SettingsPage) (apply func(up auth.StepUp) error, ok bool) {
	ctx, m := c.Request.Context(), a.core.Meta(c)
	f := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	switch section {
	case settings.SectionSync:
		v.SyncInterval, v.CatalogInterval = f("interval"), f("catalog_interval")
		in := settings.Sync{Interval: formMinutes(c, "interval"), CatalogInterval: formMinutes(c, "catalog_interval")}
		return func(up auth.StepUp) error { return a.settings.UpdateSync(ctx, in, m, up) }, true
	case settings.SectionBalance:
		v.LowThreshold = f("low_threshold")
		threshold := v.LowThreshold
		return func(up auth.StepUp) error { return a.settings.UpdateBalance(ctx, threshold, "", m, up) }, true
	case settings.SectionSMTP:
		port, _ := strconv.Atoi(f("port"))
		in := settings.SMTP{Host: f("host"), Port: port, Username: f("username"), Password: c.PostForm("password"), From: f("from"), TLS: f("tls")}
		v.SMTPHost, v.SMTPPort, v.SMTPUser, v.SMTPFrom, v.SMTPTLS = in.Host, f("port"), in.Username, in.From, in.TLS
		drop := c.PostForm("clear_password") == "on"
		return func(up auth.StepUp) error { return a.settings.UpdateSMTP(ctx, in, drop, m, up) }, true
	case settings.SectionWebhook:
		in := settings.Webhook{URL: f("url"), Secret: c.PostForm("secret")}
		v.WebhookURL = in.URL
		drop := c.PostForm("clear_secret") == "on"
		return func(up auth.StepUp) error { return a.settings.UpdateWebhook(ctx, in, drop, m, up) }, true
	case settings.SectionSessions:
		v.IdleTimeout, v.AbsoluteTimeout = f("idle_timeout"), f("absolute_timeout")
		in := settings.Sessions{IdleTimeout: formMinutes(c, "idle_timeout"), AbsoluteTimeout: formMinutes(c, "absolute_timeout")}
		return func(up auth.StepUp) error { return a.settings.UpdateSessions(ctx, in, m, up) }, true
	}
	// settings.SectionSSO
	in := sso.Config{Enabled: c.PostForm("enabled") == "on", Issuer: f("issuer"), ClientID: f("client_id"), ClientSecret: c.PostForm("client_secret"),
		RedirectURL: f("redirect_url"), Scopes: strings.Fields(f("scopes")), RoleClaim: f("role_claim"), ScopeClaim: f("scope_claim"),
		JIT: c.PostForm("jit") == "on", LinkByEmail: c.PostForm("link_by_email") == "on", LocalOnlyAdmins: c.PostForm("local_only_admins") == "on"}
	v.SSOEnabled, v.SSOIssuer, v.SSOClientID, v.SSORedir, v.SSOScopes = in.Enabled, in.Issuer, in.ClientID, in.RedirectURL, f("scopes")
	v.SSORoleClaim, v.SSOScopeClaim, v.SSORoleMap, v.SSOScopeMap = in.RoleClaim, in.ScopeClaim, c.PostForm("role_map"), c.PostForm("scope_map")
	v.SSOJIT, v.SSOLinkEmail, v.SSOLocalAdmins = in.JIT, in.LinkByEmail, in.LocalOnlyAdmins
	var ok1, ok2 bool
	in.RoleMap, ok1 = parseMap(v.SSORoleMap)
	in.ScopeMap, ok2 = parseMap(v.SSOScopeMap)
	if !ok1 || !ok2 {
		v.Error = tr.T("settings.err.invalid")
		v.Errors = map[string]string{}
		if !ok1 {
			v.Errors["role_map"] = tr.T("identity.settings.map_format")
		}
		if !ok2 {
			v.Errors["scope_map"] = tr.T("identity.settings.map_format")
		}
		return nil, false
	}
	return func(up auth.StepUp) error { return a.settings.UpdateSSO(ctx, in, m, up) }, true
}

// formMinutes reads a duration in minutes (0 when unreadable, which validation refuses).
func formMinutes(c *gin.Context, name string) time.Duration {
	n, err := strconv.ParseInt(strings.TrimSpace(c.PostForm(name)), 10, 64)
	if err != nil || n < 0 || n > 60*24*366 {
		return 0
	}
	return time.Duration(n) * time.Minute
}

// parseMap reads what mapText writes; a line without "=" is an error.
func parseMap(text string) (map[string][]string, bool) {
	out := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, false
		}
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out[k] = append(out[k], item)
			}
		}
	}
	return out, true
}
