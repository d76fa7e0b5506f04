package export

import (
	"encoding/csv"
	"io"
)

// csvWriter writes RFC 4180 CSV with a UTF-8 byte order mark, so that spreadsheets open
// Chinese names correctly. Numbers are plain decimals ("1234.50"), never grouped.
type csvWriter struct {
	w      *csv.Writer
	bomOut io.Writer
	bom    bool
	buf    []string
}

func newCSV(w io.Writer) *csvWriter { return &csvWriter{w: csv.NewWriter(w), bomOut: w} }

func (c *csvWriter) writeBOM() error {
	if c.bom {
		return nil
	}
	c.bom = true
	_, err := c.bomOut.Write([]byte("\uFEFF"))
	return err
}

func (c *csvWriter) Header(cols ...string) error {
	if err := c.writeBOM(); err != nil {
		return err
	}
	c.buf = c.buf[:0]
	for _, s := range cols {
		c.buf = append(c.buf, Neutralize(s))
	}
	return c.w.Write(c.buf)
}

func (c *csvWriter) Row(cells ...Cell) error {
	if err := c.writeBOM(); err != nil {
		return err
	}
	c.buf = c.buf[:0]
	for _, cell := range cells {
		switch cell.kind {
		case kindText:
			c.buf = append(c.buf, Neutralize(cell.text))
		case kindNumber:
			c.buf = append(c.buf, cell.num.String())
		case kindAmount:
			c.buf = append(c.buf, cell.num.StringFixed(2))
		case kindTime:
			c.buf = append(c.buf, cell.time.Format("2006-01-02 15:04:05"))
		default:
			c.buf = append(c.buf, "")
		}
	}
	return c.w.Write(c.buf)
}

func (c *csvWriter) Close() error {
	if err := c.writeBOM(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}
