package cachesync

import (
	"context"
	"encoding/json"
	stdsync "sync"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// pageLimit is the page size asked of the upstream (its documented maximum).
const pageLimit = bss.MaxPageLimit

// pages reads every page of a list: the first page alone (it tells the total), then the
// rest concurrently, at most limit in flight. fetch returns the page's total; got is called
// serially (under a lock) for each page read.
func pages[T any](ctx context.Context, limit int, fetch func(ctx context.Context, p bss.Page) ([]T, int, error), got func([]T) error) error {
	first, total, err := fetch(ctx, bss.Page{Offset: 0, Limit: pageLimit})
	if err != nil {
		return err
	}
	if err := got(first); err != nil {
		return err
	}
	if len(first) == 0 || total <= pageLimit {
		return nil
	}
	var (
		mu       stdsync.Mutex
		firstErr error
		wg       stdsync.WaitGroup
		sem      = make(chan struct{}, max(1, limit))
	)
	for off := pageLimit; off < total; off += pageLimit {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(off int) {
			defer func() { <-sem; wg.Done() }()
			items, _, err := fetch(ctx, bss.Page{Offset: off, Limit: pageLimit})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				err = got(items)
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}(off)
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

func (s *Syncer) syncOrganizations(ctx context.Context, r *run) error {
	tree, err := s.up.ListOrganizations(ctx, bss.OrgQuery{Recursive: true})
	if err != nil {
		r.fail("organizations", err)
		return nil
	}
	var orgs []store.Organization
	if tree.RootID != "" {
		root := []string{string(tree.RootID)}
		orgs = append(orgs, store.Organization{ID: string(tree.RootID), Name: tree.RootName, Path: root})
		var walk func(parent []string, nodes []bss.OrgNode)
		walk = func(parent []string, nodes []bss.OrgNode) {
			for _, n := range nodes {
				path := append(append([]string{}, parent...), string(n.ID))
				orgs = append(orgs, store.Organization{ID: string(n.ID), Name: n.Name, ParentID: parent[len(parent)-1], Path: path})
				walk(path, n.Children)
			}
		}
		walk(root, tree.Children)
	}
	if err := s.db.ReplaceOrganizations(ctx, s.o.MasterAccountID, r.rec.ID, orgs, s.o.Now()); err != nil {
		return err
	}
	r.items += len(orgs)
	return nil
}

func (s *Syncer) syncSubAccounts(ctx context.Context, r *run) error {
	now := s.o.Now()
	seen := 0
	err := pages(ctx, s.o.Concurrency, func(ctx context.Context, p bss.Page) ([]bss.SubAccount, int, error) {
		pg, err := s.up.ListSubAccounts(ctx, bss.SubAccountQuery{Page: p})
		return pg.Items, pg.Total, err
	}, func(items []bss.SubAccount) error {
		infos := make([]store.SubAccountInfo, len(items))
		for i, a := range items {
			infos[i] = store.SubAccountInfo{ID: string(a.ID), Name: a.Name, DisplayName: a.DisplayName, Status: int(a.Status), OrgID: string(a.OrgID), OrgName: a.OrgName}
		}
		seen += len(items)
		return s.db.UpsertSubAccounts(ctx, s.o.MasterAccountID, r.rec.ID, infos, now)
	})
	r.items += seen
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Keep every row: an incomplete listing must not remove anything.
		r.fail("sub-account list", err)
		return nil
	}
	removed, err := s.db.RemoveSubAccountsNotSeen(ctx, s.o.MasterAccountID, r.rec.ID)
	if err != nil {
		return err
	}
	if removed > 0 {
		s.o.Log.Info("sync: removed sub-accounts no longer listed", "count", removed)
	}
	return nil
}

// amounts reads every row of a balance type (credit may span pages).
func amounts(ctx context.Context, fetch func(ctx context.Context, p bss.Page) (bss.AmountPage, error)) ([]bss.AmountInfo, error) {
	var out []bss.AmountInfo
	for off := 0; ; off += pageLimit {
		pg, err := fetch(ctx, bss.Page{Offset: off, Limit: pageLimit})
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Items...)
		if len(pg.Items) == 0 || off+len(pg.Items) >= pg.Total {
			return out, nil
		}
	}
}

func debitOf(rows []bss.AmountInfo) money.Amount {
	if len(rows) == 0 {
		return money.Zero("")
	}
	return rows[0].Available
}

func (s *Syncer) syncMaster(ctx context.Context, r *run) error {
	// "As of" is when the read began: a movement settled after it may be missing from
	// the figure, and the draft check counts such movements as reserved.
	at := s.o.Now()
	debit, err := amounts(ctx, func(ctx context.Context, p bss.Page) (bss.AmountPage, error) {
		return s.up.TransferableAmounts(ctx, bss.BalanceDebit, bss.Page{})
	})
	var credit []bss.AmountInfo
	if err == nil {
		credit, err = amounts(ctx, func(ctx context.Context, p bss.Page) (bss.AmountPage, error) {
			return s.up.TransferableAmounts(ctx, bss.BalanceCredit, p)
		})
	}
	if err != nil {
		r.fail("master amounts", err)
		return s.db.MarkMasterStale(ctx, s.o.MasterAccountID, reason(err))
	}
	mb := store.MasterBalances{Debit: debitOf(debit)}
	for _, c := range credit {
		mb.Credits = append(mb.Credits, store.AmountLine{Available: c.Available, Amount: c.Amount, CreditAmount: c.CreditAmount, ExpireTime: timePtr(c)})
	}
	if err := s.db.StoreMasterBalances(ctx, s.o.MasterAccountID, mb, at); err != nil {
		return err
	}
	r.items += 1 + len(credit)
	return nil
}

func coupon(c bss.Coupon) store.Coupon {
	limits := "[]"
	if len(c.UseLimits) > 0 {
		if b, err := json.Marshal(c.UseLimits); err == nil {
			limits = string(b)
		}
	}
	return store.Coupon{CouponID: string(c.ID), SubCouponID: string(c.SubCouponID), PlanName: c.PlanName, Balance: c.Balance,
		Effective: tp(c.Effective), Expire: tp(c.Expire), UseLimits: limits}
}

func (s *Syncer) syncMasterCoupons(ctx context.Context, r *run) error {
	var all []store.Coupon
	err := pages(ctx, s.o.Concurrency, func(ctx context.Context, p bss.Page) ([]bss.Coupon, int, error) {
		pg, err := s.up.TransferableCoupons(ctx, p)
		return pg.Items, pg.Total, err
	}, func(items []bss.Coupon) error {
		for _, c := range items {
			all = append(all, coupon(c))
		}
		return nil
	})
	if err != nil {
		r.fail("master coupons", err)
		return nil
	}
	if err := s.db.ReplaceMasterCoupons(ctx, s.o.MasterAccountID, all, s.o.Now()); err != nil {
		return err
	}
	r.items += len(all)
	return nil
}

func (s *Syncer) syncCards(ctx context.Context, r *run) error {
	var all []store.StoredValueCard
	for _, st := range []bss.CardStatus{bss.CardUsable, bss.CardUsedUp} {
		err := pages(ctx, s.o.Concurrency, func(ctx context.Context, p bss.Page) ([]bss.StoredValueCard, int, error) {
			pg, err := s.up.StoredValueCards(ctx, bss.CardQuery{Status: st, Page: p})
			return pg.Items, pg.Total, err
		}, func(items []bss.StoredValueCard) error {
			for _, c := range items {
				all = append(all, store.StoredValueCard{CardID: string(c.ID), Name: c.Name, Status: int(c.Status), FaceValue: c.FaceValue,
					Balance: c.Balance, Effective: tp(c.Effective), Expire: tp(c.Expire)})
			}
			return nil
		})
		if err != nil {
			r.fail("stored-value cards", err)
			return nil
		}
	}
	if err := s.db.ReplaceCards(ctx, s.o.MasterAccountID, all, s.o.Now()); err != nil {
		return err
	}
	r.items += len(all)
	return nil
}

// syncResources caches the yearly/monthly resources of the master (under its domain id)
// and of every sub-account with an enabled credential under it (under the sub-account's
// id, read with that sub-account's own client: the upstream lists an account's resources
// to that account only). Each account is replaced only after its complete read: a failing
// credential keeps its last good rows (their synced_at says how old) and records its error
// in the run, without stopping the others. The rows of a sub-account whose credential was
// removed or disabled are removed here, once the credential list itself was read.
func (s *Syncer) syncResources(ctx context.Context, r *run) error {
	if err := s.syncAccountResources(ctx, r, s.up, s.o.MasterAccountID, "resources"); err != nil {
		return err
	}
	if s.o.Subs == nil {
		return nil
	}
	subs, err := s.o.Subs(ctx, s.o.MasterAccountID)
	if err != nil {
		r.fail("sub-account credentials", err)
		return nil
	}
	keep := make([]string, 0, len(subs))
	for _, sub := range subs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		keep = append(keep, sub.DomainID)
		what := "resources of sub-account " + sub.DomainID
		if sub.Err != nil {
			r.fail(what, sub.Err)
			continue
		}
		if err := s.syncAccountResources(ctx, r, sub.Upstream, sub.DomainID, what); err != nil {
			return err
		}
	}
	removed, err := s.db.RemoveSubResourcesExcept(ctx, s.o.MasterAccountID, keep)
	if err != nil {
		return err
	}
	if removed > 0 {
		s.o.Log.Info("sync: removed resources of sub-accounts without an enabled credential", "count", removed)
	}
	return nil
}

