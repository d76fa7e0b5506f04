package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The pieces of TestTwoReplicasOnePostgres: the portal binary, its processes, the
// alternating reverse proxy in front of them and a small HTTP client.

// envRunAsPortal makes this test binary run as the portal itself (TestMain calls main):
// the replicas are then the very code of `portal serve`, race-checked when the tests
// are, without a second build and link of the binary (10–20 s on a loaded machine).
const envRunAsPortal = "PURSER_TEST_RUN_AS_PORTAL"

// portalCommand is `portal args…`: this test binary with envRunAsPortal set and exactly
// env besides.
func portalCommand(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append([]string{envRunAsPortal + "=1"}, env...)
	return cmd
}

// replica is one `portal serve` process.
type replica struct {
	name   string
	addr   string
	url    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{} // closed once the process has been waited for
	err    error         // Wait's error, set before exited closes
	killed atomic.Bool
}

// newReplica reserves a free address for a replica, so that the proxy in front of it
// can exist (and be its public URL) before it starts.
func newReplica(t *testing.T, name string) *replica {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	return &replica{name: name, addr: addr, url: "http://" + addr, stderr: &syncBuffer{}, exited: make(chan struct{})}
}

// start runs `portal serve` with exactly env (plus its own address and data directory)
// and stops it at cleanup: SIGTERM, which must end it with status 0 unless the test
// killed it.
func (r *replica) start(t *testing.T, env []string) {
	t.Helper()
	cmd := portalCommand(t, append(append([]string{}, env...), "PORTAL_ADDR="+r.addr, "PORTAL_DATA_DIR="+t.TempDir()), "serve")
	cmd.Stdout = io.Discard
	cmd.Stderr = r.stderr
	r.cmd = cmd
	if err := cmd.Start(); err != nil {
		t.Fatalf("start replica %s: %v", r.name, err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		if !r.killed.Load() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-r.exited:
		case <-time.After(25 * time.Second):
			_ = cmd.Process.Kill()
			<-r.exited
			t.Errorf("replica %s did not stop within 25s of SIGTERM", r.name)
		}
		if !r.killed.Load() && r.err != nil {
			t.Errorf("replica %s exited with %v after SIGTERM\n%s", r.name, r.err, r.tail())
		}
		if strings.Contains(r.stderr.String(), "DATA RACE") {
			t.Errorf("replica %s reported a data race:\n%s", r.name, r.stderr)
		}
	})
}

// kill SIGKILLs the process and waits until it is gone.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	r.killed.Store(true)
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill replica %s: %v", r.name, err)
	}
	<-r.exited
}

// tail is the end of the replica's log, for failure messages.
func (r *replica) tail() string {
	s := r.stderr.String()
	if len(s) > 6000 {
		s = "…" + s[len(s)-6000:]
	}
	return fmt.Sprintf("--- %s stderr:\n%s", r.name, s)
}

