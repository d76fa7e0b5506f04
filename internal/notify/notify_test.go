package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/purser-finance/purser/internal/notify"
)

func TestWebhookSigned(t *testing.T) {
	got := make(chan [2]string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- [2]string{string(b), r.Header.Get("X-Purser-Signature")}
	}))
	defer srv.Close()
	n := notify.New(nil, notify.Config{WebhookURL: srv.URL, WebhookSecret: "s3cret"}, nil)
	if err := n.Webhook(context.Background(), map[string]any{"event": "notify.op.approved"}); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r[1] != notify.Sign("s3cret", []byte(r[0])) || r[1][:7] != "sha256=" {
		t.Fatalf("signature %q for body %s", r[1], r[0])
	}
}

// E-mail delivery (Notifier.Email) is exercised by internal/settings' SendTestMail tests
// against an in-process SMTP server.
