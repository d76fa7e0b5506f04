package reports_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const master = "dom-reports"

func cny(s string) money.Amount { return money.New(decimal.RequireFromString(s), "CNY") }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// addUser creates a user with roles and organisation scopes.
func addUser(t *testing.T, db *store.DB, name, email, lang string, roles []string, scopes ...string) *store.User {
	t.Helper()
	u := &store.User{Username: name, DisplayName: name, Email: email, Language: lang, Roles: roles, Scopes: scopes}
	must(t, db.CreateUser(context.Background(), u))
	return u
}

// world is the constructed database of a report test: two units under one root, three
// sub-accounts (e-1 and e-2 in East, w-1 in West) whose balances were read at now, ten
// days of e-1's history falling 100.00 a day, and operations of the period and around it.
type world struct {
	now    time.Time
	period reports.Period // yesterday at now (Beijing)
	ops    map[string]int64
	fay    *store.User // finance, limited to East, English: requested every operation
	abby   *store.User // approver: approved two of them
}

func seedWorld(t *testing.T, db *store.DB, now time.Time) world {
	t.Helper()
	ctx := context.Background()
	w := world{now: now, period: reports.Previous(reports.Daily, now), ops: map[string]int64{}}
	w.fay = addUser(t, db, "fay", "fay@example.com", "en", []string{"finance"}, "east")
	w.abby = addUser(t, db, "abby", "abby@example.com", "", []string{"approver"})
	must(t, db.ReplaceOrganizations(ctx, master, 1, []store.Organization{
		{ID: "root", Name: "Acme", Path: []string{"root"}},
		{ID: "east", Name: "East", ParentID: "root", Path: []string{"root", "east"}, Depth: 1},
		{ID: "west", Name: "West", ParentID: "root", Path: []string{"root", "west"}, Depth: 1},
	}, now))
	must(t, db.UpsertSubAccounts(ctx, master, 1, []store.SubAccountInfo{
		{ID: "e-1", Name: "east-one", Status: 1, OrgID: "east", OrgName: "East"},
		{ID: "e-2", Name: "east-two", Status: 1, OrgID: "east", OrgName: "East"},
		{ID: "w-1", Name: "west-one", Status: 1, OrgID: "west", OrgName: "West"},
	}, now))
	var hist []store.BalanceSnapshot
	for d := 10; d >= 1; d-- {
		hist = append(hist, store.BalanceSnapshot{TakenAt: now.AddDate(0, 0, -d), SubAccountID: "e-1",
			Debit: cny(decimal.NewFromInt(1000 + 100*int64(d)).StringFixed(2)), Credit: cny("0")})
	}
	_, err := db.SeedBalanceHistory(ctx, master, hist)
	must(t, err)
	must(t, db.StoreSubAccountBalances(ctx, now, []store.SubAccountBalances{
		{SubAccountID: "e-1", Debit: cny("1000.00"), Currency: "CNY"},
		{SubAccountID: "e-2", Debit: cny("250.50"), Currency: "CNY"},
		{SubAccountID: "w-1", Debit: cny("7777.00"), Currency: "CNY"},
	}, 0, store.RunProgress{}))

	in := w.period.Start.Add(3 * time.Hour)
	op := func(name, sub, org, state, amount string, created time.Time, set func(o *store.Operation)) {
		o := &store.Operation{Kind: "transfer_funds", State: state, Params: "{}", Amount: &amount, Currency: "CNY", SubAccountID: sub,
			OrgPath: "/root/" + org + "/", MasterAccountID: master, RequestedBy: w.fay.ID, RequestedByName: "fay", Reason: name,
			TransID: "t-" + name, RequiredApprovals: 1, ExpiresAt: created.Add(72 * time.Hour), CreatedAt: created, UpdatedAt: created}
		if set != nil {
			set(o)
		}
		must(t, db.InsertOperation(ctx, o))
		w.ops[name] = o.ID
	}
	finished := in.Add(time.Hour)
	op("east-done", "e-1", "east", "succeeded", "50.00", in, func(o *store.Operation) { o.FinishedAt = &finished })
	op("west-done", "w-1", "west", "succeeded", "60.00", in, func(o *store.Operation) { o.FinishedAt = &finished })
	op("east-before", "e-2", "east", "succeeded", "70.00", w.period.Start.Add(-time.Hour), nil)
	op("east-failed", "e-2", "east", "failed", "80.00", w.period.Start.Add(-30*time.Hour), func(o *store.Operation) {
		o.FinishedAt, o.ExecutedAt, o.ErrorCode, o.ErrorMessage = &finished, &finished, "CBC.0101", "balance insufficient"
	})
	sent := w.period.Start.Add(-48 * time.Hour)
	op("east-unknown", "e-1", "east", "unknown", "90.00", sent, func(o *store.Operation) { o.ExecutedAt = &sent })
	op("west-failed", "w-1", "west", "failed", "95.00", in, func(o *store.Operation) { o.FinishedAt = &finished })
	for _, name := range []string{"east-done", "east-unknown"} {
		id := w.ops[name]
		must(t, db.InsertApproval(ctx, &store.ApprovalRow{OperationID: &id, UserID: w.abby.ID, Username: "abby", Decision: "approve", At: in}))
	}
	return w
}

