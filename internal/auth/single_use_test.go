package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const testSecret = "JBSWY3DPEHPK3PXP"

// clock is a settable time for the service under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// enrolled returns a service on db at clk and a user whose second factor is testSecret.
func enrolled(t *testing.T, db *store.DB, clk *clock) (*Service, *store.User) {
	t.Helper()
	box, err := secretbox.New(bytes.Repeat([]byte{7}, 32), "totp")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	u := &store.User{Username: "ada", PasswordHash: "x", TOTPSecret: sealed, Roles: []string{"approver"}}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	s := &Service{DB: db, Passwords: NewPasswords(2), TOTPSecrets: box, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: clk.Now, MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
	return s, u
}

func codeAt(t *testing.T, at time.Time) string {
	t.Helper()
	c, err := Code(testSecret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMatchedStep: the step a code belongs to is found within ±1 step, and the latest one
// wins, so that what is stored is never earlier than the code's own step.
func TestMatchedStep(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 10, 0, time.UTC)
	cur := now.Unix() / 30
	for _, d := range []int64{-1, 0, 1} {
		code := codeAt(t, time.Unix((cur+d)*30, 0))
		step, ok := MatchStep(testSecret, code, now)
		if !ok || step != cur+d {
			t.Errorf("offset %d: step %d %v, want %d", d, step, ok, cur+d)
		}
	}
	if _, ok := MatchStep(testSecret, codeAt(t, now.Add(-2*time.Minute)), now); ok {
		t.Error("a code two steps old matched")
	}
	if _, ok := MatchStep(testSecret, " "+codeAt(t, now)+" ", now); !ok {
		t.Error("spaces around a code are what people type")
	}
}

// TestCodeWorksOnce: a code accepted once (sign-in or step-up) is refused the second time
// as ErrCodeReused (also an ErrInvalidCode for callers that do not tell them apart),
// counted by the throttle and audited; the next step's code works.
func TestCodeWorksOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 11, 25, 9, 0, 5, 0, time.UTC)}
		s, u := enrolled(t, db, clk)
		code := codeAt(t, clk.Now())

		if err := s.CheckCode(ctx, u, code, audit.Meta{}); err != nil {
			t.Fatalf("first sign-in: %v", err)
		}
		clk.Add(10 * time.Second) // same step, still inside the window
		err := s.CheckCode(ctx, u, code, audit.Meta{})
		if !errors.Is(err, ErrCodeReused) || !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("second sign-in with the same code: %v", err)
		}
		if err := s.VerifyStepUp(ctx, u, code, audit.Meta{}); !errors.Is(err, ErrCodeReused) {
			t.Fatalf("step-up with the sign-in's code: %v", err)
		}
		if _, err := s.StepUp(ctx, u, code, audit.Meta{}); !errors.Is(err, ErrCodeReused) {
			t.Fatalf("StepUp with the sign-in's code: %v", err)
		}
		th, err := db.LoginThrottle(ctx, "totp:"+strconv.FormatInt(u.ID, 10))
		if err != nil || th.Failures != 3 {
			t.Fatalf("a reused code counts as a failed attempt: %+v %v", th, err)
		}
		evs, err := db.ListAudit(ctx, store.AuditFilter{Action: audit.AuthTOTPFailed, Limit: 10})
		if err != nil || len(evs) != 3 || !strings.Contains(string(evs[0].Details), `"code_reused"`) {
			t.Fatalf("reuse audit: %d %v", len(evs), err)
		}

		// The previous step's code, never used, is still refused: a later step was taken.
		prev := codeAt(t, clk.Now().Add(-30*time.Second))
		if err := s.VerifyStepUp(ctx, u, prev, audit.Meta{}); !errors.Is(err, ErrCodeReused) {
			t.Fatalf("an earlier step's code after a later one: %v", err)
		}
		clk.Add(30 * time.Second)
		if err := s.VerifyStepUp(ctx, u, codeAt(t, clk.Now()), audit.Meta{}); err != nil {
			t.Fatalf("the next step's code: %v", err)
		}
		// A wrong code is still a wrong code, not a reused one.
		if err := s.VerifyStepUp(ctx, u, "000000", audit.Meta{}); errors.Is(err, ErrCodeReused) || !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("wrong code: %v", err)
		}
	})
}

// TestConcurrentStepUpOneCode: twenty simultaneous step-ups with one code, on Postgres
// where they really run in parallel: exactly one is accepted.
func TestConcurrentStepUpOneCode(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	s, u := enrolled(t, db, clk)
	code := codeAt(t, clk.Now())
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.VerifyStepUp(ctx, u, code, audit.Meta{})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrCodeReused), errors.Is(err, ErrLockedOut):
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d step-ups accepted one code, want 1", ok)
	}
}

// TestCodeClock: with CodeNow set (the in-process test harness's TOTP clock) codes are
// matched against it, not against Now: a code of Now's step is wrong when CodeNow is five
// minutes ahead, one of CodeNow's step works, once; the sign-in's other times stay Now's.
func TestCodeClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 11, 25, 9, 0, 5, 0, time.UTC)}
		codes := &clock{t: clk.Now().Add(5 * time.Minute)}
		s, u := enrolled(t, db, clk)
		s.CodeNow = codes.Now

		if err := s.CheckCode(ctx, u, codeAt(t, clk.Now()), audit.Meta{}); !errors.Is(err, ErrInvalidCode) || errors.Is(err, ErrCodeReused) {
			t.Fatalf("a code of Now's step with CodeNow 5 min ahead: %v", err)
		}
		code := codeAt(t, codes.Now())
		if err := s.CheckCode(ctx, u, code, audit.Meta{}); err != nil {
			t.Fatalf("a code of CodeNow's step: %v", err)
		}
		if err := s.VerifyStepUp(ctx, u, code, audit.Meta{}); !errors.Is(err, ErrCodeReused) {
			t.Fatalf("the same code again: %v", err)
		}
		codes.Add(30 * time.Second)
		if err := s.VerifyStepUp(ctx, u, codeAt(t, codes.Now()), audit.Meta{}); err != nil {
			t.Fatalf("the next step of CodeNow: %v", err)
		}
		got, err := db.UserByID(ctx, u.ID)
		if err != nil || got.LastLoginAt == nil || !got.LastLoginAt.Equal(clk.Now()) {
			t.Fatalf("last sign-in %v (%v), want Now's %v", got.LastLoginAt, err, clk.Now())
		}
	})
}
