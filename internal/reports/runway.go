package reports

import (
	"context"

	"github.com/purser-finance/purser/internal/forecast"
)

// Runways estimates how long sub-accounts' money lasts, as of now: readmodel.Forecaster,
// the one estimate the pages, the rules and the reports share.
type Runways interface {
	Runways(ctx context.Context, ids []string) (map[string]forecast.Runway, error)
}
