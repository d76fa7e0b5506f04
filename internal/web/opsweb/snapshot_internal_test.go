package opsweb

import (
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
)

// The approver sees which sub-account's credentials a resource operation is sent with.
func TestSnapshotShowsResourceAccount(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh"} {
		tr := b.For(lang)
		op := approval.Operation{Kind: approval.KindRenewResources, Params: approval.Params{ResourceIDs: []string{"r1"}, AccountID: "sub-9", PeriodType: "month", PeriodNum: 1}}
		found := false
		for _, f := range snapshotKV(tr, op) {
			if f.Test == "snap-resource-account" {
				found = f.Value == "sub-9" && f.Label != "op.f.resource_account"
			}
		}
		if !found {
			t.Fatalf("%s: the snapshot does not show the resources' account (translated)", lang)
		}
		op.Params.AccountID = ""
		for _, f := range snapshotKV(tr, op) {
			if f.Test == "snap-resource-account" {
				t.Fatalf("%s: a master's own resources show an account line", lang)
			}
		}
	}
}

// An operation that failed because its sub-account credential was gone says so in the
// reader's language, not in the executor's English.
func TestCredentialsUnavailableTranslated(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	e := &approval.UpstreamError{Code: "credentials_unavailable", Message: `upstreamacct: no enabled credential for this sub-account "x"`}
	en, zh := errorText(b.For("en"), e), errorText(b.For("zh"), e)
	if en == e.Message || zh == e.Message || en == zh || en == "op.code.credentials_unavailable" || zh == "op.code.credentials_unavailable" {
		t.Fatalf("credentials_unavailable: en %q, zh %q", en, zh)
	}
}
