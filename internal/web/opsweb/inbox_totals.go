package opsweb

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/web/templates/view"
)

// batchTotals puts on each batch line of the inbox how many of its rows the approver
// may see and their total by currency (approval.Service.BatchTotals).
func (a *Area) batchTotals(c *gin.Context, rows []view.OperationRow) error {
	var ids []int64
	for _, r := range rows {
		if id, err := strconv.ParseInt(r.ID, 10, 64); err == nil && r.IsBatch {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	totals, err := a.ops.BatchTotals(c.Request.Context(), a.actor(c), ids)
	if err != nil {
		return err
	}
	for i, r := range rows {
		id, _ := strconv.ParseInt(r.ID, 10, 64)
		t, ok := totals[id]
		if !r.IsBatch || !ok {
			continue
		}
		rows[i].BatchCount = t.Rows
		rows[i].BatchTotals = nil
		for _, amt := range t.Totals {
			rows[i].BatchTotals = append(rows[i].BatchTotals, view.Money{Amount: amt.Format(), Currency: amt.Currency()})
		}
	}
	return nil
}
