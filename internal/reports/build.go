package reports

import (
	"bytes"
	"context"
	"fmt"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/store"
)

// ContentType is the media type of a report file.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// FileName is the name of the report file of period p: purser-daily-2026-11-24.xlsx.
func FileName(p Period) string { return fmt.Sprintf("purser-%s-%s.xlsx", p.Frequency, p.Label()) }

// Build makes the xlsx of period p for u, in lang: one sheet per section u may read,
// headed in lang, with the figures of u's scope (authz.ScopeOf, applied in SQL) as they
// are now.
func (s *Service) Build(ctx context.Context, u store.User, p Period, lang string) ([]byte, error) {
	tr, err := translator(lang)
	if err != nil {
		return nil, err
	}
	sub := SubjectOf(u)
	in := &Input{User: u, Subject: sub, Scope: authz.ScopeOf(sub), Period: p, Now: s.now(), T: tr}
	var buf bytes.Buffer
	wb, err := export.NewWorkbook(&buf)
	if err != nil {
		return nil, err
	}
	for _, sec := range s.sectionsFor(sub) {
		sh, err := wb.Sheet(tr.T("reports.sheet." + sec.Key))
		if err != nil {
			_ = wb.Close()
			return nil, err
		}
		if err := sec.Write(ctx, in, sh); err != nil {
			_ = wb.Close()
			return nil, fmt.Errorf("reports: section %s: %w", sec.Key, err)
		}
	}
	if err := wb.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
