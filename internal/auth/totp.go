package auth

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Issuer names Purser in authenticator apps.
const Issuer = "Purser"

// totpOpts are the authenticator-app defaults (30 s, 6 digits, SHA-1) with one step of
// clock skew either way.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// ValidCode reports whether code is the TOTP code of secret at now (±30 s).
func ValidCode(secret, code string, now time.Time) bool {
	ok, err := totp.ValidateCustom(code, secret, now, totpOpts)
	return err == nil && ok
}

// Code returns the current code of secret; the demo tour and tests use it.
func Code(secret string, now time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, now, totpOpts)
}

// Enrolment is a freshly generated second factor, not yet confirmed by the user.
type Enrolment struct {
	Secret string // base32
	URL    string // otpauth:// URL
	QRPNG  string // data: URL of a QR code PNG
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
		QRPNG:  "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
	}, nil
}
