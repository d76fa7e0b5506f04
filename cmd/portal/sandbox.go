package main

import (
	"context"
	"fmt"
	"io"
)

// runSandbox is replaced by the upstream simulator's command (issue 3).
func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "portal: sandbox: not available in this build")
	return 1
}
