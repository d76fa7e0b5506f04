package pages

import (
	_ "example.com/broken/web/templates/view"
)
