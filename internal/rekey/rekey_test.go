package rekey

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/upstreamacct"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestPurposesMatchTheirPackages(t *testing.T) {
	want := map[store.SealedColumn]string{store.SealedUpstreamSK: upstreamacct.Purpose, store.SealedSettings: settings.Purpose, store.SealedTOTP: "totp"}
	for _, c := range Columns {
		if want[c.Column] != c.Purpose {
			t.Errorf("%v sealed for %q, rotated as %q", c.Column, want[c.Column], c.Purpose)
		}
	}
}

func TestRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldKey, newKey := bytes.Repeat([]byte{4}, 32), bytes.Repeat([]byte{5}, 32)
		m, op := audit.System("test"), auth.Operator()
		totp, _ := secretbox.New(oldKey, "totp")
		sealed, _ := totp.Seal("JBSWY3DPEHPK3PXP")
		u := &store.User{Username: "ada", TOTPSecret: sealed, Roles: []string{"admin"}}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		ups, _ := upstreamacct.New(db, oldKey)
		a, err := ups.Create(ctx, upstreamacct.Input{Name: "M", Endpoint: "https://x.example.com", AK: "ak", SK: "sk-1", DomainID: "d"}, m, op)
		if err != nil {
			t.Fatal(err)
		}
		set, _ := settings.New(db, oldKey, config.Config{})
		if err := set.UpdateWebhook(ctx, settings.Webhook{URL: "https://h.example.com", Secret: "s-1"}, false, m, op); err != nil {
			t.Fatal(err)
		}
		if _, err := Rotate(ctx, db, oldKey, oldKey, m); !errors.Is(err, ErrBadKey) {
			t.Fatalf("same key: %v", err)
		}
		if _, err := Rotate(ctx, db, newKey, oldKey, m); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("wrong old key: %v", err)
		}
		rep, err := Rotate(ctx, db, oldKey, newKey, m)
		if err != nil || rep.Total != 3 {
			t.Fatalf("%+v %v", rep, err)
		}
		ups2, _ := upstreamacct.New(db, newKey)
		if _, err := ups2.Client(ctx, a.ID); !errors.Is(err, upstreamacct.ErrDisabled) {
			t.Fatalf("client: %v", err)
		}
		got, _ := db.UpstreamAccountByID(ctx, a.ID)
		if sk, _ := ups2.Box.Open(got.SK); sk != "sk-1" {
			t.Fatalf("sk %q", sk)
		}
		set2, _ := settings.New(db, newKey, config.Config{})
		if st, err := set2.Get(ctx); err != nil || st.Webhook.Secret != "s-1" {
			t.Fatalf("settings after rotation: %v", err)
		}
		nb, _ := secretbox.New(newKey, "totp")
		uu, _ := db.UserByID(ctx, u.ID)
		if v, _ := nb.Open(uu.TOTPSecret); v != "JBSWY3DPEHPK3PXP" {
			t.Fatal("totp not re-sealed")
		}
	})
}
