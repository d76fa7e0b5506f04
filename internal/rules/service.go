package rules

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// Audit actions of rules. A rule's changes are operations (operation.*); these record
// what the approved change did to the rule, and the admins' switch.
const (
	ActionCreate    = "rule.create"
	ActionUpdate    = "rule.update"
	ActionPause     = "rule.pause"
	ActionResume    = "rule.resume"
	ActionPauseAll  = "rule.pause_all"
	ActionResumeAll = "rule.resume_all"
	// TargetRule is the audit target type of a rule.
	TargetRule = "topup_rule"
)

// Options configure the rules' use cases; zero values take the defaults.
type Options struct {
	// Zone is where days and months are counted (trigger windows, monthly caps): the
	// display zone, since Huawei Cloud's China site bills by Beijing days.
	Zone  *time.Location
	Clock func() time.Time
	Log   *slog.Logger
}

// beijing is the display zone (webcore.DisplayZone's choice, for packages below web).
var beijing = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

func (o Options) withDefaults() Options {
	if o.Zone == nil {
		o.Zone = beijing
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Service is what the rules' pages use: drafting changes, reading rules and their
// totals, the admins' switch.
type Service struct {
	db   *store.DB
	ops  *approval.Service
	opts Options
}

// NewService returns the Service; ops drafts the rule changes as operations.
func NewService(db *store.DB, ops *approval.Service, o Options) *Service {
	return &Service{db: db, ops: ops, opts: o.withDefaults()}
}

// Zone is where the service counts days and months.
func (s *Service) Zone() *time.Location { return s.opts.Zone }

func (s *Service) now() time.Time { return s.opts.Clock().UTC().Truncate(time.Microsecond) }

func actorMeta(a approval.Actor) audit.Meta { return a.Meta.WithActor(a.UserID, a.Username) }

// Validate checks a rule form against the cache as Propose would and returns the
// definition an approver would sign (the preview).
func (s *Service) Validate(ctx context.Context, a approval.Actor, in Input) (*Definition, error) {
	d, err := s.definition(ctx, a, in)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func (s *Service) definition(ctx context.Context, a approval.Actor, in Input) (Definition, error) {
	var d Definition
	ve := &ValidationError{}
	definitionOf(in, &d, s.now(), s.opts.Zone, ve)
	if strings.TrimSpace(in.Reason) == "" {
		ve.add("reason", "op.err.reason_required", nil)
	}
	if err := s.target(ctx, a, in, &d, ve); err != nil {
		return d, err
	}
	d.State = StateActive
	return d, ve.orNil()
}

// target resolves the rule's accounts in the cache, inside a's scope.
func (s *Service) target(ctx context.Context, a approval.Actor, in Input, d *Definition, ve *ValidationError) error {
	id := strings.TrimSpace(in.TargetID)
	d.Target.Kind, d.Target.ID = in.TargetKind, id
	if id == "" {
		ve.add("target_id", "rules.err.target_required", nil)
		return nil
	}
	switch in.TargetKind {
	case TargetSubAccount:
		sa, err := s.db.SubAccountByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			ve.add("target_id", "op.err.sub_account_not_found", map[string]any{"id": id})
			return nil
		}
		if err != nil {
			return err
		}
		if !authz.InScope(a.Subject(), sa.OrgPath) {
			return approval.ErrOutOfScope
		}
		if sa.Status != int(bss.SubAccountNormal) {
			ve.add("target_id", "op.err.sub_account_inactive", map[string]any{"status": sa.Status})
		}
		d.Target.Name, d.Target.OrgPath, d.Master = sa.Name, sa.OrgPath, sa.MasterAccountID
		if sa.Currency != "" {
			d.Currency = sa.Currency
		}
	case TargetOrgUnit:
		org, err := s.db.OrganizationByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			ve.add("target_id", "rules.err.org_not_found", map[string]any{"id": id})
			return nil
		}
		if err != nil {
			return err
		}
		if !authz.InScope(a.Subject(), org.Path) {
			return approval.ErrOutOfScope
		}
		master, err := s.db.OrganizationMaster(ctx, id)
		if err != nil {
			return err
		}
		d.Target.Name, d.Target.OrgPath, d.Master = org.Name, org.Path, master
	default:
		ve.add("target_kind", "rules.err.target_kind", nil)
		return nil
	}
	if d.Master == "" {
		ve.add("target_id", "rules.err.target_not_synced", nil)
	}
	return nil
}

// Propose drafts a new rule: a pending topup_rule operation whose snapshot is the rule.
func (s *Service) Propose(ctx context.Context, a approval.Actor, in Input, idemKey string) (*approval.Operation, error) {
	if !authz.Allowed(a.Subject(), authz.ManageRules, authz.Target{}) {
		return nil, ErrForbidden
	}
	d, err := s.definition(ctx, a, in)
	if err != nil {
		return nil, err
	}
	return s.draft(ctx, a, Change{Change: ChangeCreate, Rule: d}, in.Reason, idemKey)
}

// ProposeUpdate drafts a change of rule id to the form's definition; it applies only if
// nobody changed the rule meanwhile. The rule's state stays as it is.
func (s *Service) ProposeUpdate(ctx context.Context, a approval.Actor, id int64, in Input, idemKey string) (*approval.Operation, error) {
	if !authz.Allowed(a.Subject(), authz.ManageRules, authz.Target{}) {
		return nil, ErrForbidden
	}
	cur, err := s.Get(ctx, a.Subject(), id)
	if err != nil {
		return nil, err
	}
	d, err := s.definition(ctx, a, in)
	if err != nil {
		return nil, err
	}
	d.State = cur.Definition.State
	return s.draft(ctx, a, Change{Change: ChangeUpdate, RuleID: id, BaseVersion: cur.Version, Rule: d}, in.Reason, idemKey)
}

// ProposeState drafts pausing (pause) or resuming rule id.
func (s *Service) ProposeState(ctx context.Context, a approval.Actor, id int64, pause bool, reason string) (*approval.Operation, error) {
	if !authz.Allowed(a.Subject(), authz.ManageRules, authz.Target{}) {
		return nil, ErrForbidden
	}
	cur, err := s.Get(ctx, a.Subject(), id)
	if err != nil {
		return nil, err
	}
	ch := Change{Change: ChangeResume, RuleID: id, BaseVersion: cur.Version, Rule: cur.Definition}
	ch.Rule.State = StateActive
	if pause {
		ch.Change, ch.Rule.State = ChangePause, StatePaused
	}
	if ch.Rule.State == cur.Definition.State {
		return nil, ErrNoChange
	}
	return s.draft(ctx, a, ch, reason, "")
}

func (s *Service) draft(ctx context.Context, a approval.Actor, ch Change, reason, idemKey string) (*approval.Operation, error) {
	snap, err := json.Marshal(ch)
	if err != nil {
		return nil, err
	}
	return s.ops.CreateRuleChange(ctx, a, approval.RuleChange{Snapshot: snap, Master: ch.Rule.Master, OrgPath: ch.Rule.Target.OrgPath,
		MonthlyCap: ch.Rule.amount(ch.Rule.Caps.Month), Reason: reason}, idemKey)
}

// ruleOf converts a stored row.
func ruleOf(r store.TopUpRule) (Rule, error) {
	out := Rule{ID: r.ID, Version: r.Version, OwnerID: r.OwnerID, OwnerName: r.OwnerName, ApproverIDs: r.Approvers(),
		LastOperationID: r.LastOperationID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Definition), &out.Definition); err != nil {
		return out, err
	}
	return out, nil
}

