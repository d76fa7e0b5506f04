package pages

// ariaBool spells a bool the way ARIA attributes such as aria-invalid expect
// it: the strings "true" and "false".
func ariaBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
