package main

import (
	_ "github.com/riverqueue/river"
)
