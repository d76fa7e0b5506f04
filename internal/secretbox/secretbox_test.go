package secretbox

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRoundTripAndTamper(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b, err := New(key, "totp")
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Seal("JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "JBSWY3DPEHPK3PXP") || !strings.HasPrefix(s, "v1:") {
		t.Fatalf("sealed value leaks or lacks version: %q", s)
	}
	if got, err := b.Open(s); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open: %q %v", got, err)
	}
	s2, _ := b.Seal("JBSWY3DPEHPK3PXP")
	if s2 == s {
		t.Fatal("two seals of one value must differ (random nonce)")
	}
	other, _ := New(key, "upstream")
	if _, err := other.Open(s); !errors.Is(err, ErrDecrypt) {
		t.Fatal("a value sealed for one purpose must not open under another")
	}
	wrong, _ := New(bytes.Repeat([]byte{8}, 32), "totp")
	if _, err := wrong.Open(s); !errors.Is(err, ErrDecrypt) {
		t.Fatal("wrong key must fail")
	}
	tampered := s[:len(s)-2] + "AA"
	if _, err := b.Open(tampered); !errors.Is(err, ErrDecrypt) {
		t.Fatal("tampered value must fail")
	}
	if v, err := b.Seal(""); v != "" || err != nil {
		t.Fatal("empty stays empty")
	}
	if _, err := New([]byte("short"), "x"); err == nil {
		t.Fatal("short key must be refused")
	}
}
