package webcore

import (
	"context"
	"errors"
	"log/slog"
)

// ClientGone reports whether the request of ctx has lost its client: the server cancels
// a request's context when its connection closes (a tab closed, a load generator
// stopping). Whatever failed because of that is no fault of the portal's.
func ClientGone(ctx context.Context) bool { return errors.Is(ctx.Err(), context.Canceled) }

// Degraded logs a best-effort read of a request that failed (the page is answered
// without what it would have given: a freshness line, a counter, a choice) at warn, or
// at debug when the request's client went away, which is why such reads fail most.
func Degraded(ctx context.Context, log *slog.Logger, msg string, args ...any) {
	level := slog.LevelWarn
	if ClientGone(ctx) {
		level = slog.LevelDebug
	}
	log.Log(ctx, level, msg, args...)
}
