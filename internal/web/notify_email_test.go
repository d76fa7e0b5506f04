package web_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/notify/smtptest"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/web"
)

// TestOperationEmails: with SMTP configured, drafting, approving and executing a transfer
// e-mails the same people the in-app notices go to (the approvers who may decide it, then
// the requester), each at their own address with a link to the operation; an approver
// without an address gets none.
func TestOperationEmails(t *testing.T) {
	t.Parallel()
	mailSrv := smtptest.Start(t)
	const smtpPassword = "smtp-password-of-the-test"
	var publicURL string
	p := newPortalWith(t, testkit.SQLite(t), nil, func(d *web.Deps, up bss.Upstream) {
		withOps(t)(d, up)
		publicURL = d.Config.PublicURL
		// As cmd/portal wires it: the channels as an admin set them, read at each event.
		d.Operations.Notifier().SetSource(func() notify.Config {
			return notify.Config{SMTPHost: mailSrv.Host, SMTPPort: mailSrv.Port, SMTPTLS: "none", SMTPFrom: "purser@example.com",
				SMTPPassword: smtpPassword, PublicURL: publicURL, Timeout: 5 * time.Second}
		})
	})
	p.secret(smtpPassword)
	p.seedCache()
	p.opsUsers()
	ctx := context.Background()
	for name, addr := range map[string]string{"fay": "fay@example.com", "abby": "abby@example.com", "adam": "adam@example.com"} {
		if err := p.db.SetUserEmail(ctx, mustID(p, name), addr); err != nil {
			t.Fatal(err)
		}
	} // alan and boss, who may approve too, have no address

	wait := func(n int) []smtptest.Message {
		t.Helper()
		deadline := time.After(15 * time.Second)
		for len(mailSrv.Messages()) < n {
			select {
			case <-mailSrv.Arrived():
			case <-deadline:
				t.Fatalf("%d e-mails arrived, want %d: %+v", len(mailSrv.Messages()), n, mailSrv.Messages())
			}
		}
		time.Sleep(200 * time.Millisecond) // and no more than that
		if got := mailSrv.Messages(); len(got) != n {
			t.Fatalf("%d e-mails, want %d: %+v", len(got), n, got)
		}
		return mailSrv.Messages()
	}
	to := func(msgs []smtptest.Message) []string {
		var out []string
		for _, m := range msgs {
			out = append(out, m.To...)
		}
		slices.Sort(out)
		return out
	}

	fay, abby := p.as("fay"), p.as("abby")
	id := fay.transfer(p.normalSubs(1)[0].ID, "25.00")
	link := publicURL + "/operations/" + id
	msgs := wait(2)
	if got := to(msgs); !slices.Equal(got, []string{"abby@example.com", "adam@example.com"}) {
		t.Fatalf("pending went to %v", got)
	}
	for _, m := range msgs {
		if !strings.Contains(m.Subject, "asks for approval") || !strings.Contains(m.Subject, "#"+id) || !strings.Contains(m.Body, link) {
			t.Fatalf("pending e-mail: %q\n%s", m.Subject, m.Body)
		}
	}

	abby.post("/operations/"+id+"/approve", url.Values{"code": {abby.code(testSecret)}, "snapshot_hash": {p.snapshotOf(id)}})
	p.waitState(id, approval.StateSucceeded)
	msgs = wait(4)[2:]
	if got := to(msgs); !slices.Equal(got, []string{"fay@example.com", "fay@example.com"}) {
		t.Fatalf("approved and succeeded went to %v", got)
	}
	subjects := msgs[0].Subject + " | " + msgs[1].Subject
	if !strings.Contains(subjects, "was approved") || !strings.Contains(subjects, "succeeded") || !strings.Contains(msgs[1].Body, link) {
		t.Fatalf("requester's e-mails: %s", subjects)
	}
	for _, m := range mailSrv.Messages() {
		if strings.Contains(m.Raw, smtpPassword) {
			t.Fatal("the SMTP password travelled in an e-mail")
		}
	}
}

// TestEmailFailureShownToAdmins: a mail server that refuses the connection costs the
// transition nothing, and the admins' settings page says what failed.
func TestEmailFailureShownToAdmins(t *testing.T) {
	t.Parallel()
	closed := smtptest.Start(t)
	host, port := closed.Host, closed.Port
	closed.Close() // nothing listens there any more
	p := newPortalWith(t, testkit.SQLite(t), nil, func(d *web.Deps, up bss.Upstream) {
		withOps(t)(d, up)
		d.Operations.Notifier().SetSource(func() notify.Config {
			return notify.Config{SMTPHost: host, SMTPPort: port, SMTPTLS: "none", SMTPFrom: "purser@example.com", Timeout: time.Second}
		})
	})
	p.seedCache()
	p.opsUsers()
	if err := p.db.SetUserEmail(context.Background(), mustID(p, "abby"), "abby@example.com"); err != nil {
		t.Fatal(err)
	}
	id := p.as("fay").transfer(p.normalSubs(1)[0].ID, "25.00")
	if p.opState(id) != approval.StatePending {
		t.Fatalf("state %s", p.opState(id))
	}
	adam := p.as("adam")
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := adam.get("/admin/settings")
		if r.has(t, "notify-failure") {
			if msg := r.testid(t, "notify-failure"); !strings.Contains(msg, "e-mail") || !strings.Contains(msg, "purser_notifications_total") {
				t.Fatalf("failure note %q", msg)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the failed e-mail is not shown on the settings page")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
