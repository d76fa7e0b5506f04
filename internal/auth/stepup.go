package auth

import (
	"context"
	"errors"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
)

// ErrStepUpRequired is returned by an admin use case called without a fresh second-factor
// check of the acting user.
var ErrStepUpRequired = errors.New("auth: this change needs a fresh second-factor code")

// StepUpWindow is how long a step-up stays fresh: the web layer may keep the time of the
// last successful check in the session and rebuild the proof with Recent within it.
const StepUpWindow = 5 * time.Minute

// StepUp is the proof, handed to admin use cases, that the acting user just passed a
// second-factor check (or that the caller is the operator's command line). Its zero value
// proves nothing. Services check it with Require before changing anything.
type StepUp struct {
	userID int64
	at     time.Time
	system bool
}

// StepUp checks a fresh code of u (VerifyStepUp, with its throttling and audit of failures)
// and returns the proof.
func (s *Service) StepUp(ctx context.Context, u *store.User, code string, m audit.Meta) (StepUp, error) {
	if err := s.VerifyStepUp(ctx, u, code, m); err != nil {
		return StepUp{}, err
	}
	return StepUp{userID: u.ID, at: s.now()}, nil
}

// Recent rebuilds the proof of a step-up that userID passed at the given time (kept in
// the session by the web layer). It proves nothing once StepUpWindow has passed.
func Recent(userID int64, at, now time.Time) StepUp {
	if userID == 0 || at.IsZero() || now.Sub(at) > StepUpWindow || at.After(now.Add(time.Minute)) {
		return StepUp{}
	}
	return StepUp{userID: userID, at: at}
}

// Operator is the proof used by the command line and by start-up bootstrapping: whoever
// runs them already holds the database and the secret key.
func Operator() StepUp { return StepUp{system: true} }

// Require reports ErrStepUpRequired unless p proves a step-up of the actor in m (or is
// Operator and m has no signed-in actor).
func (p StepUp) Require(m audit.Meta) error {
	switch {
	case p.system && m.ActorID == nil:
		return nil
	case p.userID != 0 && m.ActorID != nil && *m.ActorID == p.userID:
		return nil
	}
	return ErrStepUpRequired
}

// Verified reports whether p proves anything at all (for templates and logs).
func (p StepUp) Verified() bool { return p.system || p.userID != 0 }