// Get reads rule id for sub: outside sub's scope it does not exist (ErrNotFound).
func (s *Service) Get(ctx context.Context, sub authz.Subject, id int64) (*Rule, error) {
	row, err := s.db.TopUpRuleByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r, err := ruleOf(*row)
	if err != nil {
		return nil, err
	}
	if !authz.InScope(sub, r.Definition.Target.OrgPath) {
		return nil, ErrNotFound
	}
	return &r, nil
}

// Totals is what a rule paid this month against its caps.
type Totals struct {
	Month    string // YYYY-MM
	Spent    money.Amount
	Cap      money.Amount
	TopUps   int
	Payments []store.RulePayment // newest first, failed ones included
}

// Summary is a rule with this month's totals.
type Summary struct {
	Rule   Rule
	Totals Totals
}

// Month is the calendar month of t in the zone, as the caps count it.
func (s *Service) Month(t time.Time) string { return t.In(s.opts.Zone).Format("2006-01") }

// List returns the rules sub may see, newest first, with this month's totals.
func (s *Service) List(ctx context.Context, sub authz.Subject) ([]Summary, error) {
	rows, err := s.db.ListTopUpRules(ctx, store.TopUpRuleFilter{Scopes: scopeOf(sub)})
	if err != nil {
		return nil, err
	}
	month := s.Month(s.now())
	pays, err := s.db.RulePayments(ctx, 0, month, false)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(rows))
	for _, row := range rows {
		r, err := ruleOf(row)
		if err != nil {
			return nil, err
		}
		out = append(out, Summary{Rule: r, Totals: totalsOf(r, month, pays)})
	}
	return out, nil
}

