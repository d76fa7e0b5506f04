package adminweb

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/web/templates/view"
)

// settingsTest is POST /admin/settings/:section/test: a test message through the stored
// channel (webhook or SMTP), its outcome shown on the page; audited settings.test by the
// use case.
func (a *Area) settingsTest(c *gin.Context) {
	v, ok := a.sectionPage(c, func(section string) bool {
		return section == settings.SectionWebhook || section == settings.SectionSMTP
	})
	if !ok {
		return
	}
	section := v.Section
	tr := a.core.Translator(c)
	ctx := c.Request.Context()
	var err error
	if section == settings.SectionWebhook {
		err = a.settings.SendTestWebhook(ctx, a.core.Meta(c))
	} else {
		to := strings.TrimSpace(c.PostForm("to"))
		if to == "" {
			to = v.SMTPFrom
		}
		err = a.settings.SendTestMail(ctx, to, a.core.Meta(c))
	}
	res := &view.ConnectionTest{OK: err == nil, Message: tr.T("identity.settings.test_ok")}
	status := http.StatusOK
	if err != nil {
		id := settings.MessageID(err)
		if id == "" {
			a.core.Fail(c, err)
			return
		}
		if errors.Is(err, settings.ErrSend) {
			a.log.Warn("test notification failed", "channel", section, "error", err, "request_id", a.core.RequestID(c))
		}
		res.Message = tr.T(id)
		status = http.StatusUnprocessableEntity
	}
	v.Result = res
	a.renderSettings(c, status, v)
}
