package cachesync

import (
	"context"
	"fmt"
	"time"

	"github.com/purser-finance/purser/internal/bss"
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
// figures stay and the row is marked stale.
func (s *Syncer) readSub(ctx context.Context, id string, withBalances, withCoupons bool) store.SubAccountBalances {
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
		credit, err := amounts(ctx, func(ctx context.Context, p bss.Page) (bss.AmountPage, error) {
			return s.up.RecoverableAmounts(ctx, sub, bss.BalanceCredit, p)
		})
		if err != nil {
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

// syncBalances walks every cached sub-account in id order from the run's cursor, reading
// with Concurrency workers and committing every BatchSize results together with the new
// cursor: the highest id such that it and every id before it are stored.
func (s *Syncer) syncBalances(ctx context.Context, r *run, withBalances, withCoupons bool) error {
	type job struct {
		seq int
		id  string
	}
	type result struct {
		seq int
		b   store.SubAccountBalances
	}
	jobs := make(chan job)
	results := make(chan result)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Producer: ids after the cursor, in order.
	prodErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		after, seq := r.cursor, 0
		for {
			ids, err := s.db.SubAccountIDsAfter(wctx, s.o.MasterAccountID, after, 1000)
			if err != nil {
				prodErr <- err
				return
			}
			for _, id := range ids {
				select {
				case jobs <- job{seq, id}:
					seq++
				case <-wctx.Done():
					prodErr <- nil
					return
				}
			}
			if len(ids) < 1000 {
				prodErr <- nil
				return
			}
			after = ids[len(ids)-1]
		}
	}()
	// Workers.
	workers := make(chan struct{})
	for range s.o.Concurrency {
		go func() {
			defer func() { workers <- struct{}{} }()
			for j := range jobs {
				b := s.readSub(wctx, j.id, withBalances, withCoupons)
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

	// Committer: batches, with the contiguous watermark as cursor.
	var (
		batch   []store.SubAccountBalances
		doneSeq = map[int]string{}
		next    = 0
		flushAt = time.Now().Add(time.Second)
		lastErr error
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		cursor, n := r.cursor, next
		for {
			id, ok := doneSeq[n]
			if !ok {
				break
			}
			cursor = id
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
			delete(doneSeq, i)
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
		doneSeq[res.seq] = res.b.SubAccountID
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
	if err := <-prodErr; err != nil {
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
	b := s.readSub(ctx, id, true, true)
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
