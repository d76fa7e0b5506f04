package auditweb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// auditExport streams the events of the current filter, oldest first, as CSV (formula
// safe), JSON Lines or xlsx. Rows are read in keyset batches and written as they come,
// so a million events do not sit in memory. The download is audited with its row count.
func (a *Area) auditExport(c *gin.Context) {
	tr := a.core.Translator(c)
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "jsonl" && format != "xlsx" {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	f, fv := auditFilterFromForm(c, tr)
	if len(fv.Errors) > 0 {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	f.Ascending, f.BeforeID = true, 0
	ctx := c.Request.Context()
	name := fmt.Sprintf("purser-audit-%s.%s", a.now().UTC().Format("20060102-150405"), format)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	var rows int64
	var err error
	if format == "jsonl" {
		c.Header("Content-Type", "application/x-ndjson")
		c.Status(http.StatusOK)
		enc := json.NewEncoder(c.Writer)
		err = a.db.StreamAudit(ctx, f, func(e store.AuditEvent) error {
			rows++
			return enc.Encode(apiEvent(e))
		})
	} else {
		c.Header("Content-Type", export.ContentType(format))
		c.Status(http.StatusOK)
		var w export.Writer
		w, err = export.New(format, c.Writer, "audit")
		if err == nil {
			err = w.Header("id", timeColumn(format), "actor", "actor_id", "ip", "user_agent", "request_id", "action",
				"target_type", "target_id", "outcome", "details", "prev_hash", "hash")
		}
		if err == nil {
			err = a.db.StreamAudit(ctx, f, func(e store.AuditEvent) error {
				rows++
				actorID := ""
				if e.ActorID != nil {
					actorID = strconv.FormatInt(*e.ActorID, 10)
				}
				return w.Row(export.Int(e.ID), exportTime(format, e.Time), export.Text(e.ActorName), export.Text(actorID),
					export.Text(e.IP), export.Text(e.UserAgent), export.Text(e.RequestID), export.Text(e.Action),
					export.Text(e.TargetType), export.Text(e.TargetID), export.Text(e.Outcome), export.Text(string(e.Details)),
					export.Text(e.PrevHash), export.Text(e.Hash))
			})
		}
		if err == nil {
			err = w.Close()
		}
	}
	details := auditFilterDetails(fv)
	details["list"], details["format"], details["rows"], details["complete"] = "audit", format, rows, err == nil
	// The download may have been cut by the client: still record what left the building.
	if aerr := audit.Record(context.WithoutCancel(ctx), a.db, a.core.Meta(c), audit.Entry{
		Action: audit.ExportDownload, TargetType: "audit", TargetID: format, Outcome: outcomeOf(err), Details: details,
	}); aerr != nil {
		a.log.Error("cannot audit an export", "error", aerr, "request_id", a.core.RequestID(c))
	}
	if err != nil {
		webcore.Degraded(c.Request.Context(), a.log, "audit export interrupted", "error", err, "rows", rows, "request_id", a.core.RequestID(c))
		c.Abort()
	}
}

// timeColumn names the time column with its zone: a CSV cell carries its own offset,
// a spreadsheet's date cell cannot, so its header names the zone.
func timeColumn(format string) string {
	if format == "csv" {
		return "time"
	}
	return "time (" + webcore.DisplayZone.String() + ")"
}

// exportTime is an event's time in the display zone: in CSV as RFC 3339 with its offset
// and microseconds ("2026-11-25T17:00:00.123456+08:00"), so the text says which instant
// it is; in xlsx as a date cell of that zone's wall clock.
func exportTime(format string, t time.Time) export.Cell {
	if format == "csv" {
		return export.Text(t.In(webcore.DisplayZone).Format("2006-01-02T15:04:05.000000Z07:00"))
	}
	return export.Time(&t, webcore.DisplayZone)
}

func outcomeOf(err error) string {
	if err != nil {
		return audit.Failure
	}
	return audit.Success
}

// auditCheckpointsExport downloads the signed checkpoints with the public key, as JSON
// Lines: what an operator archives beside an export of the events.
func (a *Area) auditCheckpointsExport(c *gin.Context) {
	cps, err := a.db.ListAuditCheckpoints(c.Request.Context(), 1_000_000)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	if err := audit.Record(c.Request.Context(), a.db, a.core.Meta(c), audit.Entry{
		Action: audit.ExportDownload, TargetType: "audit", TargetID: "checkpoints", Outcome: audit.Success,
		Details: map[string]any{"list": "audit_checkpoints", "format": "jsonl", "rows": len(cps)},
	}); err != nil {
		a.core.Fail(c, err)
		return
	}
	c.Header("Content-Type", "application/x-ndjson")
	c.Header("Content-Disposition", `attachment; filename="purser-audit-checkpoints.jsonl"`)
	c.Status(http.StatusOK)
	enc := json.NewEncoder(c.Writer)
	for i := len(cps) - 1; i >= 0; i-- {
		_ = enc.Encode(audit.Line(cps[i])) // the format `portal audit verify --checkpoints` reads
	}
}
