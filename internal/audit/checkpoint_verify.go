package audit

import (
	"context"
	"fmt"
	"strings"

	"github.com/purser-finance/purser/internal/store"
)

// Result is the outcome of a full verification: the chain itself and the checkpoints.
type Result struct {
	Checked         int64
	OK              bool
	BrokenID        int64
	Reason          string
	Checkpoints     int // checkpoints in the database compared
	FileCheckpoints int // lines of the checkpoint file compared (VerifyFile)
}

// Verify re-checks the chain (store.VerifyAuditRange) and then every checkpoint in the
// database: each must be signed by this signer's key (or by an earlier key, when the
// chain links it to a checkpoint of this one) and still match the event it names
// (so deleting the newest events, or rewriting the chain from some point on, is found),
// and the chained ones must follow each other seq by seq, each naming the previous
// one's signature (so a checkpoint deleted from the middle is named). Deleting the
// newest checkpoints together with the events they covered cannot be seen from the
// database alone: that is what VerifyFile is for.
func (s *Signer) Verify(ctx context.Context, db *store.DB, progress func(int64)) (Result, error) {
	return s.verify(ctx, db, nil, progress)
}

// VerifyFile is Verify plus a comparison with a copy of the checkpoints kept outside the
// database (PORTAL_AUDIT_CHECKPOINT_FILE, or an archived `portal audit checkpoints`):
// every line must be signed by this signer's key (or an earlier one the database's chain
// vouches for), be in the database unchanged, and the
// events it covers must still be there with the hash it names.
func (s *Signer) VerifyFile(ctx context.Context, db *store.DB, path string, progress func(int64)) (Result, error) {
	lines, err := readCheckpointFile(path)
	if err != nil {
		return Result{}, err
	}
	return s.verify(ctx, db, lines, progress)
}

// problems collects what verification found: the lowest event concerned and the first
// few reasons (a rewritten trail can break every one of half a million checkpoints).
// Events missing or changed name the broken event; a problem of the checkpoints alone
// (one missing, unsigned or unlinked) names the event of the checkpoint concerned only
// when no event problem was found.
type problems struct {
	firstEvent, firstCheckpoint int64
	reasons                     []string
	more                        int
}

// add records a problem of the events themselves.
func (p *problems) add(eventID int64, format string, args ...any) {
	if p.firstEvent == 0 || eventID < p.firstEvent {
		p.firstEvent = eventID
	}
	p.reason(format, args...)
}

// addCheckpoint records a problem of the checkpoints.
func (p *problems) addCheckpoint(eventID int64, format string, args ...any) {
	if p.firstCheckpoint == 0 || eventID < p.firstCheckpoint {
		p.firstCheckpoint = eventID
	}
	p.reason(format, args...)
}

func (p *problems) reason(format string, args ...any) {
	if len(p.reasons) < 3 {
		p.reasons = append(p.reasons, fmt.Sprintf(format, args...))
	} else {
		p.more++
	}
}

func (p *problems) result(r Result) Result {
	if len(p.reasons) == 0 {
		return r
	}
	reason := strings.Join(p.reasons, "; ")
	if p.more > 0 {
		reason += fmt.Sprintf("; and %d more problems", p.more)
	}
	r.OK, r.BrokenID, r.Reason = false, p.firstEvent, reason
	if r.BrokenID == 0 {
		r.BrokenID = p.firstCheckpoint
	}
	return r
}

// name is how a checkpoint is named in reasons: chained ones by seq, legacy by id.
func name(cp store.AuditCheckpoint) string {
	if cp.Seq > 0 {
		return fmt.Sprintf("seq %d", cp.Seq)
	}
	return fmt.Sprintf("%d", cp.ID)
}

// pending is a checkpoint signed by another key, waiting for a successor to vouch for
// it, with the hash its event has in the database ("" when the event is gone).
type pending struct {
	cp   store.AuditCheckpoint
	hash string
	has  bool
}

