package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Running is a sandbox listening on a TCP address.
type Running struct {
	srv      *Server
	http     *http.Server
	url      string
	done     chan error
	stopOnce func()
}

// Start generates the data and listens on addr ("127.0.0.1:0" picks a free port). It serves
// until ctx is cancelled or Close is called. In-process use (demo mode, tests) goes through
// here, so that the real client talks HTTP to it exactly as it does to Huawei Cloud.
func Start(ctx context.Context, addr string, opts Options) (*Running, error) {
	srv, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          nil,
	}
	r := &Running{srv: srv, http: hs, url: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	go func() {
		err := hs.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		r.done <- err
	}()
	stop := context.AfterFunc(ctx, func() { _ = r.shutdown() })
	r.stopOnce = func() { stop() }
	srv.log.Info("sandbox listening", "url", r.url, "sub_accounts", opts.SubAccounts, "seed", opts.Seed)
	return r, nil
}

// URL is the base URL to give the client as its endpoint.
func (r *Running) URL() string { return r.url }

// Server is the handler, for inspection and fault injection in-process.
func (r *Running) Server() *Server { return r.srv }

// Done is closed with the serve error (nil after a clean shutdown) when serving ends.
func (r *Running) Done() <-chan error { return r.done }

func (r *Running) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.http.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = r.http.Close()
	}
	return err
}

// Close stops listening and waits up to five seconds for requests in flight.
func (r *Running) Close() error {
	r.stopOnce()
	return r.shutdown()
}
