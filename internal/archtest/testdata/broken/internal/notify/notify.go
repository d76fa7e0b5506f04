package notify

import (
	_ "github.com/riverqueue/river"
)
