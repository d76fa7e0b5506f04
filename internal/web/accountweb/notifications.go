package accountweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The user's in-app notifications (the bell). They come with the maker-checker workflow:
// without it the pages answer "operations are not available".

func (a *Area) noticesReady(c *gin.Context) bool {
	if a.notices == nil {
		a.core.Fail(c, webcore.ErrOperationsUnavailable)
		return false
	}
	return true
}

// notificationList is GET /notifications: the signed-in user's notices, newest first,
// unread ones marked.
func (a *Area) notificationList(c *gin.Context) {
	if !a.noticesReady(c) {
		return
	}
	u, _ := a.core.User(c)
	tr := a.core.Translator(c)
	ns, err := a.notices.List(c.Request.Context(), u.ID, false, 100)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	var v view.Notifications
	for _, n := range ns {
		r := view.NotificationRow{ID: strconv.FormatInt(n.ID, 10), Text: notify.NoticeText(tr, n.Kind, n.Params), At: webcore.FormatTime(n.CreatedAt, tr.Lang), Unread: n.ReadAt == nil}
		switch {
		case n.OperationID != nil:
			r.Href = "/operations/" + itoa(*n.OperationID)
		case n.BatchID != nil:
			r.Href = "/operations/batches/" + itoa(*n.BatchID)
		case n.Params["sub_account_id"] != "":
			r.Href = "/sub-accounts/" + url.PathEscape(n.Params["sub_account_id"]) // an alert on the account
		}
		if r.Unread {
			v.Unread++
		}
		v.Rows = append(v.Rows, r)
	}
	a.core.Render(c, http.StatusOK, pages.Notifications(a.core.Page(c, "op.notifications"), v))
}

// notificationsRead is POST /notifications/read (id=… repeated; none: all of them). It
// only marks the user's own notices; nothing else changes.
func (a *Area) notificationsRead(c *gin.Context) {
	if !a.noticesReady(c) {
		return
	}
	u, _ := a.core.User(c)
	var ids []int64
	for _, v := range c.PostFormArray("id") {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			a.core.Fail(c, webcore.ErrBadRequest)
			return
		}
		ids = append(ids, id)
	}
	if err := a.notices.MarkRead(c.Request.Context(), u.ID, ids); err != nil { // none: all
		a.core.Fail(c, err)
		return
	}
	a.core.Redirect(c, webcore.SafeNext(c.DefaultPostForm("next", "/notifications")))
}
