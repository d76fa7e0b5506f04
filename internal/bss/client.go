package bss

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/impl"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	bssv2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
)

// Client is the production Upstream: the official SDK for v2 operations, the SDK's signer
// over net/http for the legacy v1.0 ones, and around both the same deadline, retry, rate
// limit, error mapping, metrics and logging.
type Client struct {
	cfg        Config
	cred       *auth.GlobalCredentials
	transport  http.RoundTripper
	httpClient *http.Client // legacy calls
	sdkConfig  config.HttpConfig
	limiter    *limiter
	metrics    *metrics
	log        *slog.Logger
}

var _ Upstream = (*Client)(nil)

// New validates cfg and builds a client. It makes no network call.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cred, err := global.NewCredentialsBuilder().WithAk(cfg.AK).WithSk(cfg.SK).WithDomainId(cfg.DomainID).SafeBuild()
	if err != nil {
		// The SDK's message may quote its input; say only what is wrong.
		return nil, errors.New("bss: config: credentials could not be built")
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("bss: metrics: %w", err)
	}
	transport := noRedirects{next: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}}
	// Redirects are never followed: a 3xx comes back as the answer, and judge makes it an
	// unknown outcome (write) or an error (read).
	sdkConfig := *config.DefaultHttpConfig().WithTimeout(cfg.Timeout).WithAllowRedirects(false)
	sdkConfig.UserAgent = "purser"
	return &Client{
		cfg:       cfg,
		cred:      cred,
		transport: transport,
		httpClient: &http.Client{Transport: transport, Timeout: cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		sdkConfig: sdkConfig,
		limiter:   newLimiter(cfg.RatePerSecond),
		metrics:   m,
		log:       cfg.Logger.With("component", "bss"),
	}, nil
}

// ctxTransport binds one call's context to the SDK's requests: the SDK has no context
// parameter, so deadlines and cancellation would otherwise not reach the wire.
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(r.WithContext(t.ctx))
}

// sdk returns an SDK client for one attempt. Building it is cheap (no I/O): it shares the
// transport and credentials, and carries the attempt's context and an inspector that
// judges the answer against the operation's documented shape.
func (c *Client) sdk(ctx context.Context, want shape) *bssv2.BssClient {
	hc := c.sdkConfig
	hc.RoundTripper = ctxTransport{ctx: ctx, next: c.transport}
	hcc := core.NewHcHttpClient(impl.NewDefaultHttpClient(&hc)).
		WithEndpoints([]string{c.cfg.Endpoint}).
		WithCredential(c.cred).
		WithErrorHandler(inspector{want: want})
	return bssv2.NewBssClient(hcc)
}

// callKind decides what may be retried.
type callKind int

const (
	kindRead  callKind = iota // safe to repeat
	kindMove                  // money movement with a fixed trans_id: the upstream de-duplicates
	kindWrite                 // anything else that changes state: never repeated after it may have arrived
)

// call runs one operation: rate limit, attempts with jittered backoff where safe, error
// mapping, metrics and one log line.
func (c *Client) call(ctx context.Context, op string, kind callKind, attempt func(ctx context.Context) error) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var (
		err       error
		attempts  int
		uncertain bool // an earlier attempt of a write may have been applied
	)
	for {
		if werr := c.limiter.wait(ctx, op); werr != nil {
			err = c.classify(op, kind, fmt.Errorf("%w: %w", errRateWait, werr))
			break
		}
		attempts++
		e := attempt(ctx)
		if e == nil {
			c.limiter.succeeded(op)
			err = nil
			break
		}
		err = c.classify(op, kind, e)
		var be *Error
		errors.As(err, &be)
		if be.Kind == ErrThrottled {
			c.limiter.throttled(op)
		}
		if be.Kind == ErrUnknownOutcome {
			uncertain = true
		}
		if !retryable(kind, be.Kind) || attempts >= c.cfg.MaxAttempts {
			break
		}
		if sleep(ctx, c.backoff(attempts)) != nil {
			break
		}
	}
	err = settle(kind, uncertain, err)
	c.metrics.observe(op, start, attempts, err)
	c.logCall(ctx, op, start, attempts, err)
	return err
}