func (s *Signer) verify(ctx context.Context, db *store.DB, file []fileLine, progress func(int64)) (Result, error) {
	v, err := db.VerifyAuditRange(ctx, 0, 0, progress)
	if err != nil {
		return Result{}, err
	}
	r := Result{Checked: v.Checked, OK: v.OK, BrokenID: v.BrokenID, Reason: v.Reason}
	if !v.OK {
		return r, nil
	}
	var p problems
	// The validly signed lines of the file, by the name of their checkpoint. A line of
	// another key is trusted only when the database has it and it is vouched for there.
	inFile := map[string]*fileLine{}
	found := map[string]bool{}
	for i := range file {
		l := &file[i]
		switch {
		case l.bad:
			p.addCheckpoint(max(1, v.Checked), "line %d of the checkpoint file is not a checkpoint", l.n)
		case !ValidSignature(l.cp):
			p.addCheckpoint(l.cp.EventID, "line %d of the checkpoint file is not signed by this portal's key", l.n)
			l.bad = true
		default:
			inFile[name(l.cp)] = l
		}
	}

	var lastLegacy, prev *store.AuditCheckpoint
	var newest store.AuditCheckpoint // the checkpoint naming the most events
	// accept compares a trusted checkpoint with the events and the file.
	accept := func(cp store.AuditCheckpoint, hash string, has bool) {
		if cp.EventID > newest.EventID {
			newest = cp
		}
		if has && hash != cp.HeadHash {
			p.add(cp.EventID, "event %d differs from checkpoint %s: the chain was rewritten from there or before", cp.EventID, name(cp))
		}
		if l := inFile[name(cp)]; l != nil {
			found[name(cp)] = true
			if l.cp.Signature != cp.Signature {
				p.addCheckpoint(cp.EventID, "checkpoint %s differs from line %d of the checkpoint file", name(cp), l.n)
			}
		}
	}
	unsigned := func(cp store.AuditCheckpoint) {
		p.addCheckpoint(cp.EventID, "checkpoint %s is not signed by this portal's key", name(cp))
	}
	// Checkpoints of an earlier key (before a rotation of PORTAL_SECRET_KEY) are trusted
	// when the chain links them to a checkpoint of this key: the later checkpoint signed
	// their signature. run holds them until such a successor comes, or does not.
	var run []pending
	flush := func(vouched bool) {
		for _, q := range run {
			if vouched {
				accept(q.cp, q.hash, q.has)
			} else {
				unsigned(q.cp)
			}
		}
		run = nil
	}
	err = db.EachAuditCheckpoint(ctx, func(page []store.AuditCheckpoint) error {
		ids := make([]int64, len(page))
		for i, cp := range page {
			ids[i] = cp.EventID
		}
		hashes, err := db.AuditEventHashes(ctx, ids)
		if err != nil {
			return err
		}
		for i := range page {
			cp := page[i]
			r.Checkpoints++
			valid := ValidSignature(cp)
			linked := true
			if cp.Seq == 0 {
				lastLegacy = &cp
			} else {
				if valid {
					linked = s.checkLink(&p, prev, lastLegacy, cp)
				}
				prev = &cp
			}
			// Legacy checkpoints are not linked to each other: only the newest can be
			// vouched for (by seq 1).
			if !valid || !linked || cp.Seq == 0 {
				flush(false)
			}
			hash, has := hashes[cp.EventID]
			switch {
			case !valid:
				unsigned(cp)
			case cp.PublicKey != s.PublicKey():
				run = append(run, pending{cp, hash, has})
			default:
				flush(true)
				accept(cp, hash, has)
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	flush(false)
	if newest.EventID > v.Checked {
		// A live portal goes on writing while the chain is read: a checkpoint made since
		// covers events written since. The chain is read on to it before any is called
		// missing.
		more, err := db.VerifyAuditRange(ctx, v.Checked+1, newest.EventID, nil)
		if err != nil {
			return Result{}, err
		}
		if !more.OK {
			r.OK, r.BrokenID, r.Reason = false, more.BrokenID, more.Reason
			return r, nil
		}
		v.Checked += more.Checked
		r.Checked = v.Checked
	}
	if newest.EventID > v.Checked {
		p.add(v.Checked+1, "events %d to %d are missing: checkpoint %s of %s recorded %d events",
			v.Checked+1, newest.EventID, name(newest), newest.CreatedAt.Format("2006-01-02 15:04:05Z"), newest.EventCount)
	}
	for i := range file {
		if l := &file[i]; !l.bad && l.cp.PublicKey != s.PublicKey() && !found[name(l.cp)] {
			p.addCheckpoint(l.cp.EventID, "line %d of the checkpoint file is not signed by this portal's key", l.n)
			l.bad = true
		}
	}
	for _, l := range file {
		if !l.bad {
			r.FileCheckpoints++
		}
	}
	if err := s.checkFile(ctx, db, &p, file, found, v.Checked); err != nil {
		return Result{}, err
	}
	return p.result(r), nil
}

// checkLink checks that chained checkpoint cp follows prev (nil for the first one, which
// links to the newest legacy checkpoint, or to nothing on a trail that had none).
func (s *Signer) checkLink(p *problems, prev, lastLegacy *store.AuditCheckpoint, cp store.AuditCheckpoint) bool {
	wantSeq, wantPrev := int64(1), ""
	if prev != nil {
		wantSeq, wantPrev = prev.Seq+1, prev.Signature
	} else if lastLegacy != nil {
		wantPrev = lastLegacy.Signature
	}
	after := fmt.Sprintf("the chain starts at seq %d", cp.Seq)
	if prev != nil {
		after = fmt.Sprintf("checkpoint seq %d follows seq %d", cp.Seq, prev.Seq)
	}
	ok := false
	switch {
	case cp.Seq == wantSeq+1:
		p.addCheckpoint(cp.EventID, "checkpoint seq %d is missing: %s", wantSeq, after)
	case cp.Seq > wantSeq:
		p.addCheckpoint(cp.EventID, "checkpoints seq %d to %d are missing: %s", wantSeq, cp.Seq-1, after)
	case cp.PrevSignature == wantPrev:
		ok = true
	case prev == nil:
		p.addCheckpoint(cp.EventID, "the checkpoint before seq 1 is missing: seq 1 names a checkpoint that is not in the database")
	default:
		p.addCheckpoint(cp.EventID, "checkpoint seq %d does not follow checkpoint seq %d: the checkpoints were altered", cp.Seq, prev.Seq)
	}
	if prev != nil && cp.EventID < prev.EventID {
		p.addCheckpoint(cp.EventID, "checkpoint seq %d names fewer events than checkpoint seq %d", cp.Seq, prev.Seq)
		ok = false
	}
	return ok
}

// checkFile reports the lines of the checkpoint file that the database lost, and the
// events those lines cover that are missing or different.
func (s *Signer) checkFile(ctx context.Context, db *store.DB, p *problems, file []fileLine, found map[string]bool, checked int64) error {
	var ids []int64
	var newest *fileLine
	for i := range file {
		l := &file[i]
		if l.bad {
			continue
		}
		if !found[name(l.cp)] {
			p.addCheckpoint(l.cp.EventID, "checkpoint %s of the checkpoint file is missing from the database (line %d, %d events, made %s)",
				name(l.cp), l.n, l.cp.EventCount, l.cp.CreatedAt.Format("2006-01-02 15:04:05Z"))
		}
		if l.cp.EventID <= checked {
			ids = append(ids, l.cp.EventID)
		} else if newest == nil || l.cp.EventID > newest.cp.EventID {
			newest = l
		}
	}
	if newest != nil {
		p.add(checked+1, "events %d to %d are missing: checkpoint %s of the checkpoint file recorded %d events",
			checked+1, newest.cp.EventID, name(newest.cp), newest.cp.EventCount)
	}
	hashes, err := db.AuditEventHashes(ctx, ids)
	if err != nil {
		return err
	}
	for i := range file {
		l := &file[i]
		if h, ok := hashes[l.cp.EventID]; !l.bad && ok && h != l.cp.HeadHash {
			p.add(l.cp.EventID, "event %d differs from checkpoint %s of the checkpoint file", l.cp.EventID, name(l.cp))
		}
	}
	return nil
}
