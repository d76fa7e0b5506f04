package web

import (
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
)

// Signing in and out of the session. The pages that ask for a password, a code or the
// identity provider are the account area's (internal/web/accountweb); what they do to the
// session is the core's, where the session is loaded on every request (loadUser).

// signIn rotates the session id (against fixation) and records u's sign-in stage. first
// marks a new sign-in, whatever the session held; otherwise the one in progress goes on
// (the dashboard's "last signed in" stays the one read at its first step).
func (s *Server) signIn(c *gin.Context, u *store.User, stage session.Stage, first bool) error {
	sess := sessionOf(c)
	if first {
		delete(sess.Values, session.KeyPrevLogin)
	}
	if err := s.sessions.Rotate(c.Request.Context(), sess); err != nil {
		return err
	}
	at := s.now()
	if stage == session.StageSigned {
		// Keep the password time: the absolute limit counts from the first step.
		if prev := session.AuthAt(sess); prev.Unix() > 0 && session.StageOf(sess) != "" {
			at = prev
		}
	}
	delete(sess.Values, session.KeyPending)
	if _, kept := sess.Values[session.KeyPrevLogin]; !kept || stage != session.StageSigned {
		var prev int64
		if u.LastLoginAt != nil {
			prev = u.LastLoginAt.Unix()
		}
		sess.Values[session.KeyPrevLogin] = prev
	}
	session.SetStage(sess, u.ID, stage, at)
	return sess.Save(c.Request, c.Writer)
}

// signOut ends the request's session on the server (there may be none on the API).
func (s *Server) signOut(c *gin.Context) error {
	sess := sessionOf(c)
	if sess == nil {
		return nil
	}
	s.sessions.Destroy(sess)
	return sess.Save(c.Request, c.Writer)
}
