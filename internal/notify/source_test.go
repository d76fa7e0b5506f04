package notify

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/purser-finance/purser/internal/store"
)

// TestNotifierReadsLiveSettings: with a source, each dispatch uses the channels as they
// are now, so an admin's new webhook applies to the next notification.
func TestNotifierReadsLiveSettings(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Purser-Signature") != Sign("live", b) {
			t.Errorf("unsigned or wrongly signed webhook")
		}
		hits.Add(1)
	}))
	defer srv.Close()
	n := New(nil, Config{}, nil)
	note := []Note{{row: store.NotificationRow{UserID: 1, Kind: "notify.op.approved"}, event: map[string]any{"operation": 7}}}
	n.Dispatch(note)
	n.Wait()
	if hits.Load() != 0 {
		t.Fatal("no channel configured: nothing may be sent")
	}
	url := ""
	n.SetSource(func() Config { return Config{WebhookURL: url, WebhookSecret: "live"} })
	n.Dispatch(note)
	n.Wait()
	if hits.Load() != 0 {
		t.Fatal("an empty URL from the source must send nothing")
	}
	url = srv.URL
	n.Dispatch(note)
	n.Wait()
	if hits.Load() != 1 {
		t.Fatalf("webhook calls %d, want 1 after the setting changed", hits.Load())
	}
}
