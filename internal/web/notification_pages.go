package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// notificationList is GET /notifications: the signed-in user's in-app notices, newest
// first, unread ones marked.
func (s *Server) notificationList(c *gin.Context) {
	if !s.opsReady(c) {
		return
	}
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	ns, err := s.ops.Notifier().List(c.Request.Context(), u.ID, false, 100)
	if err != nil {
		s.fail(c, err)
		return
	}
	var v view.Notifications
	for _, n := range ns {
		r := view.NotificationRow{ID: strconv.FormatInt(n.ID, 10), Text: notify.NoticeText(tr, n.Kind, n.Params), At: formatTime(n.CreatedAt, tr.Lang), Unread: n.ReadAt == nil}
		switch {
		case n.OperationID != nil:
			r.Href = opHref(*n.OperationID)
		case n.BatchID != nil:
			r.Href = batchHref(*n.BatchID)
		}
		if r.Unread {
			v.Unread++
		}
		v.Rows = append(v.Rows, r)
	}
	s.render(c, http.StatusOK, pages.Notifications(s.page(c, "op.notifications"), v))
}

// notificationsRead is POST /notifications/read (id=… repeated; none: all of them). It
// only marks the user's own notices; nothing else changes.
func (s *Server) notificationsRead(c *gin.Context) {
	if !s.opsReady(c) {
		return
	}
	u := signedIn(c)
	var ids []int64
	for _, v := range c.PostFormArray("id") {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.fail(c, errBadRequest)
			return
		}
		ids = append(ids, id)
	}
	if err := s.ops.Notifier().MarkRead(c.Request.Context(), u.ID, ids); err != nil { // none: all
		s.fail(c, err)
		return
	}
	s.redirect(c, safeNext(c.DefaultPostForm("next", "/notifications")))
}
