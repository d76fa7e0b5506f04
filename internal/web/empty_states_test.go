package web_test

import (
	"strings"
	"testing"
)

// Operations and approvals exist, so an empty list is just empty: the old "not enabled in this
// version" wording told people a working feature was missing.
func TestDashboardAndSubAccountEmptyStatesPlain(t *testing.T) {
	t.Parallel()
	p := readPortal(t)
	p.addUser("abby", testSecret, "approver")
	for _, c := range []struct{ lang, ops, approvals, saOps, stale string }{
		{"en", "No operations yet", "No pending approvals", "No operations yet", "not enabled"},
		{"zh", "暂无操作", "暂无待审批", "暂无操作", "尚未启用"},
	} {
		b := p.browser()
		b.signIn("abby", testSecret)
		b.lang = c.lang
		d := b.get("/")
		if got := d.testid(t, "recent-operations"); !strings.Contains(got, c.ops) {
			t.Errorf("%s dashboard operations %q, want %q", c.lang, got, c.ops)
		}
		if got := d.testid(t, "pending-approvals"); !strings.Contains(got, c.approvals) {
			t.Errorf("%s dashboard approvals %q, want %q", c.lang, got, c.approvals)
		}
		f := p.signedIn("fiona")
		f.lang = c.lang
		s := f.get("/sub-accounts/sa-alpha")
		if got := s.testid(t, "operations-empty"); got != c.saOps {
			t.Errorf("%s sub-account operations %q, want %q", c.lang, got, c.saOps)
		}
		for _, body := range []string{d.body, s.body} {
			if strings.Contains(body, c.stale) {
				t.Errorf("%s: stale %q still shown", c.lang, c.stale)
			}
		}
	}
}
