// Package gin stands in for github.com/gin-gonic/gin.
package gin

// X is something to import.
const X = 1
