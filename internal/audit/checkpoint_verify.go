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
// database: each must be signed by this signer's key and still match the event it names
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
// every line must be signed by this signer's key, be in the database unchanged, and the
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
	// The lines of the file by the key their checkpoint has in the database.
	inFile := map[string]*fileLine{}
	found := map[string]bool{}
	for i := range file {
		l := &file[i]
		switch {
		case l.bad:
			p.addCheckpoint(max(1, v.Checked), "line %d of the checkpoint file is not a checkpoint", l.n)
		case l.cp.PublicKey != s.PublicKey() || !ValidSignature(l.cp):
			p.addCheckpoint(l.cp.EventID, "line %d of the checkpoint file is not signed by this portal's key", l.n)
			l.bad = true
		default:
			inFile[name(l.cp)] = l
		}
	}
	r.FileCheckpoints = len(inFile)

	var lastLegacy, prev *store.AuditCheckpoint
	var newest store.AuditCheckpoint // the checkpoint naming the most events
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
			if cp.PublicKey != s.PublicKey() || !ValidSignature(cp) {
				p.addCheckpoint(cp.EventID, "checkpoint %s is not signed by this portal's key", name(cp))
				continue
			}
			if cp.EventID > newest.EventID {
				newest = cp
			}
			if h, ok := hashes[cp.EventID]; ok && h != cp.HeadHash {
				p.add(cp.EventID, "event %d differs from checkpoint %s: the chain was rewritten from there or before", cp.EventID, name(cp))
			}
			if l := inFile[name(cp)]; l != nil {
				found[name(cp)] = true
				if l.cp.Signature != cp.Signature {
					p.addCheckpoint(cp.EventID, "checkpoint %s differs from line %d of the checkpoint file", name(cp), l.n)
				}
			}
			if cp.Seq == 0 {
				lastLegacy = &cp
				continue
			}
			s.checkLink(&p, prev, lastLegacy, cp)
			prev = &cp
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if newest.EventID > v.Checked {
		p.add(v.Checked+1, "events %d to %d are missing: checkpoint %s of %s recorded %d events",
			v.Checked+1, newest.EventID, name(newest), newest.CreatedAt.Format("2006-01-02 15:04:05Z"), newest.EventCount)
	}
	if err := s.checkFile(ctx, db, &p, file, found, v.Checked); err != nil {
		return Result{}, err
	}
	return p.result(r), nil
}

// checkLink checks that chained checkpoint cp follows prev (nil for the first one, which
// links to the newest legacy checkpoint, or to nothing on a trail that had none).
func (s *Signer) checkLink(p *problems, prev, lastLegacy *store.AuditCheckpoint, cp store.AuditCheckpoint) {
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
	switch {
	case cp.Seq == wantSeq+1:
		p.addCheckpoint(cp.EventID, "checkpoint seq %d is missing: %s", wantSeq, after)
	case cp.Seq > wantSeq:
		p.addCheckpoint(cp.EventID, "checkpoints seq %d to %d are missing: %s", wantSeq, cp.Seq-1, after)
	case cp.PrevSignature == wantPrev:
	case prev == nil:
		p.addCheckpoint(cp.EventID, "the checkpoint before seq 1 is missing: seq 1 names a checkpoint that is not in the database")
	default:
		p.addCheckpoint(cp.EventID, "checkpoint seq %d does not follow checkpoint seq %d: the checkpoints were altered", cp.Seq, prev.Seq)
	}
	if prev != nil && cp.EventID < prev.EventID {
		p.addCheckpoint(cp.EventID, "checkpoint seq %d names fewer events than checkpoint seq %d", cp.Seq, prev.Seq)
	}
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
