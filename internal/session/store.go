// Package session keeps sign-in sessions on the server, in the portal database, behind the
// gorilla/sessions Store interface. The cookie carries only a random token (signed); the
// database row is the session, so signing out, disabling a user or ending their sessions
// takes effect on the very next request, on every replica.
package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
)

// Name is the session's name in the gorilla registry.
const Name = "purser"

// Keys of session values.
const (
	KeyUserID    = "uid"        // int64
	KeyStage     = "stage"      // Stage
	KeyAuthAt    = "auth_at"    // int64 unix seconds of the password step
	KeyPending   = "pending"    // sealed TOTP secret being enrolled
	KeyPrevLogin = "prev_login" // int64 unix seconds of the sign-in before this one, 0 = first
)

// Stage is how far a sign-in has come.
type Stage string

// Stages of a sign-in.
const (
	StageCode   Stage = "code"   // password right, TOTP code pending
	StageEnrol  Stage = "enrol"  // password right, role requires a second factor not yet set up
	StageSigned Stage = "signed" // fully signed in
)

// touchEvery bounds how often a request writes the session's last-seen time.
const touchEvery = time.Minute

// Store is a server-side gorilla/sessions store over store.DB.
type Store struct {
	db       *store.DB
	codec    securecookie.Codec
	cookie   string
	secure   bool
	idle     time.Duration
	absolute time.Duration
	log      *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Limits, when set, returns the idle and absolute timeouts in force (an admin changes
	// them in the settings); a zero value keeps the configured one.
	Limits func(ctx context.Context) (idle, absolute time.Duration)
}

// maxAbsolute is the longest absolute timeout the settings accept; the cookie signature
// outlives it so that raising the timeout at run time keeps sessions valid.
const maxAbsolute = 30 * 24 * time.Hour

// limits returns the timeouts in force.
func (s *Store) limits(ctx context.Context) (idle, absolute time.Duration) {
	idle, absolute = s.idle, s.absolute
	if s.Limits != nil {
		i, a := s.Limits(ctx)
		if i > 0 {
			idle = i
		}
		if a > 0 {
			absolute = a
		}
	}
	return idle, absolute
}

// Options configure a Store.
type Options struct {
	SecretKey []byte // PORTAL_SECRET_KEY; the cookie signing key is derived from it
	Secure    bool   // https: Secure cookie with the __Host- prefix
	Idle      time.Duration
	Absolute  time.Duration
	Log       *slog.Logger
}

// NewStore builds a Store.
func NewStore(db *store.DB, o Options) *Store {
	codec := securecookie.New(secretbox.Derive(o.SecretKey, "session-cookie"), nil)
	codec.MaxAge(int(max(o.Absolute, maxAbsolute) / time.Second))
	name := "purser_session"
	if o.Secure {
		name = "__Host-purser_session" // bound to this host, https only, path /
	}
	return &Store{db: db, codec: codec, cookie: name, secure: o.Secure, idle: o.Idle, absolute: o.Absolute, log: o.Log, Now: time.Now}
}

// CookieName is the name of the session cookie.
func (s *Store) CookieName() string { return s.cookie }

// Get returns the request's session, cached for the request by gorilla's registry.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or starts an empty one when there is none or
// it ended (signed out, idle too long, too old).
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess, _, err := s.open(r, name, false)
	return sess, err
}

// Load is Get and the session's user in one database round trip, for the first read of a
// request's session: the user (with roles and scopes, read fresh) is nil when the session
// is anonymous, ended or its user is gone. The session is not in gorilla's per-request
// registry: pass it on rather than calling Get again.
func (s *Store) Load(r *http.Request) (*sessions.Session, *store.User, error) {
	return s.open(r, Name, true)
}

