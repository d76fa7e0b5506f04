package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/upstreamacct"
)

// readyz answers whether this replica can serve: the database answers and the upstream
// (or the sandbox) is reachable. Load balancers poll it, so each check has a short
// deadline.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	status := http.StatusOK
	result := gin.H{"database": "ok", "upstream": "ok"}
	if err := s.db.Ping(ctx); err != nil {
		status, result["database"] = http.StatusServiceUnavailable, "unreachable"
		s.log.Warn("readiness: database", "error", err)
	}
	if s.upstream == nil {
		status, result["upstream"] = http.StatusServiceUnavailable, "not configured"
	} else if err := s.upstream.Ping(ctx); errors.Is(err, upstreamacct.ErrNoMaster) {
		status, result["upstream"] = http.StatusServiceUnavailable, "not configured"
	} else if err != nil {
		status, result["upstream"] = http.StatusServiceUnavailable, "unreachable"
		s.log.Warn("readiness: upstream", "error", err)
	}
	if s.cfg.Sandbox() {
		result["mode"] = "sandbox"
	} else {
		result["mode"] = "production"
	}
	c.JSON(status, result)
}
