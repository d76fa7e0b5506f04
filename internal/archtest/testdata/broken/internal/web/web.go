package web

import (
	_ "gorm.io/gorm"
)
