package auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/purser-finance/purser/internal/store"
)

// Issuer names Purser in authenticator apps.
const Issuer = "Purser"

// totpOpts are the authenticator-app defaults (30 s, 6 digits, SHA-1) with one step of
// clock skew either way.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// ErrCodeReused: the code is right, but a code of its time step (or of a later one) was
// already accepted for this user. It wraps ErrInvalidCode, so a caller that does not tell
// the two apart still refuses it.
var ErrCodeReused = fmt.Errorf("%w: this code was already used", ErrInvalidCode)

// period is the TOTP time step in seconds.
const period = 30

// MatchStep returns the time step (Unix seconds / 30) whose code of secret is code,
// searching now's step and one either way. Should a code belong to two steps of the window
// (one chance in a million) the latest is taken, so that the step recorded as used is
// never earlier than one the code could stand for.
func MatchStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != int(totpOpts.Digits) {
		return 0, false
	}
	cur := now.Unix() / period
	for step := cur + int64(totpOpts.Skew); step >= cur-int64(totpOpts.Skew); step-- {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// ValidCode reports whether code is the TOTP code of secret at now (±30 s). It does not
// use the code up: only for a secret that is not stored yet (checking a new enrolment).
func ValidCode(secret, code string, now time.Time) bool {
	_, ok := MatchStep(secret, code, now)
	return ok
}

// UseCode checks a code of a user's stored second factor and uses it up: nil when it is
// the code of a time step later than any accepted before (that step is then recorded),
// ErrCodeReused when it is right but its step was taken, ErrInvalidCode when it is wrong.
func UseCode(ctx context.Context, db *store.DB, userID int64, secret, code string, now time.Time) error {
	step, ok := MatchStep(secret, code, now)
	if !ok {
		return ErrInvalidCode
	}
	claimed, err := db.ClaimTOTPStep(ctx, userID, step)
	switch {
	case err != nil:
		return err
	case !claimed:
		return ErrCodeReused
	}
	return nil
}

// Code returns the current code of secret; the demo tour and tests use it.
func Code(secret string, now time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, now, totpOpts)
}

// Enrolment is a freshly generated second factor, not yet confirmed by the user.
type Enrolment struct {
	Secret string // base32
	URL    string // otpauth:// URL
	QRPNG  []byte // the URL as a QR code, PNG (served by its own route, never inlined)
}

// NewEnrolment generates a secret for account and renders its QR code.
func NewEnrolment(account string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: account})
	if err != nil {
		return Enrolment{}, err
	}
	return enrolmentFor(key)
}

// EnrolmentFor rebuilds the enrolment view of a pending secret (kept in the session
// between showing the QR code and confirming it).
func EnrolmentFor(account, secret string) (Enrolment, error) {
	key, err := otp.NewKeyFromURL("otpauth://totp/" + Issuer + ":" + account + "?secret=" + secret + "&issuer=" + Issuer)
	if err != nil {
		return Enrolment{}, err
	}
	return enrolmentFor(key)
}

func enrolmentFor(key *otp.Key) (Enrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{
		Secret: key.Secret(),
		URL:    key.URL(),
		QRPNG:  buf.Bytes(),
	}, nil
}
