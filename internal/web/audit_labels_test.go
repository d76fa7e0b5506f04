package web_test

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// unmark drops the bidi isolate marks that wrap names inside composed labels.
func unmark(s string) string { return strings.NewReplacer("\u2068", "", "\u2069", "").Replace(s) }

// TestAuditTargetsAndDetailsInPeoplesWords: the list names an operation by what it
// does, a user by name, a sub-account by its name, with "(deleted)" for what no longer
// exists; detail keys are translated and amounts carry grouping and currency, in
// English and Chinese. The names are read at display time: the events keep their ids.
func TestAuditTargetsAndDetailsInPeoplesWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		p.addUser("otto", testSecret, "auditor")
		ctx := context.Background()
		sub := p.normalSubs(1)[0]
		fay, err := db.UserByUsername(ctx, "fay")
		if err != nil {
			t.Fatal(err)
		}
		amount := "15000.00"
		now := time.Now()
		op := &store.Operation{Kind: "transfer_funds", State: "pending", Params: "{}", Amount: &amount, Currency: "CNY",
			SubAccountID: sub.ID, RequestedBy: fay.ID, RequestedByName: "fay", RequiredApprovals: 1,
			ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
		if err := db.InsertOperation(ctx, op); err != nil {
			t.Fatal(err)
		}
		opID := strconv.FormatInt(op.ID, 10)
		for _, e := range []audit.Entry{
			{Action: "operation.approve", TargetType: "operation", TargetID: opID,
				Details: map[string]any{"state": "pending", "final": true, "amount": "15000.00", "currency": "CNY"}},
			{Action: "operation.approve", TargetType: "operation", TargetID: "999999"},
			{Action: "user.update", TargetType: "user", TargetID: strconv.FormatInt(fay.ID, 10)},
			{Action: "user.update", TargetType: "user", TargetID: "999999"},
			{Action: "sub_account.threshold", TargetType: "sub_account", TargetID: sub.ID},
			{Action: "sub_account.threshold", TargetType: "sub_account", TargetID: "no-such-account"},
		} {
			e.Outcome = audit.Success
			if err := audit.Record(ctx, db, audit.System("test"), e); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			lang  string
			want  []string
			words []string
		}{
			{"en", []string{"Operation #" + opID + " — transfer 15,000.00 CNY to " + sub.Name, "operation 999999 (deleted)",
				"User fay", "user 999999 (deleted)", "Sub-account " + sub.Name, "sub-account no-such-account (not in the cache)"},
				[]string{"State: pending", "Final: yes", "Amount: 15,000.00 CNY"}},
			{"zh", []string{"操作 #" + opID + " — 向 " + sub.Name + " 划拨 15,000.00 CNY", "操作 999999（已删除）",
				"用户 fay", "用户 999999（已删除）", "子账号 " + sub.Name, "子账号 no-such-account（不在缓存中）"},
				[]string{"状态: pending", "最终: 是", "金额: 15,000.00 CNY"}},
		} {
			b := p.as("otto")
			b.lang = tc.lang
			r := b.get("/audit")
			if r.status != 200 {
				t.Fatalf("%s: %d", tc.lang, r.status)
			}
			targets := map[string]bool{}
			summaries := ""
			r.doc(t).Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) {
				targets[unmark(strings.TrimSpace(s.Find(`[data-testid="audit-target"]`).Text()))] = true
				summaries += unmark(s.Find(".summary").Text()) + "\n"
			})
			for _, w := range tc.want {
				if !targets[w] {
					t.Errorf("%s: no target %q among %v", tc.lang, w, targets)
				}
			}
			for _, w := range tc.words {
				if !strings.Contains(summaries, w) {
					t.Errorf("%s: no %q in the summaries:\n%s", tc.lang, w, summaries)
				}
			}
		}
		// The chain keeps ids: labels are not written into events.
		for _, e := range p.events("operation.approve") {
			if strings.Contains(string(e.Details), "Operation") || (e.TargetID != opID && e.TargetID != "999999") {
				t.Fatalf("label leaked into the event: %+v", e)
			}
		}
	})
}

// TestAuditCSVTimesCarryAZone: a time in the CSV says which instant it is.
func TestAuditCSVTimesCarryAZone(t *testing.T) {
	p, b := auditorPortal(t, storetest.SQLite(t))
	r := b.get("/audit/export?format=csv")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("csv: %v %d", err, len(recs))
	}
	first := p.events("")[0]
	got, err := time.Parse(time.RFC3339Nano, recs[1][1])
	if err != nil {
		t.Fatalf("time %q is not RFC 3339 with a zone: %v (header %q)", recs[1][1], err, recs[0][1])
	}
	if _, off := got.Zone(); off != 8*3600 || !got.Equal(first.Time.Truncate(time.Microsecond)) {
		t.Fatalf("time %q: want %v in Beijing time", recs[1][1], first.Time)
	}
}
