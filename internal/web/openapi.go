package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/web/apidoc"
)

// openAPI serves the JSON API's description. It is public: it holds the API's shape and
// nothing about this installation, and tools fetch it before they have a token.
func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", apidoc.OpenAPI)
}
