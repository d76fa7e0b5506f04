package ops

import (
	_ "example.com/broken/internal/store"
)
