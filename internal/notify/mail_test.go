package notify

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/notify/smtptest"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func mailUser(t *testing.T, db *store.DB, name, email string, disabled bool) int64 {
	t.Helper()
	u := &store.User{Username: name, Email: email, Roles: []string{"approver"}, Disabled: disabled}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// sent reads purser_notifications_total{channel, outcome} from reg, as /metrics shows it.
func sent(t *testing.T, reg *prometheus.Registry, channel, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "purser_notifications_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["channel"] == channel && l["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func testOp() *store.Operation {
	amount := "12.50"
	return &store.Operation{ID: 7, Kind: "transfer_funds", State: "pending", Amount: &amount, SubAccountID: "sub-1", RequestedByName: "fay"}
}

// TestEmailNotifications: each recipient with an address gets the notice in the
// configured language with a link to the operation; users without an address, or
// disabled, get none; no secret of the configuration travels.
func TestEmailNotifications(t *testing.T) {
	srv := smtptest.Start(t)
	db := storetest.SQLite(t)
	abby := mailUser(t, db, "abby", "abby@example.com", false)
	alan := mailUser(t, db, "alan", "", false)
	dora := mailUser(t, db, "dora", "dora@example.com", true)
	cfg := Config{SMTPHost: srv.Host, SMTPPort: srv.Port, SMTPTLS: "none", SMTPFrom: "Purser <purser@example.com>",
		SMTPPassword: "smtp-secret-never-sent", WebhookSecret: "hook-secret-never-sent", PublicURL: "https://purser.example.com/", Lang: "zh"}
	n := New(db, cfg, nil)
	reg := prometheus.NewRegistry()
	if err := n.Register(reg); err != nil {
		t.Fatal(err)
	}
	op := testOp()
	n.Dispatch([]Note{ForOperation(abby, op, "notify.op.pending"), ForOperation(alan, op, "notify.op.pending"), ForOperation(dora, op, "notify.op.pending")})
	n.Wait()
	msgs := srv.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "abby@example.com" || msgs[0].From != "purser@example.com" {
		t.Fatalf("messages %+v", msgs)
	}
	m := msgs[0]
	if !strings.Contains(m.Subject, "fay 提交了待审批申请") || !strings.Contains(m.Subject, "#7") ||
		!strings.Contains(m.Subject, "划拨资金") || !strings.Contains(m.Body, "查看操作：https://purser.example.com/operations/7") {
		t.Fatalf("subject %q body %q", m.Subject, m.Body)
	}
	if strings.Contains(m.Raw, "secret-never-sent") {
		t.Fatal("a configured secret is in the e-mail")
	}
	if got := sent(t, reg, "email", "sent"); got != 1 {
		t.Fatalf("sent counter %v", got)
	}

	// English by default; a refused recipient is counted and kept as the last failure,
	// the others still get theirs.
	n.cfg.Lang = ""
	bea := mailUser(t, db, "bea", "bea@example.com", false)
	srv.RejectTo["bea@example.com"] = true
	n.Dispatch([]Note{ForOperation(bea, op, "notify.op.approved"), ForOperation(abby, op, "notify.op.approved")})
	n.Wait()
	msgs = srv.Messages()
	if len(msgs) != 2 || msgs[1].To[0] != "abby@example.com" || !strings.Contains(msgs[1].Subject, "was approved") {
		t.Fatalf("messages %+v", msgs)
	}
	if sent(t, reg, "email", "failed") != 1 || sent(t, reg, "email", "sent") != 2 || n.LastFailure().Channel != "email" || n.LastFailure().At.IsZero() {
		t.Fatalf("failure not counted or kept: %+v", n.LastFailure())
	}

	// A recipient who chose a language with the switch gets their mail in it, whatever
	// the default.
	if err := db.SetUserLanguage(context.Background(), abby, "zh"); err != nil {
		t.Fatal(err)
	}
	n.Dispatch([]Note{ForOperation(abby, op, "notify.op.approved")})
	n.Wait()
	msgs = srv.Messages()
	if len(msgs) != 3 || msgs[2].To[0] != "abby@example.com" || !strings.Contains(msgs[2].Subject, "已获批准") {
		t.Fatalf("mail in the recipient's language: %+v", msgs[len(msgs)-1])
	}
}

// TestEmailNeverBlocks: a mail server that never answers holds neither the caller nor the
// notifier past the configured timeout, and the failure is counted.
func TestEmailNeverBlocks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept and stay silent
		}
	}()
	db := storetest.SQLite(t)
	abby := mailUser(t, db, "abby", "abby@example.com", false)
	port := ln.Addr().(*net.TCPAddr).Port
	n := New(db, Config{SMTPHost: "127.0.0.1", SMTPPort: port, SMTPTLS: "none", SMTPFrom: "p@example.com",
		Timeout: 300 * time.Millisecond}, nil)
	reg := prometheus.NewRegistry()
	if err := n.Register(reg); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	n.Dispatch([]Note{ForOperation(abby, testOp(), "notify.op.pending")})
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("Dispatch blocked for %v", d)
	}
	n.Wait()
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the send took %v despite a 300ms timeout", d)
	}
	if sent(t, reg, "email", "failed") != 1 || !strings.Contains(n.LastFailure().Error, "127.0.0.1") {
		t.Fatalf("failure %+v", n.LastFailure())
	}
}

// TestNoticeTextAmounts: people read amounts grouped and with their currency, and a
// batch's row count with the right plural; the stored parameters stay machine-readable.
func TestNoticeTextAmounts(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	amount := "15000.00"
	op := &store.Operation{ID: 26, Kind: "transfer_funds", State: "pending", Amount: &amount, Currency: "CNY", SubAccountID: "sub-1", RequestedByName: "fay"}
	n := ForOperation(1, op, "notify.op.pending")
	var p map[string]string
	if err := json.Unmarshal([]byte(n.row.Params), &p); err != nil {
		t.Fatal(err)
	}
	if p["amount"] != "15000.00" || p["currency"] != "CNY" {
		t.Fatalf("stored params %v", p)
	}
	for lang, want := range map[string]string{"en": "#26 15,000.00 CNY", "zh": "#26 15,000.00 CNY"} {
		if got := NoticeText(b.For(lang), "notify.op.pending", p); !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", lang, got, want)
		}
	}
	// A notice stored before the currency was recorded reads in the default currency.
	delete(p, "currency")
	if got := NoticeText(b.For("en"), "notify.op.pending", p); !strings.Contains(got, "15,000.00 CNY") {
		t.Errorf("old notice %q", got)
	}
	for rows, want := range map[int]string{1: "(1 row, 1,234,567.50 CNY)", 3: "(3 rows, 1,234,567.50 CNY)"} {
		bt := &store.OperationBatch{ID: 4, Kind: "transfer_funds", RowsCount: rows, Total: "1234567.50", Currency: "CNY", RequestedByName: "fay"}
		nb := ForBatch(1, bt, "notify.batch.pending")
		var bp map[string]string
		_ = json.Unmarshal([]byte(nb.row.Params), &bp)
		if got := NoticeText(b.For("en"), "notify.batch.pending", bp); !strings.Contains(got, want) {
			t.Errorf("batch of %d: %q lacks %q", rows, got, want)
		}
		if got := NoticeText(b.For("en"), "notify.batch.approved", bp); got != "Your batch #4 was approved." {
			t.Errorf("a message without plural forms: %q", got)
		}
	}
}
