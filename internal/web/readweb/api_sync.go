package readweb

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// apiSync is POST /api/v1/sync, body {"area":…, "sub_account_id":…} (both optional:
// a full sync by default). 202 with the job id.
func (a *Area) apiSync(c *gin.Context) {
	var body struct {
		Area         string `json:"area"`
		SubAccountID string `json:"sub_account_id"`
		Master       string `json:"master"` // one master only ("" = every master)
	}
	raw, err := io.ReadAll(io.LimitReader(c.Request.Body, 4096))
	if err != nil {
		a.core.Fail(c, badRequest("error.bad_request"))
		return
	}
	if len(strings.TrimSpace(string(raw))) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			a.core.Fail(c, badRequest("error.bad_request"))
			return
		}
	}
	if body.Area == "" {
		body.Area = "full"
		if body.SubAccountID != "" {
			body.Area = "balances"
		}
	}
	if !slices.Contains(syncAreas, body.Area) {
		a.core.Fail(c, badRequest("api.bad_area"))
		return
	}
	body.Master = strings.TrimSpace(body.Master)
	if body.SubAccountID != "" {
		if _, err := a.scopedSubAccount(c, body.SubAccountID); err != nil {
			a.core.Fail(c, err)
			return
		}
		body.Master = "" // the sub-account's own master
	}
	if body.Master != "" && !a.masterKnown(c.Request.Context(), body.Master) {
		a.core.Fail(c, badRequest("error.bad_request"))
		return
	}
	if a.sync == nil {
		a.core.Fail(c, errSyncUnavailable)
		return
	}
	id, err := a.requestSync(c, body.Master, body.Area, body.SubAccountID)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"job_id": id, "area": body.Area})
}