// Totals returns rule r's totals this month.
func (s *Service) Totals(ctx context.Context, r Rule) (Totals, error) {
	month := s.Month(s.now())
	pays, err := s.db.RulePayments(ctx, r.ID, month, false)
	if err != nil {
		return Totals{}, err
	}
	return totalsOf(r, month, pays), nil
}

func totalsOf(r Rule, month string, pays []store.RulePayment) Totals {
	cur := r.Definition.currency()
	t := Totals{Month: month, Spent: money.Zero(cur), Cap: r.Definition.amount(r.Definition.Caps.Month)}
	for _, p := range pays {
		if p.RuleID != r.ID {
			continue
		}
		t.Payments = append(t.Payments, p)
		if spent(p.State) {
			t.Spent = t.Spent.Add(r.Definition.amount(p.Amount))
			t.TopUps++
		}
	}
	return t
}

func spent(state string) bool {
	switch approval.State(state) {
	case approval.StateApproved, approval.StateExecuting, approval.StateSucceeded, approval.StateUnknown:
		return true
	}
	return false
}

// MonthTopUps is this month's automatic top-ups sub may see (the dashboard), newest
// first, with their total (failed ones left out).
func (s *Service) MonthTopUps(ctx context.Context, sub authz.Subject) ([]store.RulePayment, money.Amount, error) {
	pays, err := s.db.RulePayments(ctx, 0, s.Month(s.now()), true)
	total := money.Zero(money.DefaultCurrency)
	if err != nil {
		return nil, total, err
	}
	rules := map[int64]bool{}
	visible, err := s.List(ctx, sub)
	if err != nil {
		return nil, total, err
	}
	for _, r := range visible {
		rules[r.Rule.ID] = true
	}
	var out []store.RulePayment
	for _, p := range pays {
		if rules[p.RuleID] {
			out = append(out, p)
			if a, err := money.FromUpstream(p.Amount, money.DefaultCurrency); err == nil {
				total = total.Add(a)
			}
		}
	}
	return out, total, nil
}

// scopeOf is the SQL scope of sub's rule lists (nil: everything).
func scopeOf(sub authz.Subject) []string {
	q := authz.ScopeOf(sub)
	if q.All {
		return nil
	}
	return append([]string{}, q.OrgIDs...)
}

// Switch is the admins' pause of every rule.
type Switch struct {
	Paused    bool
	ChangedBy string
	ChangedAt *time.Time
}

// Switch reads the admins' switch.
func (s *Service) Switch(ctx context.Context) (Switch, error) {
	p, by, at, err := s.db.TopUpRulesPaused(ctx)
	return Switch{Paused: p, ChangedBy: by, ChangedAt: at}, err
}

// SetAllPaused pauses (or resumes) every rule at once, with its audit event: an admin's
// emergency stop, effective at the next evaluation without an approval. Setting what is
// already set changes nothing and records nothing.
func (s *Service) SetAllPaused(ctx context.Context, a approval.Actor, paused bool) error {
	if !authz.Allowed(a.Subject(), authz.PauseAllRules, authz.Target{}) {
		return ErrForbidden
	}
	action := ActionResumeAll
	if paused {
		action = ActionPauseAll
	}
	return s.db.InTx(ctx, func(tx *store.DB) error {
		changed, err := tx.SetTopUpRulesPaused(ctx, paused, a.Username, s.now())
		if err != nil || !changed {
			return err
		}
		return audit.Record(ctx, tx, actorMeta(a), audit.Entry{Action: action, TargetType: TargetRule, TargetID: "all",
			Outcome: audit.Success, Details: map[string]any{"paused": paused}})
	})
}

// History is rule id's changes: its topup_rule operations, oldest first.
func (s *Service) History(ctx context.Context, sub authz.Subject, id int64) ([]store.AuditEvent, error) {
	if _, err := s.Get(ctx, sub, id); err != nil {
		return nil, err
	}
	return s.db.ListAudit(ctx, store.AuditFilter{TargetType: TargetRule, TargetID: strconv.FormatInt(id, 10), Ascending: true, Limit: store.AuditMaxLimit})
}