// auditToday writes audit events now (the database's clock), a finished verification and
// a checkpoint. It returns the Beijing day the first event falls in and how many of the
// trail's events fall in that day by action and outcome ("auth.login/success"): what the
// audit sections of a report of that day count.
func auditToday(t *testing.T, db *store.DB) (reports.Period, map[string]int) {
	t.Helper()
	ctx := context.Background()
	sys := audit.System("test")
	for _, e := range []audit.Entry{
		{Action: audit.AuthLogin, TargetType: "user", TargetID: "1", Outcome: audit.Success},
		{Action: audit.AuthLogin, TargetType: "user", TargetID: "2", Outcome: audit.Success},
		{Action: audit.AuthLoginFailed, TargetType: "user", TargetID: "3", Outcome: audit.Failure},
	} {
		must(t, audit.Record(ctx, db, sys, e))
	}
	run := &store.AuditVerificationRun{StartedBy: "otto", Total: 3}
	must(t, db.CreateAuditVerificationRun(ctx, run))
	_, err := db.RecordAuditVerificationResult(ctx, run.ID, store.VerifyIntact, 3, nil, "")
	must(t, err)
	_, err = db.FinishAuditVerificationRun(ctx, run.ID)
	must(t, err)
	signer, err := audit.NewSigner(bytes.Repeat([]byte{7}, 32))
	must(t, err)
	_, err = signer.Checkpoint(ctx, db)
	must(t, err)
	evs, err := db.ListAudit(ctx, store.AuditFilter{Ascending: true, Limit: 500})
	must(t, err)
	day := reports.Previous(reports.Daily, evs[0].Time.AddDate(0, 0, 1))
	want := map[string]int{}
	for _, e := range evs {
		if !e.Time.Before(day.Start) && e.Time.Before(day.End) {
			want[e.Action+"/"+e.Outcome]++
		}
	}
	return day, want
}

// book is an opened report file.
type book struct {
	t *testing.T
	f *excelize.File
}

func openBook(t *testing.T, content []byte) book {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		t.Fatalf("the report does not open: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return book{t: t, f: f}
}

func (b book) sheets() []string { return b.f.GetSheetList() }

// rows are a sheet's formatted cells.
func (b book) rows(sheet string) [][]string {
	b.t.Helper()
	rows, err := b.f.GetRows(sheet)
	if err != nil {
		b.t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

// raw is a cell's value as stored (a number unformatted) and whether it is a number.
func (b book) raw(sheet, cell string) (string, bool) {
	b.t.Helper()
	v, err := b.f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		b.t.Fatal(err)
	}
	ct, err := b.f.GetCellType(sheet, cell)
	if err != nil {
		b.t.Fatal(err)
	}
	return v, ct == excelize.CellTypeNumber || ct == excelize.CellTypeUnset && v != ""
}

// service is the use case over db on a clock standing at now, sending through mailer.
func service(t *testing.T, db *store.DB, now func() time.Time, mailer reports.Mailer) *reports.Service {
	t.Helper()
	s, err := reports.New(reports.Deps{DB: db, Reader: readmodel.New(db), Mailer: mailer, Now: now, PublicURL: "https://purser.example.com"})
	must(t, err)
	return s
}
