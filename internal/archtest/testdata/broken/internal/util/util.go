package util

import (
	_ "github.com/gin-gonic/gin"
)
