package auth

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPasswordHashAndVerify(t *testing.T) {
	p := NewPasswords(2)
	ctx := context.Background()
	h, err := p.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format %q", h)
	}
	h2, _ := p.Hash(ctx, "correct horse battery")
	if h == h2 {
		t.Fatal("salts must differ")
	}
	if ok, err := p.Verify(ctx, "correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := p.Verify(ctx, "correct horse batterx", h); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA"} {
		if _, err := p.Verify(ctx, "x", bad); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if ok, err := p.Verify(ctx, "anything", dummyHash); ok || err != nil {
		t.Fatalf("the dummy hash must parse and never match: %v %v", ok, err)
	}
}

// TestCheapCostHashesVerifyEverywhere: a hash made at a lower cost (the tests' hasher)
// records its own parameters, so a production-cost hasher verifies it, and the other way.
func TestCheapCostHashesVerifyEverywhere(t *testing.T) {
	ctx := context.Background()
	cheap, prod := NewPasswordsCost(2, Cost{MemoryKiB: 64, Time: 1}), NewPasswords(2)
	h, err := cheap.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("cheap hash format %q", h)
	}
	for _, p := range []*Passwords{cheap, prod} {
		if ok, err := p.Verify(ctx, "correct horse battery", h); !ok || err != nil {
			t.Fatalf("right password: %v %v", ok, err)
		}
		if ok, _ := p.Verify(ctx, "correct horse batterx", h); ok {
			t.Fatal("wrong password accepted")
		}
	}
	h2, _ := prod.Hash(ctx, "correct horse battery")
	if ok, err := cheap.Verify(ctx, "correct horse battery", h2); !ok || err != nil {
		t.Fatalf("production hash under the cheap hasher: %v %v", ok, err)
	}
	if NewPasswordsCost(1, Cost{}).cost != DefaultCost {
		t.Fatal("a zero cost must mean the default one")
	}
}

// TestHashingIsBounded: no more than the configured number of hashes run at once.
func TestHashingIsBounded(t *testing.T) {
	p := NewPasswords(2)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			p.release()
		}()
	}
	wg.Wait()
	if peak.Load() != 2 {
		t.Fatalf("peak concurrency %d, want 2", peak.Load())
	}
	// A caller that gives up while waiting gets its context's error.
	p.acquire(context.Background())
	p.acquire(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Hash(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline, got %v", err)
	}
}

func TestTOTP(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	code, err := Code("JBSWY3DPEHPK3PXP", now)
	if err != nil || len(code) != 6 {
		t.Fatal(code, err)
	}
	if !ValidCode("JBSWY3DPEHPK3PXP", code, now) || !ValidCode("JBSWY3DPEHPK3PXP", code, now.Add(30*time.Second)) {
		t.Fatal("current code (±1 step) must be valid")
	}
	if ValidCode("JBSWY3DPEHPK3PXP", code, now.Add(2*time.Minute)) {
		t.Fatal("an old code must be refused")
	}
	if ValidCode("JBSWY3DPEHPK3PXP", "", now) || ValidCode("JBSWY3DPEHPK3PXP", "12345", now) {
		t.Fatal("malformed codes must be refused")
	}
	e, err := NewEnrolment("fiona")
	if err != nil || len(e.Secret) < 16 || !bytes.HasPrefix(e.QRPNG, []byte("\x89PNG\r\n")) || !strings.Contains(e.URL, "issuer=Purser") {
		t.Fatalf("enrolment %+v %v", e, err)
	}
	again, err := EnrolmentFor("fiona", e.Secret)
	if err != nil || again.Secret != e.Secret {
		t.Fatal("rebuilding an enrolment must keep its secret")
	}
}

func TestAPIToken(t *testing.T) {
	raw, hash, prefix, err := NewAPIToken()
	if err != nil || !strings.HasPrefix(raw, TokenPrefix) || len(raw) < 40 || !strings.HasPrefix(raw, prefix) {
		t.Fatalf("%q %q %v", raw, prefix, err)
	}
	if HashAPIToken(raw) != hash || strings.Contains(hash, raw) || len(hash) != 64 {
		t.Fatal("hash")
	}
	raw2, _, _, _ := NewAPIToken()
	if raw2 == raw {
		t.Fatal("tokens must be random")
	}
}

func TestSecondFactorRequired(t *testing.T) {
	if !SecondFactorRequired([]string{"finance", "approver"}) || !SecondFactorRequired([]string{"admin"}) {
		t.Fatal("approvers and admins need a second factor")
	}
	if SecondFactorRequired([]string{"finance", "auditor", "viewer"}) {
		t.Fatal("others may choose")
	}
}
