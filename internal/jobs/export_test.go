package jobs

import (
	"context"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
)

// SetVerify replaces the verification a runner performs, so that a test can hold a run
// mid-way.
func (o *AuditVerifyJobs) SetVerify(f func(ctx context.Context, db *store.DB, progress func(int64)) (audit.Result, error)) {
	o.verify = f
}
