package opsweb

import (
	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
)

// limitNoteTexts say, with the figures, which drafting limits an operation or batch went
// over: why it needs one approval more than its policy.
func limitNoteTexts(tr *i18n.Translator, notes []approval.LimitBreach) []string {
	out := make([]string, 0, len(notes))
	for _, n := range notes {
		out = append(out, tr.T("limit.note."+n.Limit, n.Params()))
	}
	return out
}
