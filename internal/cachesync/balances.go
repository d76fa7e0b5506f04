package cachesync

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func timePtr(a bss.AmountInfo) *time.Time { return tp(a.ExpireTime) }

// readSub reads one sub-account's recoverable amounts (withBalances) and coupons
// (withCoupons). A failure is recorded on the result, never returned: the last good
// figures stay and the row is marked stale. job.SkipCredit leaves the credit call out
// (the upstream has no call that reads both types, so a known-absent credit account
// costs a call per pass unless skipped).
func (s *Syncer) readSub(ctx context.Context, job store.BalanceJob, withBalances, withCoupons bool) store.SubAccountBalances {
	id := job.ID
	b := store.SubAccountBalances{SubAccountID: id}
	sub := bss.SubAccountID(id)
	if withBalances {
		debit, err := amounts(ctx, func(ctx context.Context, p bss.Page) (bss.AmountPage, error) {
			return s.up.RecoverableAmounts(ctx, sub, bss.BalanceDebit, bss.Page{})
		})
		if err != nil {
			b.Err = reason(err)
			return b
		}
		var credit []bss.AmountInfo
		if job.SkipCredit {
			b.CreditSkipped = true
		} else if credit, err = amounts(ctx, func(ctx context.Context, p bss.Page) (bss.AmountPage, error) {
			return s.up.RecoverableAmounts(ctx, sub, bss.BalanceCredit, p)
		}); err != nil {
			b.Err = reason(err)
			return b
		}
		b.Debit = debitOf(debit)
		b.Currency = b.Debit.Currency()
		b.Credits = make([]store.CreditLine, 0, len(credit))
		for _, c := range credit {
			b.Credits = append(b.Credits, store.CreditLine{Available: c.Available, CreditAmount: c.CreditAmount, ExpireTime: timePtr(c)})
		}
	}
	if withCoupons {
		var coupons []store.Coupon
		for off := 0; ; off += pageLimit {
			pg, err := s.up.RecoverableCoupons(ctx, sub, bss.Page{Offset: off, Limit: pageLimit})
			if err != nil {
				coupons = nil
				b.CouponsErr = reason(err)
				if !withBalances {
					b.Err = b.CouponsErr
				}
				break
			}
			for _, c := range pg.Items {
				coupons = append(coupons, coupon(c))
			}
			if len(pg.Items) == 0 || off+len(pg.Items) >= pg.Total {
				if coupons == nil {
					coupons = []store.Coupon{}
				}
				break
			}
		}
		b.Coupons = coupons
	}
	return b
}

// save writes a batch of reads with the run's progress.
func (s *Syncer) save(ctx context.Context, batch []store.SubAccountBalances, withBalances bool, runID int64, p store.RunProgress) error {
	if withBalances {
		return s.db.StoreSubAccountBalances(ctx, s.o.Now(), batch, runID, p)
	}
	return s.db.StoreSubAccountCoupons(ctx, s.o.Now(), batch, runID, p)
}

// passCursorPrefix marks the cursor of a balance pass: the time the pass began. A pass
// resumed from it reads only the sub-accounts not read since (in the pass's order); a
// coupon-only pass walks ids in order and its cursor is the id watermark.
const passCursorPrefix = "since:"

// workList is what a pass reads, in order, and the cursor a pass over it commits with
// ("" for an id walk, whose cursor moves with each batch).
func (s *Syncer) workList(ctx context.Context, r *run, withBalances bool) ([]store.BalanceJob, string, error) {
	if !withBalances {
		var jobs []store.BalanceJob
		for after := r.cursor; ; {
			ids, err := s.db.SubAccountIDsAfter(ctx, s.o.MasterAccountID, after, 1000)
			if err != nil {
				return nil, "", err
			}
			for _, id := range ids {
				jobs = append(jobs, store.BalanceJob{ID: id})
			}
			if len(ids) < 1000 {
				return jobs, "", nil
			}
			after = ids[len(ids)-1]
		}
	}
	var before *time.Time
	cursor := passCursorPrefix + s.o.Now().UTC().Format(time.RFC3339Nano)
	if at, ok := strings.CutPrefix(r.cursor, passCursorPrefix); ok {
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			before, cursor = &t, r.cursor
		}
	}
	low := money.Zero(money.DefaultCurrency)
	if s.o.LowThreshold != nil {
		low = s.o.LowThreshold(ctx)
	}
	jobs, err := s.db.BalancePass(ctx, s.o.MasterAccountID, before, low, s.o.CreditRecheckEvery)
	return jobs, cursor, err
}

