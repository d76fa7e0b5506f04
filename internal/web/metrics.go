package web

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/purser-finance/purser/internal/store"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	handler  gin.HandlerFunc
}

// newMetrics registers the HTTP metrics, the progress of each master's balance pass (read
// from db, so every replica reports the same figures as the pages) and the Go runtime
// collectors. Labels use the route pattern, never the raw path, so ids in URLs cannot
// explode the series count.
func newMetrics(reg *prometheus.Registry, db *store.DB, log *slog.Logger) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "purser_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "purser_http_request_duration_seconds", Help: "HTTP request latency by method and route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, balancePasses{db: db, log: log}, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			if _, already := err.(prometheus.AlreadyRegisteredError); !already {
				return nil, err
			}
		}
	}
	m.handler = gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return m, nil
}

func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	s.metrics.duration.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

func (s *Server) metricsHandler(c *gin.Context) { s.metrics.handler(c) }

// balancePasses reports, per master, the newest balance pass: how many sub-accounts it set
// out to read, how many it read, its failed reads, and whether it is still running (the
// pages' "balances read: 3,120 of 10,000").
type balancePasses struct {
	db  *store.DB
	log *slog.Logger
}

var (
	passTotalDesc   = prometheus.NewDesc("purser_sync_balances_total", "Sub-accounts the newest balance pass set out to read.", []string{"master"}, nil)
	passReadDesc    = prometheus.NewDesc("purser_sync_balances_read", "Sub-accounts whose balances the newest balance pass has read.", []string{"master"}, nil)
	passErrorsDesc  = prometheus.NewDesc("purser_sync_balances_errors", "Failed reads (balances or coupons) of the newest balance pass.", []string{"master"}, nil)
	passRunningDesc = prometheus.NewDesc("purser_sync_balances_running", "1 while the newest balance pass is running.", []string{"master"}, nil)
)

func (balancePasses) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{passTotalDesc, passReadDesc, passErrorsDesc, passRunningDesc} {
		ch <- d
	}
}

func (b balancePasses) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	runs, err := b.db.LatestBalancePasses(ctx)
	if err != nil {
		b.log.Warn("metrics: cannot read the balance passes", "error", err)
		return
	}
	for master, r := range runs {
		running := 0.0
		if r.Status == store.RunRunning {
			running = 1
		}
		ch <- prometheus.MustNewConstMetric(passTotalDesc, prometheus.GaugeValue, float64(r.Total), master)
		ch <- prometheus.MustNewConstMetric(passReadDesc, prometheus.GaugeValue, float64(r.Items), master)
		ch <- prometheus.MustNewConstMetric(passErrorsDesc, prometheus.GaugeValue, float64(r.Errors), master)
		ch <- prometheus.MustNewConstMetric(passRunningDesc, prometheus.GaugeValue, running, master)
	}
}
