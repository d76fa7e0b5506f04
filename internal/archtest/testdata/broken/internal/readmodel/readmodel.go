package readmodel

import (
	_ "example.com/broken/internal/web"
	_ "github.com/a-h/templ"
)
