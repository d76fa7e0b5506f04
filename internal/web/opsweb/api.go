package opsweb

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// The JSON API of operations (CONTRACTS.md): the same use cases and rules as the pages —
// 403 for one's own request, 409 for a wrong state, 422 for a refused rule — with
// {"error":{"code","message"}} (and "fields" for invalid input).

type apiApproval struct {
	User         string `json:"user"`
	UserID       int64  `json:"user_id"`
	Decision     string `json:"decision"`
	Comment      string `json:"comment"`
	SecondFactor string `json:"second_factor,omitempty"`
	At           string `json:"at"`
	// OnBehalfOf names the delegator a delegate approved for.
	OnBehalfOf   string `json:"on_behalf_of,omitempty"`
	OnBehalfOfID *int64 `json:"on_behalf_of_id,omitempty"`
}

type apiOpError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

type apiOperation struct {
	ID                int64           `json:"id"`
	Kind              approval.Kind   `json:"kind"`
	State             approval.State  `json:"state"`
	TransID           string          `json:"trans_id"`
	Amount            *string         `json:"amount"`
	Currency          string          `json:"currency,omitempty"`
	SubAccountID      string          `json:"sub_account_id,omitempty"`
	RequestedBy       string          `json:"requested_by"`
	RequestedByID     int64           `json:"requested_by_id"`
	Reason            string          `json:"reason"`
	Params            approval.Params `json:"params"`
	SnapshotHash      string          `json:"snapshot_hash"`
	RequiredApprovals int             `json:"required_approvals"`
	Approvals         []apiApproval   `json:"approvals"`
	Error             *apiOpError     `json:"error"`
	Resolution        string          `json:"resolution,omitempty"`
	BatchID           *int64          `json:"batch_id,omitempty"`
	ExpiresAt         string          `json:"expires_at"`
	CreatedAt         string          `json:"created_at"`
	UpdatedAt         string          `json:"updated_at"`
	// LimitNotes: the drafting limits it went over, which added an approval.
	LimitNotes []approval.LimitBreach `json:"limit_notes,omitempty"`
	// Route is set on GET /api/v1/operations/:id only (apiOperation).
	Route *apiRoute `json:"route,omitempty"`
}

func utc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toAPIOperation(o approval.Operation, lang string) apiOperation {
	out := apiOperation{ID: o.ID, Kind: o.Kind, State: o.State, TransID: o.TransID, Currency: o.Currency, SubAccountID: o.SubAccountID,
		RequestedBy: o.RequestedByName, RequestedByID: o.RequestedBy, Reason: o.Reason, Params: o.Params, SnapshotHash: o.SnapshotHash,
		RequiredApprovals: o.RequiredApprovals, Approvals: []apiApproval{}, Resolution: o.Resolution, BatchID: o.BatchID,
		ExpiresAt: utc3339(o.ExpiresAt), CreatedAt: utc3339(o.CreatedAt), UpdatedAt: utc3339(o.UpdatedAt), LimitNotes: o.LimitNotes}
	if o.Amount != nil {
		a := o.Amount.String()
		out.Amount = &a
	}
	for _, a := range o.Approvals {
		out.Approvals = append(out.Approvals, apiApproval{User: a.Username, UserID: a.UserID, Decision: a.Decision, Comment: a.Comment,
			SecondFactor: a.SecondFactor, At: utc3339(a.At), OnBehalfOf: a.OnBehalfOfName, OnBehalfOfID: a.OnBehalfOf})
	}
	if o.Error != nil {
		msg := o.Error.MessageEN
		if lang == "zh" && o.Error.MessageZH != "" {
			msg = o.Error.MessageZH
		}
		if msg == "" {
			msg = o.Error.Message
		}
		out.Error = &apiOpError{Code: o.Error.Code, Message: msg, RequestID: o.Error.RequestID}
	}
	return out
}

// apiOpFail answers an approval error in the API's shape.
func (a *Area) apiOpFail(c *gin.Context, err error, targetID string) {
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		tr := a.core.Translator(c)
		fields := map[string]string{}
		for _, f := range sortedFields(ve) {
			fields[f] = fieldMessage(tr, ve, f)
		}
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": webcore.OpValidation.Code,
			"message": tr.T(webcore.OpValidation.Message), "fields": fields}})
		return
	}
	a.core.FailOperation(c, err, approval.TargetOperation, targetID)
}

// readJSON decodes a small JSON body; an empty body is allowed when optional.
func readJSON(c *gin.Context, v any, optional bool) bool {
	raw, err := io.ReadAll(io.LimitReader(c.Request.Body, 64<<10))
	if err == nil && len(strings.TrimSpace(string(raw))) == 0 && optional {
		return true
	}
	if err == nil {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
	}
	return err == nil
}

// apiOp runs one call on the operation named in the path and answers it as JSON.
func (a *Area) apiOp(c *gin.Context, _ bool, do func(id int64) (*approval.Operation, error)) {
	if !a.ready(c) {
		return
	}
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	op, err := do(id)
	if err != nil {
		a.apiOpFail(c, err, idString(id))
		return
	}
	c.JSON(http.StatusOK, toAPIOperation(*op, a.core.Translator(c).Lang))
}
