package bss

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Endpoints of the real service.
const (
	EndpointChina         = "https://bss.myhuaweicloud.com"
	EndpointInternational = "https://bss-intl.myhuaweicloud.com"
)

// Generations of the operations that exist both in v2 and in the legacy v1.0 API.
const (
	GenerationV2     = "v2"
	GenerationLegacy = "legacy"
)

// Config configures a Client. AK and SK are never logged and never appear in errors.
type Config struct {
	Endpoint      string // EndpointChina, EndpointInternational, or the sandbox URL (http:// allowed)
	AK, SK        string
	DomainID      string        // master account id, set explicitly (the SDK would otherwise ask IAM)
	Region        string        // optional, informational
	Generation    string        // GenerationV2 (default) or GenerationLegacy
	Timeout       time.Duration // per call, retries included; default 15s
	RatePerSecond float64       // per operation; default 8 (upstream allows 10/s); stored-value cards get half
	Logger        *slog.Logger
	Metrics       prometheus.Registerer // may be nil
	// MaxAttempts bounds attempts of calls that are safe to retry; default 4.
	MaxAttempts int
	// RetryBase is the first backoff; it doubles with jitter up to 2s. Default 200ms.
	RetryBase time.Duration
}

func (c Config) withDefaults() (Config, error) {
	var problems []string
	u, err := url.Parse(c.Endpoint)
	if c.Endpoint == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problems = append(problems, "endpoint must be an http(s) URL")
	}
	if c.AK == "" || c.SK == "" {
		problems = append(problems, "AK and SK are required")
	}
	if c.DomainID == "" {
		problems = append(problems, "domain id is required")
	}
	switch c.Generation {
	case "":
		c.Generation = GenerationV2
	case GenerationV2, GenerationLegacy:
	default:
		problems = append(problems, fmt.Sprintf("generation must be %q or %q", GenerationV2, GenerationLegacy))
	}
	if c.Timeout < 0 || c.RatePerSecond < 0 || c.MaxAttempts < 0 || c.RetryBase < 0 {
		problems = append(problems, "timeout, rate, attempts and retry base must not be negative")
	}
	if len(problems) > 0 {
		return c, errors.New("bss: config: " + strings.Join(problems, "; "))
	}
	c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	if c.Timeout == 0 {
		c.Timeout = 15 * time.Second
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond = 8
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 4
	}
	if c.RetryBase == 0 {
		c.RetryBase = 200 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
