package upstreamacct

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
)

// ConnectionResult is the outcome of TestConnection, ready to translate: MessageID is an
// i18n id (admin.*.json), Code and RequestID the upstream's own (for support), never a
// credential.
type ConnectionResult struct {
	OK        bool
	MessageID string
	Code      string
	RequestID string
	Latency   time.Duration
	// Currency and Available are the first cash balance read (OK only).
	Currency  string
	Available money.Amount
}

// Message ids of ConnectionResult.
const (
	TestOK           = "upstream.test.ok"
	TestAuthFailed   = "upstream.test.auth_failed"
	TestAccessDenied = "upstream.test.access_denied"
	TestThrottled    = "upstream.test.throttled"
	TestUnreachable  = "upstream.test.unreachable"
	TestBadResponse  = "upstream.test.bad_response"
	TestFailed       = "upstream.test.failed"
	TestSecret       = "upstream.test.secret"
)

// testTimeout bounds one test: an admin waits for it on the page.
const testTimeout = 20 * time.Second

// TestConnection calls one read operation (the account's own balances) with the stored
// credentials and says what happened, and records upstream_account.test. Only a failure to
// find the account or to write the audit event is an error; an upstream refusal is a
// result with OK false. It works on disabled accounts too (to check before enabling).
func (s *Service) TestConnection(ctx context.Context, id int64, m audit.Meta) (ConnectionResult, error) {
	a, err := s.DB.UpstreamAccountByID(ctx, id)
	if err != nil {
		return ConnectionResult{}, mapErr(err)
	}
	var res ConnectionResult
	c, err := s.client(a)
	if err != nil {
		res.MessageID = TestSecret
		var ve *ValidationError
		if errors.As(err, &ve) {
			res.MessageID = TestFailed
		}
	} else {
		tctx, cancel := context.WithTimeout(ctx, testTimeout)
		start := time.Now()
		bal, err := c.AccountBalances(tctx)
		cancel()
		res.Latency = time.Since(start)
		res = classify(res, bal, err)
	}
	outcome := audit.Success
	if !res.OK {
		outcome = audit.Failure
	}
	err = audit.Record(ctx, s.DB, m, audit.Entry{
		Action: audit.UpstreamAccountTest, TargetType: "upstream_account", TargetID: fmt.Sprint(id), Outcome: outcome,
		Details: map[string]any{"name": a.Name, "result": res.MessageID, "upstream_code": res.Code,
			"request_id": res.RequestID, "latency_ms": res.Latency.Milliseconds()},
	})
	return res, err
}

func classify(res ConnectionResult, bal bss.Balances, err error) ConnectionResult {
	if err == nil {
		res.OK, res.MessageID = true, TestOK
		res.Currency = bal.Currency
		for _, b := range bal.Accounts {
			if b.AccountType == 1 {
				res.Available = b.Amount
				break
			}
		}
		return res
	}
	var be *bss.Error
	if errors.As(err, &be) {
		res.Code, res.RequestID = be.Code, be.RequestID
	}
	switch {
	case errors.Is(err, bss.ErrAuthentication):
		res.MessageID = TestAuthFailed
	case errors.Is(err, bss.ErrAccessDenied):
		res.MessageID = TestAccessDenied
	case errors.Is(err, bss.ErrThrottled):
		res.MessageID = TestThrottled
	case errors.Is(err, bss.ErrUnavailable), errors.Is(err, bss.ErrUnknownOutcome), errors.Is(err, context.DeadlineExceeded):
		res.MessageID = TestUnreachable
	case errors.Is(err, bss.ErrBadResponse):
		res.MessageID = TestBadResponse
	default:
		res.MessageID = TestFailed
	}
	return res
}
