package web_test

import (
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestEnrolmentQRImage: the enrolment page's QR code is an image of our own origin (a
// data: URL is rewritten by templ and refused by the CSP), answered as an uncached PNG
// to the user whose pending secret it encodes, and to nobody else.
func TestEnrolmentQRImage(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	p.addUser("arthur", "", "approver")
	p.addUser("fiona", testSecret, "finance")
	b := p.browser()
	if r := b.post("/login", url.Values{"username": {"arthur"}, "password": {testPassword}}); r.location != "/profile/totp" {
		t.Fatalf("went to %q", r.location)
	}
	page := b.get("/profile/totp")
	p.secret(page.testid(t, "enrol-secret"))
	src := page.doc(t).Find(`img[data-testid="enrol-qr"]`).AttrOr("src", "")
	if src != "/profile/totp/qr.png" {
		t.Fatalf("QR image src %q", src)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self';") {
		t.Errorf("images should come from our own origin only: %s", csp)
	}
	img := b.get(src)
	if img.status != http.StatusOK || img.header.Get("Content-Type") != "image/png" || img.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("QR image: %d %q %q", img.status, img.header.Get("Content-Type"), img.header.Get("Cache-Control"))
	}
	decoded, err := png.Decode(strings.NewReader(img.body))
	if err != nil || decoded.Bounds().Dx() < 200 {
		t.Fatalf("QR image does not decode: %v", err)
	}
	// The same pending secret, the same picture.
	if again := b.get(src); again.body != img.body {
		t.Error("the QR code changed between two loads of one pending enrolment")
	}

	// Nobody without a pending enrolment gets one, and anonymous visitors sign in first.
	f := p.browser()
	f.signIn("fiona", testSecret)
	if r := f.get(src); r.status != http.StatusNotFound {
		t.Errorf("no pending enrolment: %d", r.status)
	}
	if r := p.browser().get(src); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Errorf("anonymous: %d %q", r.status, r.location)
	}
}
