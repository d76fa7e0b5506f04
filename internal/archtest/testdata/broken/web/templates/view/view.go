package view

import (
	_ "example.com/broken/internal/store"
)
