package bss

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics count upstream calls by operation and outcome, and time them by operation.
type metrics struct {
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	attempts *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "purser_upstream_calls_total",
			Help: "Upstream (Huawei Cloud BSS) calls by operation and outcome.",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "purser_upstream_call_duration_seconds",
			Help:    "Duration of upstream calls, retries and rate-limit waits included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "purser_upstream_attempts_total",
			Help: "HTTP attempts made to the upstream, retries included, by operation.",
		}, []string{"operation"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.calls, err = register(reg, m.calls)
	if err != nil {
		return nil, err
	}
	m.duration, err = register(reg, m.duration)
	if err != nil {
		return nil, err
	}
	m.attempts, err = register(reg, m.attempts)
	return m, err
}

// register tolerates a second client on the same registry (one per upstream account).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}

// outcome is the metric label of a call's result.
func outcome(err error) string {
	if err == nil {
		return "success"
	}
	var e *Error
	if !errors.As(err, &e) {
		return "error"
	}
	switch e.Kind {
	case ErrThrottled:
		return "throttled"
	case ErrUnknownOutcome:
		return "unknown"
	case ErrUnavailable, ErrBadResponse, ErrUpstream:
		return "upstream_error"
	case ErrInvalidRequest:
		return "invalid"
	case ErrAuthentication, ErrAccessDenied:
		return "denied"
	}
	return "refused"
}

func (m *metrics) observe(op string, start time.Time, attempts int, err error) {
	m.calls.WithLabelValues(op, outcome(err)).Inc()
	m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	m.attempts.WithLabelValues(op).Add(float64(attempts))
}
