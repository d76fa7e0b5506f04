package web

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
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

func (s *Server) settingsView(c *gin.Context) (view.SettingsPage, error) {
	st, err := s.admin.Settings.Get(c.Request.Context())
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
		StepUp: s.stepUpView(c, ""),
	}
	if s.ops != nil {
		// Deliveries are best effort and never retried: say so when one failed.
		if f := s.ops.Notifier().LastFailure(); !f.At.IsZero() {
			tr := s.i18n.For(lang(c))
			msg := f.Error
			if r := []rune(msg); len(r) > 300 {
				msg = string(r[:300]) + "…"
			}
			v.NotifyFailure = tr.T("identity.settings.notify_failure", map[string]any{"At": formatTime(f.At, tr.Lang),
				"Channel": tr.T("identity.settings.channel_" + f.Channel), "Error": msg})
		}
	}
	return v, nil
}

func (s *Server) adminSettings(c *gin.Context) {
	v, err := s.settingsView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if v.SSORedir == "" {
		v.SSORedir = s.callbackURL(c)
	}
	s.render(c, http.StatusOK, pages.Settings(s.page(c, "identity.settings.title"), v))
}

// callbackURL suggests the redirect URL to register at the identity provider.
func (s *Server) callbackURL(c *gin.Context) string {
	return strings.TrimSuffix(s.inviteURL(c, "x"), "/invite/x") + "/login/oidc/callback"
}

var settingsSections = map[string]bool{
	settings.SectionSync: true, settings.SectionBalance: true, settings.SectionSMTP: true,
	settings.SectionWebhook: true, settings.SectionSessions: true, settings.SectionSSO: true,
}

// formMinutes reads a duration in minutes (0 when unreadable, which validation refuses).
func formMinutes(c *gin.Context, name string) time.Duration {
	n, err := strconv.ParseInt(strings.TrimSpace(c.PostForm(name)), 10, 64)
	if err != nil || n < 0 || n > 60*24*366 {
		return 0
	}
	return time.Duration(n) * time.Minute
}

func (s *Server) adminSettingsSave(c *gin.Context) {
	section := c.Param("section")
	if !settingsSections[section] {
		s.fail(c, errNotFound)
		return
	}
	tr := s.i18n.For(lang(c))
	v, err := s.settingsView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Section = section
	// The form's values replace the stored ones in the view, so a refusal keeps them.
	ctx, m := c.Request.Context(), meta(c)
	var apply func(up auth.StepUp) error
	f := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	switch section {
	case settings.SectionSync:
		v.SyncInterval, v.CatalogInterval = f("interval"), f("catalog_interval")
		in := settings.Sync{Interval: formMinutes(c, "interval"), CatalogInterval: formMinutes(c, "catalog_interval")}
		apply = func(up auth.StepUp) error { return s.admin.Settings.UpdateSync(ctx, in, m, up) }
	case settings.SectionBalance:
		v.LowThreshold = f("low_threshold")
		apply = func(up auth.StepUp) error {
			return s.admin.Settings.UpdateBalance(ctx, v.LowThreshold, "", m, up)
		}
	case settings.SectionSMTP:
		port, _ := strconv.Atoi(f("port"))
		in := settings.SMTP{Host: f("host"), Port: port, Username: f("username"), Password: c.PostForm("password"), From: f("from"), TLS: f("tls")}
		v.SMTPHost, v.SMTPPort, v.SMTPUser, v.SMTPFrom, v.SMTPTLS = in.Host, f("port"), in.Username, in.From, in.TLS
		drop := c.PostForm("clear_password") == "on"
		apply = func(up auth.StepUp) error { return s.admin.Settings.UpdateSMTP(ctx, in, drop, m, up) }
	case settings.SectionWebhook:
		in := settings.Webhook{URL: f("url"), Secret: c.PostForm("secret")}
		v.WebhookURL = in.URL
		drop := c.PostForm("clear_secret") == "on"
		apply = func(up auth.StepUp) error { return s.admin.Settings.UpdateWebhook(ctx, in, drop, m, up) }
	case settings.SectionSessions:
		v.IdleTimeout, v.AbsoluteTimeout = f("idle_timeout"), f("absolute_timeout")
		in := settings.Sessions{IdleTimeout: formMinutes(c, "idle_timeout"), AbsoluteTimeout: formMinutes(c, "absolute_timeout")}
		apply = func(up auth.StepUp) error { return s.admin.Settings.UpdateSessions(ctx, in, m, up) }
	case settings.SectionSSO:
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
			s.render(c, http.StatusUnprocessableEntity, pages.Settings(s.page(c, "identity.settings.title"), v))
			return
		}
		apply = func(up auth.StepUp) error { return s.admin.Settings.UpdateSSO(ctx, in, m, up) }
	}
	up, stepErr := s.stepUp(c)
	if stepErr != "" {
		v.Error, v.StepUp = tr.T("identity.form_errors"), s.stepUpView(c, stepErr)
		s.render(c, http.StatusUnprocessableEntity, pages.Settings(s.page(c, "identity.settings.title"), v))
		return
	}
	if err := apply(up); err != nil {
		id := settings.MessageID(err)
		if id == "" {
			s.fail(c, err)
			return
		}
		v.Error, v.Errors, v.StepUp = tr.T(id), fieldErrors(tr, err), s.stepUpView(c, "")
		s.render(c, http.StatusUnprocessableEntity, pages.Settings(s.page(c, "identity.settings.title"), v))
		return
	}
	s.setFlash(c, "ok", "flash.id_settings_saved")
	s.redirect(c, "/admin/settings#"+section)
}

// adminSettingsTest sends a test message through the stored channel (webhook or SMTP) and
// shows the outcome; audited settings.test by the use case.
func (s *Server) adminSettingsTest(c *gin.Context) {
	section := c.Param("section")
	if section != settings.SectionWebhook && section != settings.SectionSMTP {
		s.fail(c, errNotFound)
		return
	}
	tr := s.i18n.For(lang(c))
	v, err := s.settingsView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Section = section
	ctx := c.Request.Context()
	if section == settings.SectionWebhook {
		err = s.admin.Settings.SendTestWebhook(ctx, meta(c))
	} else {
		to := strings.TrimSpace(c.PostForm("to"))
		if to == "" {
			to = v.SMTPFrom
		}
		err = s.admin.Settings.SendTestMail(ctx, to, meta(c))
	}
	res := &view.ConnectionTest{OK: err == nil, Message: tr.T("identity.settings.test_ok")}
	status := http.StatusOK
	if err != nil {
		id := settings.MessageID(err)
		if id == "" {
			s.fail(c, err)
			return
		}
		if errors.Is(err, settings.ErrSend) {
			s.log.Warn("test notification failed", "channel", section, "error", err, "request_id", requestID(c))
		}
		res.Message = tr.T(id)
		status = http.StatusUnprocessableEntity
	}
	v.Result = res
	s.render(c, status, pages.Settings(s.page(c, "identity.settings.title"), v))
}
