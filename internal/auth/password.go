// Package auth signs people in: password hashes, second factor, throttling and lockout.
// Sessions live in internal/session; permissions in internal/authz.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane). Each hash costs ~17 ms
// and 19 MiB, so Passwords bounds how many run at once: a burst of sign-ins must not take
// the whole machine's memory.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	saltLen        = 16
)

// ErrMalformedHash is returned for a stored hash this package did not produce.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// Passwords hashes and verifies passwords with bounded concurrency.
type Passwords struct {
	slots chan struct{}
	cost  Cost
}

// Cost is the argon2id work of each new hash. Verify always uses the parameters stored
// in the hash, so a cheaper cost only changes hashes made from now on.
type Cost struct {
	MemoryKiB uint32
	Time      uint32
}

// DefaultCost is the production cost (the constants above).
var DefaultCost = Cost{MemoryKiB: argonMemoryKiB, Time: argonTime}

// NewPasswords allows at most maxConcurrent hashes at a time (≥ 1), at DefaultCost.
func NewPasswords(maxConcurrent int) *Passwords { return NewPasswordsCost(maxConcurrent, DefaultCost) }

// NewPasswordsCost is NewPasswords with another cost per hash. Only tests lower it: a
// test suite hashes thousands of passwords and needs no protection against cracking.
func NewPasswordsCost(maxConcurrent int, c Cost) *Passwords {
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	if c.MemoryKiB == 0 || c.Time == 0 {
		c = DefaultCost
	}
	return &Passwords{slots: make(chan struct{}, maxConcurrent), cost: c}
}

func (p *Passwords) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Passwords) release() { <-p.slots }

// Hash returns a PHC-format argon2id hash of password.
func (p *Passwords) Hash(ctx context.Context, password string) (string, error) {
	if err := p.acquire(ctx); err != nil {
		return "", err
	}
	defer p.release()
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.cost.Time, p.cost.MemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.cost.MemoryKiB, p.cost.Time,
		argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, in constant time. The parameters come
// from the stored hash, so raising them later keeps old hashes working.
func (p *Passwords) Verify(ctx context.Context, password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil ||
		mem == 0 || mem > 1<<20 || iters == 0 || iters > 16 || threads == 0 {
		return false, ErrMalformedHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformedHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, ErrMalformedHash
	}
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when a user does not exist, so that "no such user" takes
// as long as "wrong password" and timing reveals nothing.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2g3m2Hn3qCH9rIYkB5C0m9vO0yJzQbqkxdVb8yMBv0s"
