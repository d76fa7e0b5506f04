package notify

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/notify/smtptest"
)

// TestSendWithAttachment: Send delivers a message with its file attached, byte for byte,
// answers the outcome to the caller (a refused recipient is an error, not a log line),
// counts it, and refuses to pretend when no mail server is configured.
func TestSendWithAttachment(t *testing.T) {
	srv := smtptest.Start(t)
	n := New(nil, Config{SMTPHost: srv.Host, SMTPPort: srv.Port, SMTPTLS: "none", SMTPFrom: "Purser <purser@example.com>"}, nil)
	reg := prometheus.NewRegistry()
	if err := n.Register(reg); err != nil {
		t.Fatal(err)
	}
	file := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0, 1, 2, 250, 255, '\n', '\r'}, 300)...)
	err := n.Send(context.Background(), Mail{To: "abby@example.com", Subject: "日报 2026-11-24", Body: "Attached.\n",
		Attachments: []Attachment{{Name: "report.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: file}}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "abby@example.com" || msgs[0].Subject != "日报 2026-11-24" || msgs[0].Body != "Attached.\n" {
		t.Fatalf("messages %+v", msgs)
	}
	if a := msgs[0].Attachments; len(a) != 1 || a[0].Name != "report.xlsx" || !bytes.Equal(a[0].Data, file) ||
		a[0].ContentType != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("attachments %+v", a)
	}
	srv.RejectTo["bea@example.com"] = true
	if err := n.Send(context.Background(), Mail{To: "bea@example.com", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("a refused recipient is no error")
	}
	if sent(t, reg, "email", "sent") != 1 || sent(t, reg, "email", "failed") != 1 {
		t.Fatalf("counters: sent %v failed %v", sent(t, reg, "email", "sent"), sent(t, reg, "email", "failed"))
	}
	if err := New(nil, Config{}, nil).Send(context.Background(), Mail{To: "abby@example.com"}); !errors.Is(err, ErrMailOff) {
		t.Fatalf("no mail server: %v", err)
	}
}
