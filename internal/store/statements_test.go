package store_test

import "strings"

// counting are the statements that count rows.
func counting(stmts []string) []string {
	var out []string
	for _, s := range stmts {
		if strings.Contains(s, "COUNT(*)") {
			out = append(out, s)
		}
	}
	return out
}