// settle: once a movement may have been applied, only success or "trans_id already used"
// (which then means our earlier attempt was applied) are definite; anything else stays
// unknown for the reconciler.
func settle(kind callKind, uncertain bool, err error) error {
	var be *Error
	if !uncertain || err == nil || !errors.As(err, &be) || be.Kind == ErrDuplicateTransID || be.Kind == ErrUnknownOutcome {
		return err
	}
	out := *be
	out.Kind = ErrUnknownOutcome
	return &out
}

func retryable(kind callKind, k error) bool {
	switch k {
	case ErrThrottled, ErrUnavailable:
		return true // not applied: refused at the door, or never sent
	case ErrUnknownOutcome, ErrMovementInProgress:
		return kind == kindMove // the trans_id makes a second attempt harmless
	}
	return false
}

// backoff is exponential with jitter: base·2^(n-1), capped at 2s, drawn from [d/2, d].
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.RetryBase << min(n-1, 10)
	d = min(d, 2*time.Second)
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// classify turns whatever an attempt returned into an *Error with a Kind.
func (c *Client) classify(op string, kind callKind, err error) error {
	var be *Error
	if errors.As(err, &be) {
		out := *be
		out.Operation = op
		if out.Kind == nil {
			out.Kind = kindOf(kind, out.HTTPStatus, out.Code)
		}
		return &out
	}
	var sre *sdkerr.ServiceResponseError
	if errors.As(err, &sre) {
		// The SDK got an answer it could not decode into its model: for a write, nothing
		// says whether it was applied.
		k := ErrBadResponse
		if kind != kindRead {
			k = ErrUnknownOutcome
		}
		return &Error{Operation: op, HTTPStatus: sre.StatusCode, RequestID: sre.RequestId, Kind: k, Message: truncate(sre.ErrorMessage, maxErrorMessage)}
	}
	out := &Error{Operation: op, cause: err}
	var opErr *net.OpError
	switch {
	case errors.As(err, &opErr) && opErr.Op == "dial":
		out.Kind = ErrUnavailable // never sent
	case errors.Is(err, errRateWait), errors.Is(err, errNotSent):
		out.Kind = ErrUnavailable
	case kind == kindRead:
		out.Kind = ErrUnavailable
	default:
		out.Kind = ErrUnknownOutcome // sent, and no answer: timeout, reset, lost response
	}
	return out
}

var (
	errRateWait = errors.New("deadline reached while waiting for the rate limiter")
	errNotSent  = errors.New("request could not be built")
)

// kindOf maps an upstream answer to a kind.
func kindOf(kind callKind, status int, code string) error {
	k := kindOfCode(code)
	if k != nil && (status < 500 || definite(k)) {
		return k
	}
	switch {
	case status == http.StatusUnauthorized:
		return ErrAuthentication
	case status == http.StatusForbidden:
		return ErrAccessDenied
	case status == http.StatusTooManyRequests:
		return ErrThrottled
	case status >= 500 && kind == kindRead:
		return ErrUnavailable
	case status >= 500:
		return ErrUnknownOutcome
	case status == http.StatusBadRequest && code == "":
		return ErrInvalidRequest
	}
	return ErrUpstream
}

func (c *Client) logCall(ctx context.Context, op string, start time.Time, attempts int, err error) {
	attrs := []slog.Attr{slog.String("operation", op), slog.Duration("duration", time.Since(start)), slog.Int("attempts", attempts)}
	if err == nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "upstream call", attrs...)
		return
	}
	var be *Error
	if errors.As(err, &be) {
		attrs = append(attrs, slog.String("code", be.Code), slog.Int("http_status", be.HTTPStatus), slog.String("request_id", be.RequestID))
	}
	attrs = append(attrs, slog.String("error", err.Error()))
	c.log.LogAttrs(ctx, slog.LevelWarn, "upstream call failed", attrs...)
}

// NewTransID returns a fresh trans_id: 32 lower-case hex characters (a v4 UUID without
// dashes), within the v2 limit of 32. It is fixed when an operation is created and reused on
// every retry.
func NewTransID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// Ping is a cheap read (the master's own balances) for readiness checks.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.AccountBalances(ctx)
	return err
}
