package authz

import (
	_ "example.com/broken/internal/util"
)