func (s *Store) open(r *http.Request, name string, withUser bool) (*sessions.Session, *store.User, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = s.options()
	sess.IsNew = true
	c, err := r.Cookie(s.cookie)
	if err != nil {
		return sess, nil, nil
	}
	var token string
	if err := s.codec.Decode(s.cookie, c.Value, &token); err != nil {
		return sess, nil, nil // forged, expired or from another key: start afresh
	}
	ctx := r.Context()
	var (
		row  *store.Session
		user *store.User
	)
	if withUser {
		row, user, err = s.db.SessionWithUser(ctx, hashToken(token))
	} else {
		row, err = s.db.SessionByID(ctx, hashToken(token))
	}
	if errors.Is(err, store.ErrNotFound) {
		return sess, nil, nil
	}
	if err != nil {
		return sess, nil, err
	}
	now := s.Now()
	idle, absolute := s.limits(ctx)
	if now.Sub(row.LastSeenAt) > idle || now.Sub(row.CreatedAt) > absolute {
		if err := s.db.DeleteSession(ctx, row.ID); err != nil {
			return sess, nil, err
		}
		return sess, nil, nil
	}
	if err := gob.NewDecoder(bytes.NewReader(row.Data)).Decode(&sess.Values); err != nil {
		s.log.Warn("session data unreadable; starting a new session", "error", err)
		return sess, nil, nil
	}
	sess.ID = token
	sess.IsNew = false
	if now.Sub(row.LastSeenAt) >= touchEvery {
		row.LastSeenAt = now
		if err := s.db.SaveSession(ctx, row); err != nil {
			return sess, nil, err
		}
	}
	return sess, user, nil
}

// Save writes the session row and the cookie. A negative MaxAge deletes both.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.db.DeleteSession(ctx, hashToken(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(s.cookie, "", sess.Options))
		return nil
	}
	now := s.Now()
	_, absolute := s.limits(ctx)
	row := &store.Session{CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(absolute),
		IP: clientIP(ctx), UserAgent: truncate(r.UserAgent(), 512)}
	if sess.ID == "" {
		token, err := newToken()
		if err != nil {
			return err
		}
		sess.ID = token
	} else if old, err := s.db.SessionByID(ctx, hashToken(sess.ID)); err == nil {
		row.CreatedAt, row.ExpiresAt = old.CreatedAt, old.CreatedAt.Add(absolute)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	row.ID = hashToken(sess.ID)
	if uid, ok := sess.Values[KeyUserID].(int64); ok {
		row.UserID = &uid
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(sess.Values); err != nil {
		return err
	}
	row.Data = buf.Bytes()
	if err := s.db.SaveSession(ctx, row); err != nil {
		return err
	}
	encoded, err := s.codec.Encode(s.cookie, sess.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(s.cookie, encoded, sess.Options))
	return nil
}

// Rotate gives the session a new id and drops the old row, keeping the values: called at
// every privilege change (password accepted, code accepted) against session fixation.
// The new row's timeouts start now.
func (s *Store) Rotate(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := s.db.DeleteSession(ctx, hashToken(sess.ID)); err != nil {
			return err
		}
	}
	sess.ID = ""
	return nil
}

// Destroy marks the session for deletion at Save.
func (s *Store) Destroy(sess *sessions.Session) {
	sess.Options.MaxAge = -1
	sess.Values = map[any]any{}
}

// ID returns the database id (hash) of a session, for "end this session" lists.
func ID(sess *sessions.Session) string {
	if sess.ID == "" {
		return ""
	}
	return hashToken(sess.ID)
}

func (s *Store) options() *sessions.Options {
	// No Max-Age: the cookie ends with the browser; the server enforces idle and absolute
	// limits itself. Lax keeps top-level links from e-mails working; cross-site POSTs are
	// refused by CrossOriginProtection anyway.
	return &sessions.Options{Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken is what the database stores: a leaked sessions table holds no usable cookie.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

type ipKey struct{}

// WithClientIP tells Save the client's address (resolved by the web layer through the
// trusted proxies), recorded with the session for "your sessions" lists.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// UserID returns the signed-in (or signing-in) user of a session.
func UserID(sess *sessions.Session) (int64, bool) {
	id, ok := sess.Values[KeyUserID].(int64)
	return id, ok && id > 0
}

// StageOf returns how far the session's sign-in has come ("" when anonymous).
func StageOf(sess *sessions.Session) Stage {
	s, _ := sess.Values[KeyStage].(string)
	return Stage(s)
}

// SetStage records the user and stage of a sign-in; values are plain types so that gob
// needs no registration.
func SetStage(sess *sessions.Session, userID int64, stage Stage, at time.Time) {
	sess.Values[KeyUserID] = userID
	sess.Values[KeyStage] = string(stage)
	sess.Values[KeyAuthAt] = at.Unix()
}

// AuthAt returns when the password step of the session's sign-in happened.
func AuthAt(sess *sessions.Session) time.Time {
	at, _ := sess.Values[KeyAuthAt].(int64)
	return time.Unix(at, 0)
}
