package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The read side at 10,000 sub-accounts (issue 16): the sandbox's own tree (1,001 units,
// depth 4) and sub-accounts (names and display names in English and Chinese), synced by
// the portal's sync code, with synthetic balances written the way the balance pass does.
// Prepared once per process and cloned per benchmark.

const benchSubs = 10_000

var bench10k = storetest.NewPrepared(func(ctx context.Context, db *store.DB) error {
	log := slog.New(slog.DiscardHandler)
	opts := sandbox.DefaultOptions()
	opts.FlowControl.Off = true
	opts.SubAccounts, opts.Logger = benchSubs, log
	sb, err := sandbox.Start(ctx, "127.0.0.1:0", opts)
	if err != nil {
		return err
	}
	defer sb.Close()
	client, err := bss.New(bss.Config{Endpoint: sb.URL(), AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID, RatePerSecond: 1e6, Logger: log})
	if err != nil {
		return err
	}
	syncer := cachesync.New(db, client, cachesync.Options{MasterAccountID: opts.DomainID, Concurrency: 8, Log: log})
	for _, area := range []string{cachesync.AreaOrganizations, cachesync.AreaSubAccounts} {
		if _, err := syncer.Run(ctx, area, "", "bench"); err != nil {
			return err
		}
	}
	var batch []store.SubAccountBalances
	flush := func() error {
		err := db.StoreSubAccountBalances(ctx, time.Now(), batch, 0, store.RunProgress{})
		batch = batch[:0]
		return err
	}
	i := 0
	err = db.ForEachSubAccount(ctx, authz.Everything, store.SubAccountFilter{}, func(s store.SubAccount) error {
		i++
		batch = append(batch, store.SubAccountBalances{SubAccountID: s.ID, Debit: money.New(decimal.New(int64(i*7919%5_000_000), -2), "")})
		if len(batch) == 500 {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return err
	}
	if db.Dialect() == store.DialectPostgres {
		return db.Gorm().Exec("VACUUM ANALYZE").Error
	}
	return db.Gorm().Exec("ANALYZE").Error
})

// benchDB is a copy of the 10,000 sub-account cache on Postgres, or with
// PURSER_BENCH_SQLITE=1 on SQLite.
func benchDB(b *testing.B) *store.DB {
	b.Helper()
	if testing.Short() {
		b.Skip("10,000 sub-accounts: not in -short")
	}
	if benchSQLite {
		return bench10k.SQLite(b)
	}
	return bench10k.Postgres(b)
}

// benchSearches are what people type: common and rare words, Chinese, ids, one and two
// characters, and nothing that matches.
var benchSearches = []string{"team", "checkout", "张伟", "电商平台", "01234", "7", "李娜", "zz", "nomatch"}

// BenchmarkSubAccountSearch is the list's first page (25 rows by name) of a search, with
// its total, as the list page reads it.
func BenchmarkSubAccountSearch(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for _, q := range benchSearches {
		b.Run(q, func(b *testing.B) {
			f := store.SubAccountFilter{Q: q, Limit: 25}
			for b.Loop() {
				if _, err := listPage(db)(ctx, authz.Everything, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSubAccountOrgFilter is the list's first page filtered on a unit: a leaf team,
// a department and a division (and everything below each), with the total; and the same
// for a subject scoped to the division.
func BenchmarkSubAccountOrgFilter(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	units := benchUnits(b, db)
	for _, u := range units {
		b.Run(fmt.Sprintf("depth%d", len(u.Path)-1), func(b *testing.B) {
			f := store.SubAccountFilter{OrgID: u.ID, Limit: 25}
			for b.Loop() {
				if _, err := listPage(db)(ctx, authz.Everything, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("scoped", func(b *testing.B) {
		scope := authz.QueryScope{OrgIDs: []string{units[0].ID}}
		for b.Loop() {
			if _, err := listPage(db)(ctx, scope, store.SubAccountFilter{Limit: 25}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchUnits are a division (depth 1), a department below it (2) and a team below that
// (3): the first team at depth 3 in tree order and its ancestors.
func benchUnits(b *testing.B, db *store.DB) []store.Organization {
	b.Helper()
	orgs, err := db.Organizations(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	byID := map[string]store.Organization{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	for _, o := range orgs {
		if len(o.Path) == 4 {
			return []store.Organization{byID[o.Path[1]], byID[o.Path[2]], o}
		}
	}
	b.Fatal("no unit at depth 3")
	return nil
}

// BenchmarkSubAccountByID reads one sub-account with its credit lines, as the detail page
// does first: a primary-key lookup, the floor of a page's cost.
func BenchmarkSubAccountByID(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	ids := benchIDs(b, db, 500)
	i := 0
	for b.Loop() {
		if _, err := db.SubAccountByID(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchIDs are n sub-account ids spread over the table.
func benchIDs(b *testing.B, db *store.DB, n int) []string {
	b.Helper()
	var ids []string
	i := 0
	err := db.ForEachSubAccount(context.Background(), authz.Everything, store.SubAccountFilter{}, func(s store.SubAccount) error {
		if i%(benchSubs/n) == 0 {
			ids = append(ids, s.ID)
		}
		i++
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}
