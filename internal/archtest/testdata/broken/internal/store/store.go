package store

import (
	_ "gorm.io/gorm"
)
