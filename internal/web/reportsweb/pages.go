package reportsweb

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// reportsShown is how many of a person's reports the page lists (a year of daily ones).
const reportsShown = 400

// actor is the request's person as the use case sees them.
func (a *Area) actor(c *gin.Context) reports.Actor {
	return reports.Actor{Subject: a.core.Subject(c), Meta: a.core.Meta(c)}
}

// page is GET /reports.
func (a *Area) page(c *gin.Context) { a.render(c, http.StatusOK, "", "") }

// render shows the page; chosen and errID are the subscribe form's input and why it was
// refused (both "" when it was not).
func (a *Area) render(c *gin.Context, status int, chosen, errID string) {
	ctx, tr, act := c.Request.Context(), a.core.Translator(c), a.actor(c)
	subs, err := a.reports.Subscriptions(ctx, act)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	list, err := a.reports.Reports(ctx, act, reportsShown)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	var v view.ReportsPage
	var titles []string
	for _, k := range a.reports.SectionKeys(act.Subject) {
		titles = append(titles, tr.T("reports.sheet."+k))
	}
	v.Intro = tr.T("reports.sections_hint", map[string]any{"Sections": strings.Join(titles, tr.T("reports.list_separator"))})
	if u, _ := a.core.User(c); u != nil {
		v.Email = u.Email
	}
	if errID != "" {
		v.Error = tr.T(errID)
	}
	for _, f := range reports.Frequencies {
		v.Choices = append(v.Choices, view.Option{Value: string(f), Label: tr.T("reports.frequency." + string(f)), Selected: string(f) == chosen})
	}
	for _, s := range subs {
		v.Subs = append(v.Subs, view.ReportSubRow{ID: strconv.FormatInt(s.ID, 10), Frequency: tr.T("reports.frequency." + s.Frequency),
			Since: webcore.FormatDate(&s.CreatedAt)})
	}
	for _, r := range list {
		kb := (r.SizeBytes + 1023) / 1024
		v.Reports = append(v.Reports, view.ReportRow{Href: "/reports/" + strconv.FormatInt(r.ID, 10) + "/download",
			Period:    reports.Period{Frequency: reports.Frequency(r.Frequency), Start: r.PeriodStart, End: r.PeriodEnd}.Label(),
			Frequency: tr.T("reports.frequency." + r.Frequency), Generated: webcore.FormatTime(r.CreatedAt, tr.Lang),
			Delivery: tr.T("reports.delivery." + r.Delivery), Size: tr.T("reports.size_kb", map[string]any{"KB": webcore.FormatInt(kb)})})
	}
	a.core.Render(c, status, pages.Reports(a.core.Page(c, "reports.title"), v))
}

// subscribe is POST /reports/subscriptions (frequency=daily|weekly|monthly). A refusal
// shows the page again with the choice and the reason.
func (a *Area) subscribe(c *gin.Context) {
	f := c.PostForm("frequency")
	_, err := a.reports.Subscribe(c.Request.Context(), a.actor(c), reports.Frequency(f))
	var ve *reports.ValidationError
	switch {
	case errors.As(err, &ve):
		a.render(c, http.StatusUnprocessableEntity, f, ve.Message)
	case err != nil:
		a.core.Fail(c, err)
	default:
		a.core.Flash(c, "ok", "flash.reports_subscribed")
		a.core.Redirect(c, "/reports")
	}
}

// unsubscribe is POST /reports/subscriptions/:id/cancel; someone else's subscription
// is not found.
func (a *Area) unsubscribe(c *gin.Context) {
	id, err := webcore.PathID(c, "id")
	if err == nil {
		err = a.reports.Unsubscribe(c.Request.Context(), a.actor(c), id)
	}
	if err != nil {
		a.core.Fail(c, notFound(err))
		return
	}
	a.core.Flash(c, "ok", "flash.reports_unsubscribed")
	a.core.Redirect(c, "/reports")
}

// download is GET /reports/:id/download: the file, for its owner or an auditor;
// anyone else is answered "not found" (the use case records the refusal).
func (a *Area) download(c *gin.Context) {
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	r, err := a.reports.Download(c.Request.Context(), a.actor(c), id)
	if err != nil {
		a.core.Fail(c, notFound(err))
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+r.FileName+`"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, reports.ContentType, r.Content)
}

// notFound maps the use case's "not found" to the core's.
func notFound(err error) error {
	if errors.Is(err, reports.ErrNotFound) {
		return webcore.ErrNotFound
	}
	return err
}
