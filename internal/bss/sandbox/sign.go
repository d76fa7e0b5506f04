package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The verifier re-implements SDK-HMAC-SHA256 from the published description instead of
// calling the SDK's signer: a verifier that shares code with the signer would accept the
// signer's bugs. The published test vector and the SDK's own requests both have to pass.

const (
	signAlgorithm   = "SDK-HMAC-SHA256"
	dateLayout      = "20060102T150405Z"
	maxClockSkew    = 15 * time.Minute
	headerSdkDate   = "X-Sdk-Date"
	headerSdkSHA256 = "X-Sdk-Content-Sha256"
)

var (
	errNoAuth       = errors.New("missing or malformed Authorization header")
	errNoDate       = errors.New("missing or malformed X-Sdk-Date header")
	errStaleDate    = errors.New("X-Sdk-Date is more than 15 minutes off")
	errUnknownKey   = errors.New("unknown access key")
	errBadSignature = errors.New("signature does not match")
)

type authHeader struct {
	access        string
	signedHeaders []string
	signature     string
}

func parseAuthorization(v string) (authHeader, error) {
	rest, ok := strings.CutPrefix(v, signAlgorithm+" ")
	if !ok {
		return authHeader{}, errNoAuth
	}
	var a authHeader
	for part := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authHeader{}, errNoAuth
		}
		switch k {
		case "Access":
			a.access = val
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		}
	}
	if a.access == "" || a.signature == "" || len(a.signedHeaders) == 0 {
		return authHeader{}, errNoAuth
	}
	return a, nil
}

// verifySignature checks r (whose body bytes are given, since the handler has read them)
// against the one key pair the sandbox knows.
func verifySignature(r *http.Request, body []byte, ak, sk string, now time.Time) error {
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	date, err := time.Parse(dateLayout, r.Header.Get(headerSdkDate))
	if err != nil {
		return errNoDate
	}
	if d := now.Sub(date); d > maxClockSkew || d < -maxClockSkew {
		return errStaleDate
	}
	if !hmac.Equal([]byte(a.access), []byte(ak)) {
		return errUnknownKey
	}
	cr := canonicalRequest(r, body, a.signedHeaders)
	crHash := sha256.Sum256([]byte(cr))
	sts := signAlgorithm + "\n" + date.UTC().Format(dateLayout) + "\n" + hex.EncodeToString(crHash[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(a.signature))) {
		return errBadSignature
	}
	return nil
}

func canonicalRequest(r *http.Request, body []byte, signed []string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range signed {
		var values []string
		if name == "host" {
			values = []string{r.Host}
		} else {
			values = append(values, r.Header.Values(name)...)
		}
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	// A client that cannot hash its body (streams) sends the literal it used instead.
	if v := r.Header.Get(headerSdkSHA256); v != "" {
		b.WriteString(v)
	} else {
		h := sha256.Sum256(body)
		b.WriteString(hex.EncodeToString(h[:]))
	}
	return b.String()
}

func canonicalURI(u *url.URL) string {
	segments := strings.Split(u.EscapedPath(), "/")
	for i, s := range segments {
		if raw, err := url.PathUnescape(s); err == nil {
			s = raw
		}
		segments[i] = escape(s)
	}
	p := strings.Join(segments, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

func canonicalQuery(raw string) string {
	q, _ := url.ParseQuery(raw)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(parts, "&")
}

// escape is RFC 3986 percent-encoding of everything but unreserved characters.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '_' || c == '-' || c == '~' || c == '.' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

func hexSHA(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func hexHMAC(key, s string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(s))
	return hex.EncodeToString(mac.Sum(nil))
}
