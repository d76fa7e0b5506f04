package users

import (
	"bufio"
	_ "embed"
	"errors"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// common_passwords.txt: the 46,983 distinct entries (lower-cased, at least 4 characters)
// of data/passwords.txt in the Go module github.com/trustelem/zxcvbn v1.0.1 (MIT licence,
// Copyright (c) 2018 Vincent Vanackere and Trustelem), itself the password frequency list
// of Dropbox's zxcvbn 4.4.2 (MIT), built from leaked-password corpora, most common first.
//
//go:embed common_passwords.txt
var commonPasswordsText string

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

func commonPasswords() map[string]struct{} {
	commonOnce.Do(func() {
		common = make(map[string]struct{}, 48000)
		sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
		for sc.Scan() {
			if w := strings.TrimSpace(sc.Text()); w != "" {
				common[w] = struct{}{}
			}
		}
	})
	return common
}

// Password policy errors (NIST SP 800-63B: a length floor and a list of passwords known to
// be common, no composition rules). MessageID translates them.
var (
	ErrPasswordTooShort = errors.New("users: password too short")
	ErrPasswordTooLong  = errors.New("users: password too long")
	ErrPasswordCommon   = errors.New("users: password is too common")
	ErrPasswordPersonal = errors.New("users: password contains the user name")
)

// MaxPasswordBytes bounds what is hashed.
const MaxPasswordBytes = 1024

// CheckPassword applies the password policy: at least MinPasswordLength characters, at
// most MaxPasswordBytes bytes, not a common password (ignoring case, and ignoring digits
// and punctuation added before or after a common one, as in "Password2024!"), not one
// character repeated, and not containing the user name.
func CheckPassword(password, username string) error {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return ErrPasswordTooShort
	}
	if len(password) > MaxPasswordBytes {
		return ErrPasswordTooLong
	}
	lower := strings.ToLower(password)
	if u := strings.ToLower(strings.TrimSpace(username)); len(u) >= 3 && strings.Contains(lower, u) {
		return ErrPasswordPersonal
	}
	list := commonPasswords()
	if _, ok := list[lower]; ok {
		return ErrPasswordCommon
	}
	core := strings.TrimFunc(lower, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
	if _, ok := list[core]; ok && core != "" {
		return ErrPasswordCommon
	}
	if strings.Count(lower, string([]rune(lower)[0])) == utf8.RuneCountInString(lower) {
		return ErrPasswordCommon
	}
	if isSequence(lower) {
		return ErrPasswordCommon
	}
	return nil
}

// isSequence spots runs like "1234567890" or "abcdefghij" that lists miss at length 10+.
func isSequence(s string) bool {
	r := []rune(s)
	up, down := true, true
	for i := 1; i < len(r); i++ {
		up = up && r[i] == r[i-1]+1
		down = down && r[i] == r[i-1]-1
	}
	return up || down
}