// syncAccountResources reads one account's resources with up and caches them under
// accountID. An upstream failure is recorded in r (what names it) and keeps the rows.
func (s *Syncer) syncAccountResources(ctx context.Context, r *run, up bss.Upstream, accountID, what string) error {
	var all []store.Resource
	err := pages(ctx, s.o.Concurrency, func(ctx context.Context, p bss.Page) ([]bss.Resource, int, error) {
		pg, err := up.Resources(ctx, bss.ResourceQuery{Page: p})
		return pg.Items, pg.Total, err
	}, func(items []bss.Resource) error {
		for _, x := range items {
			all = append(all, store.Resource{ResourceID: string(x.ID), AccountID: accountID, Name: x.Name, Region: x.Region,
				ServiceType: x.ServiceType, ServiceTypeName: x.ServiceTypeName, ResourceType: x.ResourceType, ResourceTypeName: x.ResourceTypeName,
				SpecDesc: x.SpecDesc, ParentID: string(x.ParentID), IsMain: x.IsMain, Status: int(x.Status),
				Effective: tp(x.Effective), Expire: tp(x.Expire), ExpirePolicy: int(x.ExpirePolicy)})
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.fail(what, err)
		return nil
	}
	if err := s.db.ReplaceResources(ctx, accountID, all, s.o.Now()); err != nil {
		return err
	}
	r.items += len(all)
	return nil
}

// maxUsageIDs bounds free_resource_ids per usage call (the upstream takes 1 to 100).
const maxUsageIDs = 100

func (s *Syncer) syncPackages(ctx context.Context, r *run) error {
	var pkgs []bss.ResourcePackage
	err := pages(ctx, s.o.Concurrency, func(ctx context.Context, p bss.Page) ([]bss.ResourcePackage, int, error) {
		pg, err := s.up.ResourcePackages(ctx, bss.PackageQuery{Page: p})
		return pg.Items, pg.Total, err
	}, func(items []bss.ResourcePackage) error {
		pkgs = append(pkgs, items...)
		return nil
	})
	if err != nil {
		r.fail("resource packages", err)
		return nil
	}
	type owner struct {
		pkg bss.ResourcePackage
		fr  bss.FreeResource
	}
	byID := map[string]owner{}
	var ids []string
	for _, p := range pkgs {
		for _, f := range p.FreeResources {
			byID[f.ID] = owner{p, f}
			ids = append(ids, f.ID)
		}
	}
	var all []store.PackageUsage
	for start := 0; start < len(ids); start += maxUsageIDs {
		usages, err := s.up.ResourcePackageUsages(ctx, ids[start:min(start+maxUsageIDs, len(ids))])
		if err != nil {
			r.fail("resource package usage", err)
			return nil
		}
		for _, u := range usages {
			o := byID[u.FreeResourceID]
			usageName := u.UsageTypeName
			if usageName == "" {
				usageName = o.fr.UsageTypeName
			}
			all = append(all, store.PackageUsage{FreeResourceID: u.FreeResourceID, PackageID: o.pkg.InstanceID, ProductName: o.pkg.ProductName,
				ServiceType: o.pkg.ServiceType, ServiceTypeName: o.pkg.ServiceTypeName, Region: o.pkg.Region, UsageTypeName: usageName,
				Status: o.pkg.Status, Original: u.Original, Remaining: u.Remaining, MeasureID: u.MeasureID,
				Effective: tp(o.pkg.Effective), Expire: tp(o.pkg.Expire)})
		}
	}
	if err := s.db.ReplacePackageUsages(ctx, s.o.MasterAccountID, all, s.o.Now()); err != nil {
		return err
	}
	r.items += len(all)
	return nil
}

// catalogPages reads a whole catalogue (offset paging, total from each answer).
func catalogPages[T any](ctx context.Context, fetch func(q bss.CatalogQuery) ([]T, int, error), lang bss.Language) ([]T, error) {
	var out []T
	for off := 0; ; off += pageLimit {
		items, total, err := fetch(bss.CatalogQuery{Lang: lang, Page: bss.Page{Offset: off, Limit: pageLimit}})
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if len(items) == 0 || off+len(items) >= total {
			return out, nil
		}
	}
}

func (s *Syncer) syncCatalog(ctx context.Context, r *run) error {
	now := s.o.Now()
	for _, lang := range []bss.Language{bss.LangZH, bss.LangEN} {
		l := string(lang)
		sts, err := catalogPages(ctx, func(q bss.CatalogQuery) ([]bss.ServiceType, int, error) { return s.up.ServiceTypes(ctx, q) }, lang)
		if err != nil {
			r.fail("service types "+l, err)
			continue
		}
		entries := make([]store.CatalogEntry, len(sts))
		for i, x := range sts {
			entries[i] = store.CatalogEntry{Code: x.Code, Name: x.Name, Extra: x.Abbreviation}
		}
		if err := s.db.ReplaceCatalog(ctx, store.CatalogServiceType, l, entries, now); err != nil {
			return err
		}
		r.items += len(entries)

		rts, err := catalogPages(ctx, func(q bss.CatalogQuery) ([]bss.ResourceType, int, error) { return s.up.ResourceTypes(ctx, q) }, lang)
		if err != nil {
			r.fail("resource types "+l, err)
		} else {
			entries = make([]store.CatalogEntry, len(rts))
			for i, x := range rts {
				entries[i] = store.CatalogEntry{Code: x.Code, Name: x.Name, Description: x.Description, Parent: x.ServiceType}
			}
			if err := s.db.ReplaceCatalog(ctx, store.CatalogResourceType, l, entries, now); err != nil {
				return err
			}
			r.items += len(entries)
		}

		uts, err := catalogPages(ctx, func(q bss.CatalogQuery) ([]bss.UsageType, int, error) { return s.up.UsageTypes(ctx, "", q) }, lang)
		if err != nil {
			r.fail("usage types "+l, err)
		} else {
			entries = make([]store.CatalogEntry, len(uts))
			for i, x := range uts {
				entries[i] = store.CatalogEntry{Code: x.Code, Name: x.Name, Parent: x.ResourceType, Extra: x.ServiceType}
			}
			if err := s.db.ReplaceCatalog(ctx, store.CatalogUsageType, l, entries, now); err != nil {
				return err
			}
			r.items += len(entries)
		}

		// Service resources are listed per service type.
		var srs []store.CatalogEntry
		ok := true
		for _, st := range sts {
			items, err := catalogPages(ctx, func(q bss.CatalogQuery) ([]bss.ServiceResource, int, error) {
				return s.up.ServiceResources(ctx, st.Code, q)
			}, lang)
			if err != nil {
				r.fail("service resources "+l, err)
				ok = false
				break
			}
			for _, x := range items {
				srs = append(srs, store.CatalogEntry{Code: x.ResourceType, Name: x.Name, Description: x.Description, Parent: x.ResourceType, Extra: x.OwnerService})
			}
		}
		if ok {
			if err := s.db.ReplaceCatalog(ctx, store.CatalogServiceResource, l, dedupeCatalog(srs), now); err != nil {
				return err
			}
			r.items += len(srs)
		}
	}
	return nil
}

func dedupeCatalog(in []store.CatalogEntry) []store.CatalogEntry {
	seen := map[[2]string]bool{}
	out := in[:0]
	for _, e := range in {
		k := [2]string{e.Code, e.Parent}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