// syncBalances reads every cached sub-account of the master: a balance pass in the order
// of store.BalancePass (never read first, then nearest to running out), or, coupons only,
// in id order from the run's cursor. Concurrency workers read; every BatchSize results
// (or each second) are committed together with the run's progress and cursor, so pages
// can say how far the pass is and an interrupted pass resumes where it stopped.
func (s *Syncer) syncBalances(ctx context.Context, r *run, withBalances, withCoupons bool) error {
	list, passCursor, err := s.workList(ctx, r, withBalances)
	if err != nil {
		return err
	}
	r.total = len(list)
	if passCursor != "" {
		r.cursor = passCursor
	}
	if err := s.db.SaveRunProgress(ctx, r.rec.ID, r.progress()); err != nil {
		return err
	}
	type job struct {
		seq int
		store.BalanceJob
	}
	type result struct {
		seq int
		b   store.SubAccountBalances
	}
	jobs := make(chan job)
	// Buffered: workers keep calling while a batch commits, so the limiter never idles
	// waiting on the database.
	results := make(chan result, s.o.BatchSize)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()

	go func() {
		defer close(jobs)
		for seq, j := range list {
			select {
			case jobs <- job{seq, j}:
			case <-wctx.Done():
				return
			}
		}
	}()
	workers := make(chan struct{})
	for range s.o.Concurrency {
		go func() {
			defer func() { workers <- struct{}{} }()
			for j := range jobs {
				b := s.readSub(wctx, j.BalanceJob, withBalances, withCoupons)
				select {
				case results <- result{j.seq, b}:
				case <-wctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		for range s.o.Concurrency {
			<-workers
		}
		close(results)
	}()

	// Committer: batches, with the cursor: the pass's own, or the contiguous id watermark.
	var (
		batch   []store.SubAccountBalances
		done    = map[int]bool{}
		next    = 0
		flushAt = time.Now().Add(time.Second)
		lastErr error
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		cursor, n := r.cursor, next
		for done[n] {
			if passCursor == "" {
				cursor = list[n].ID
			}
			n++
		}
		after := *r
		after.cursor = cursor
		for _, b := range batch {
			if b.Err != "" {
				after.fail("sub-account "+b.SubAccountID, fmt.Errorf("%s", b.Err))
			} else {
				after.items++
				if b.CouponsErr != "" {
					after.errs++
				}
			}
		}
		if err := s.save(ctx, batch, withBalances, r.rec.ID, after.progress()); err != nil {
			return err
		}
		// Committed: only now do the counters and the cursor move.
		for i := next; i < n; i++ {
			delete(done, i)
		}
		next = n
		r.cursor, r.items, r.errs, r.firstErr = after.cursor, after.items, after.errs, after.firstErr
		batch = batch[:0]
		flushAt = time.Now().Add(time.Second)
		return nil
	}
	for res := range results {
		if lastErr != nil {
			continue // drain
		}
		if wctx.Err() != nil {
			// Interrupted: a read cut short by cancellation is not an upstream failure.
			continue
		}
		batch = append(batch, res.b)
		done[res.seq] = true
		if len(batch) >= s.o.BatchSize || time.Now().After(flushAt) {
			if err := flush(); err != nil {
				lastErr = err
				cancel()
			}
		}
	}
	if lastErr != nil {
		return lastErr
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := flush(); err != nil {
		return err
	}
	if withBalances {
		return s.db.SnapshotTotals(ctx, s.o.MasterAccountID, s.o.Now())
	}
	return nil
}

// refreshOne reads one sub-account's balances and coupons now.
func (s *Syncer) refreshOne(ctx context.Context, r *run, id string) error {
	sa, err := s.db.SubAccountByID(ctx, id)
	if err != nil {
		return err
	}
	if sa.MasterAccountID != "" && sa.MasterAccountID != s.o.MasterAccountID {
		// Another master's sub-account: this master's credentials cannot read it.
		return fmt.Errorf("sync: sub-account %s belongs to master %s: %w", id, sa.MasterAccountID, store.ErrNotFound)
	}
	// Always with the credit call: a refresh follows an operation, which may just have
	// given the sub-account its first credit.
	b := s.readSub(ctx, store.BalanceJob{ID: id}, true, true)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if b.Err != "" {
		r.fail("sub-account "+id, fmt.Errorf("%s", b.Err))
	} else {
		r.items++
		if b.CouponsErr != "" {
			r.fail("coupons of "+id, fmt.Errorf("%s", b.CouponsErr))
		}
	}
	return s.db.StoreSubAccountBalances(ctx, s.o.Now(), []store.SubAccountBalances{b}, 0, store.RunProgress{})
}
