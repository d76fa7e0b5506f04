package opsweb

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/tabular"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// What a bulk upload is made of and how it is read: the file as its author saved it
// (internal/tabular decodes it), carried through the preview as it came so that the
// batch is made from the very bytes that were checked, on the same lines.

// bulkUpload is one post of the bulk form.
type bulkUpload struct {
	kind             approval.Kind
	csv, reason, key string
	skip             bool   // "skip invalid rows" rather than all or nothing
	data             []byte // the file, or the pasted text
	name             string // the file's name; "" for pasted text
	tooLarge         bool
	uploadB64        string // the file, for the next form to carry
	uploadName       string
}

// bulkInput reads a post: a new file first, then text typed into the box, then the file
// an earlier check carried. Only tampering (an unknown kind, a malformed key) is a 400;
// a file too large comes back as the form's error with every choice kept.
func (a *Area) bulkInput(c *gin.Context) (bulkUpload, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 4*maxCSVBytes+64<<10)
	in := bulkUpload{kind: approval.Kind(c.PostForm("kind")), key: trimmed(c, "idempotency_key"), reason: trimmed(c, "reason"),
		csv: c.PostForm("csv"), skip: c.PostForm("on_error") == "skip"}
	if in.kind != approval.KindTransferFunds && in.kind != approval.KindRetrieveFunds || !validIdemKey(in.key) {
		return in, webcore.ErrBadRequest
	}
	if fh, ferr := c.FormFile("file"); ferr == nil && fh.Size > 0 {
		// The file is what gets checked: text left in the box must not ride along to
		// the submit in its place.
		in.name, in.csv = fh.Filename, ""
		if fh.Size > maxCSVBytes {
			in.tooLarge = true
			return in, nil
		}
		f, err := fh.Open()
		if err != nil {
			return in, webcore.ErrBadRequest
		}
		defer f.Close()
		if in.data, err = io.ReadAll(io.LimitReader(f, maxCSVBytes+1)); err != nil {
			return in, webcore.ErrBadRequest
		}
		in.tooLarge = len(in.data) > maxCSVBytes
	} else if in.csv != "" {
		in.data = []byte(in.csv)
	} else if up := c.PostForm("upload"); up != "" {
		b, err := base64.StdEncoding.DecodeString(up)
		if err != nil {
			return in, webcore.ErrBadRequest
		}
		in.data, in.name, in.tooLarge = b, c.PostForm("upload_name"), len(b) > maxCSVBytes
	}
	if in.name != "" && !in.tooLarge {
		in.uploadB64, in.uploadName = base64.StdEncoding.EncodeToString(in.data), in.name
	}
	return in, nil
}

// bulkRows reads and validates an upload. With skip, the rows with problems are left out
// and returned as skipped, and the rest validated again on their own; a problem of the
// file itself (its header, its encoding) is never skipped. count is the file's data rows.
func (a *Area) bulkRows(c *gin.Context, in bulkUpload) (rows []approval.BatchRow, skipped []approval.RowError, det tabular.Detected, count int, err error) {
	if in.tooLarge {
		return nil, nil, det, 0, &approval.BatchErrors{Rows: []approval.RowError{{Field: "_", Message: "op.err.file_too_large",
			Params: map[string]any{"max": strconv.Itoa(maxCSVBytes>>20) + " MB"}}}}
	}
	all, det, err := approval.ParseFile(in.data, in.name)
	if err != nil {
		return nil, nil, det, 0, err
	}
	ctx, actor := c.Request.Context(), a.actor(c)
	rows, err = a.ops.ValidateBatch(ctx, actor, in.kind, all)
	var be *approval.BatchErrors
	if err == nil || !in.skip || !errors.As(err, &be) {
		return rows, nil, det, len(all), err
	}
	bad := map[int]bool{}
	for _, e := range be.Rows {
		bad[e.Line] = true
	}
	var keep []approval.BatchRow
	for _, r := range all {
		if !bad[r.Line] {
			keep = append(keep, r)
		}
		delete(bad, r.Line)
	}
	if len(bad) > 0 || len(keep) == 0 {
		return nil, nil, det, len(all), err // a file-wide problem, or no row left to submit
	}
	rows, err = a.ops.ValidateBatch(ctx, actor, in.kind, keep)
	if err != nil {
		return nil, nil, det, len(all), err
	}
	return rows, be.Rows, det, len(all), nil
}

// detectedLabel says how a file was read ("Read as GB18030, semicolon-separated, 12 rows").
func detectedLabel(tr *i18n.Translator, d tabular.Detected, rows int) string {
	switch d.Format {
	case tabular.XLSX:
		return tr.N("op.bulk_detected_xlsx", rows, map[string]any{"Sheet": d.Sheet})
	case tabular.CSV:
		enc := d.Encoding
		if enc == tabular.UTF8BOM {
			enc = tr.T("op.bulk_enc_utf8_bom")
		}
		if enc == "" {
			return ""
		}
		return tr.N("op.bulk_detected_csv", rows, map[string]any{"Encoding": enc, "Separator": tr.T("op.sep." + d.SeparatorName())})
	}
	return ""
}

// rowErrorParams readies a row problem's parameters for people: the separator by its
// name, a sub-account's status by its label.
func rowErrorParams(tr *i18n.Translator, p map[string]any) map[string]any {
	if p == nil {
		return nil
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		out[k] = v
	}
	if sep, ok := p["separator"].(string); ok {
		out["separator"] = tr.T("op.sep." + sep)
	}
	if st, ok := p["status"].(int); ok {
		if label := tr.T("sa.status." + strconv.Itoa(st)); label[0] != '[' {
			out["status"] = label
		}
	}
	return out
}
