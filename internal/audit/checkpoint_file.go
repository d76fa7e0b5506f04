package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/purser-finance/purser/internal/store"
)

// CheckpointLine is one checkpoint as a JSON line: the format of
// PORTAL_AUDIT_CHECKPOINT_FILE, of `portal audit checkpoints` and of the download on the
// verification page, so that any of them can be given to `portal audit verify
// --checkpoints`. Seq and prev_signature are absent on legacy (v1) checkpoints.
type CheckpointLine struct {
	ID            int64     `json:"id"`
	CreatedAt     time.Time `json:"created_at"`
	Seq           int64     `json:"seq,omitempty"`
	EventID       int64     `json:"event_id"`
	EventCount    int64     `json:"event_count"`
	HeadHash      string    `json:"head_hash"`
	PrevSignature string    `json:"prev_signature,omitempty"`
	PublicKey     string    `json:"public_key"`
	Signature     string    `json:"signature"`
}

// Line is cp as a JSON line.
func Line(cp store.AuditCheckpoint) CheckpointLine {
	return CheckpointLine{ID: cp.ID, CreatedAt: cp.CreatedAt.UTC(), Seq: cp.Seq, EventID: cp.EventID, EventCount: cp.EventCount,
		HeadHash: cp.HeadHash, PrevSignature: cp.PrevSignature, PublicKey: cp.PublicKey, Signature: cp.Signature}
}

// Checkpoint is the line as a checkpoint.
func (l CheckpointLine) Checkpoint() store.AuditCheckpoint {
	return store.AuditCheckpoint{ID: l.ID, CreatedAt: l.CreatedAt, Seq: l.Seq, EventID: l.EventID, EventCount: l.EventCount,
		HeadHash: l.HeadHash, PrevSignature: l.PrevSignature, PublicKey: l.PublicKey, Signature: l.Signature}
}

// AppendCheckpointFile appends cp to path as one JSON line and syncs it to disk before
// returning. The line goes out in a single write on a file opened O_APPEND, so replicas
// sharing the file do not interleave their lines.
func AppendCheckpointFile(path string, cp store.AuditCheckpoint) error {
	b, err := json.Marshal(Line(cp))
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// fileLine is one line read back: its number in the file, the checkpoint, or why the
// line is not one.
type fileLine struct {
	n   int
	cp  store.AuditCheckpoint
	bad bool
}

// readCheckpointFile reads every line of a checkpoint file; blank lines are skipped.
func readCheckpointFile(path string) ([]fileLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint file: %w", err)
	}
	defer f.Close()
	var out []fileLine
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 && len(bytes.TrimSpace(b)) > 0 {
			var l CheckpointLine
			if jerr := json.Unmarshal(b, &l); jerr != nil || l.EventID <= 0 || l.Signature == "" {
				out = append(out, fileLine{n: n, bad: true})
			} else {
				out = append(out, fileLine{n: n, cp: l.Checkpoint()})
			}
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("audit: checkpoint file: %w", err)
		}
	}
}