// waitReady polls /readyz until it answers 200 with the database and upstream ok.
func (r *replica) waitReady(t *testing.T, deadline time.Time) {
	t.Helper()
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-r.exited:
			t.Fatalf("replica %s exited before it was ready: %v\n%s", r.name, r.err, r.tail())
		default:
		}
		resp, err := hc.Get(r.url + "/readyz")
		if err == nil {
			var body map[string]string
			derr := json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if derr != nil || body["database"] != "ok" || body["upstream"] != "ok" {
					t.Fatalf("replica %s: /readyz 200 but body %v (%v)", r.name, body, derr)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s: /readyz did not answer 200 in time (last error %v)\n%s", r.name, err, r.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// riverClientID is the id River logs for the replica's job client ("River client
// started" client_id=…), which river_leader and river_job.attempted_by name.
func (r *replica) riverClientID() string {
	const key = "client_id="
	for l := range strings.SplitSeq(r.stderr.String(), "\n") {
		if !strings.Contains(l, "River client started") {
			continue
		}
		if _, v, ok := strings.Cut(l, key); ok {
			v, _, _ = strings.Cut(v, " ")
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// replicaHeader names, on every response through the proxy, the replica that served it.
const replicaHeader = "X-Test-Replica"

// lbProxy is a reverse proxy that sends each request to the next live replica in turn,
// as a round-robin load balancer with health checks would.
type lbProxy struct {
	srv      *httptest.Server
	replicas []*replica
	proxies  []*httputil.ReverseProxy
	down     []atomic.Bool
	next     atomic.Uint64
	served   []atomic.Int64
}

func newLBProxy(t *testing.T, replicas ...*replica) *lbProxy {
	t.Helper()
	p := &lbProxy{replicas: replicas, down: make([]atomic.Bool, len(replicas)), served: make([]atomic.Int64, len(replicas))}
	for _, r := range replicas {
		target, err := url.Parse(r.url)
		if err != nil {
			t.Fatal(err)
		}
		name := r.name
		p.proxies = append(p.proxies, &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Host = pr.In.Host // the public host, as a load balancer keeps it
				pr.SetXForwarded()
			},
			ModifyResponse: func(resp *http.Response) error {
				resp.Header.Set(replicaHeader, name)
				return nil
			},
		})
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *lbProxy) serve(w http.ResponseWriter, r *http.Request) {
	for range len(p.proxies) {
		i := int(p.next.Add(1) % uint64(len(p.proxies)))
		if p.down[i].Load() {
			continue
		}
		p.served[i].Add(1)
		p.proxies[i].ServeHTTP(w, r)
		return
	}
	http.Error(w, "no live replica", http.StatusBadGateway)
}

// markDown takes a replica out of the rotation.
func (p *lbProxy) markDown(r *replica) {
	for i, x := range p.replicas {
		if x == r {
			p.down[i].Store(true)
		}
	}
}

// apiClient talks to one base URL as one user: a bearer token or a session cookie.
type apiClient struct {
	base    string
	token   string
	cookies []*http.Cookie
	hc      *http.Client
}

func newAPIClient(base, token string) *apiClient {
	return &apiClient{base: base, token: token, hc: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type apiResponse struct {
	status  int
	replica string
	header  http.Header
	body    []byte
}

func (r apiResponse) String() string {
	return fmt.Sprintf("%d from %s: %s", r.status, r.replica, bytes.TrimSpace(r.body))
}

// do sends a JSON body (nil: none), or a form when body is url.Values.
func (c *apiClient) do(ctx context.Context, method, path string, body any, headers ...string) (apiResponse, error) {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return apiResponse{}, err
		}
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return apiResponse{}, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return apiResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return apiResponse{}, err
	}
	return apiResponse{status: resp.StatusCode, replica: resp.Header.Get(replicaHeader), header: resp.Header, body: b}, nil
}

// json sends a request, wants the status and decodes the answer into out (when not nil).
func (c *apiClient) json(t *testing.T, method, path string, body any, want int, out any, headers ...string) apiResponse {
	t.Helper()
	r, err := c.do(context.Background(), method, path, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if r.status != want {
		t.Fatalf("%s %s: want %d, got %s", method, path, want, r)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, r, err)
		}
	}
	return r
}

// keepCookies stores the cookies a response set (a sign-in step's session cookie).
func (c *apiClient) keepCookies(r apiResponse) {
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		kept := c.cookies[:0]
		for _, old := range c.cookies {
			if old.Name != ck.Name {
				kept = append(kept, old)
			}
		}
		c.cookies = kept
		if ck.MaxAge >= 0 && ck.Value != "" {
			c.cookies = append(c.cookies, &http.Cookie{Name: ck.Name, Value: ck.Value})
		}
	}
}

// waitFor polls cond every 100ms until it holds or the deadline passes; then it fails
// with what the last call said.
func waitFor(t *testing.T, what string, deadline time.Time, cond func() (bool, string)) {
	t.Helper()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached in time; last: %s", what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// joinErrs drains a closed channel of the errors of goroutines, which cannot call
// t.Fatal themselves.
func joinErrs(errs <-chan error) error {
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}
