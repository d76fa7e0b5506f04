package approval

import "context"

// RouteStatus is the approval route of an operation or batch as its page shows it: what
// it needs, level by level, how far it got, who can approve each level still waiting,
// and whether the viewer can approve it now (or why not: one of the Reason values).
type RouteStatus struct {
	Route      Route
	Levels     []LevelStatus
	CanApprove bool
	YourLevel  int
	WhyNot     string
}

// LevelStatus is one level of a route.
type LevelStatus struct {
	Level     int
	GroupID   int64  // 0: any approver
	GroupName string // "" for any approver, or when the group is gone
	Count     int
	Approved  int
	Done      bool
	// Open: it takes approvals now (an ordered route's later level waits for the earlier).
	Open bool
	// Approvers may approve at this level: now when it is open, once the earlier levels
	// are complete otherwise. Empty for a complete level and when nothing is pending.
	Approvers []string
}

// OperationRoute is the route of operation id for a, who may read it (ErrNotFound
// otherwise, as Get).
func (s *Service) OperationRoute(ctx context.Context, a Actor, id int64) (RouteStatus, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return RouteStatus{}, err
	}
	if !canSee(a, r) {
		return RouteStatus{}, ErrNotFound
	}
	aps, err := s.db.ApprovalsOf(ctx, []int64{id})
	if err != nil {
		return RouteStatus{}, err
	}
	t := opTarget(r, aps[id])
	if r.BatchID != nil {
		// A batch's row is decided with its batch, along the batch's route.
		return s.routeStatus(ctx, a, t, false)
	}
	return s.routeStatus(ctx, a, t, r.State == string(StatePending))
}

// BatchRoute is the route of batch id for a, who may read it (as GetBatch).
func (s *Service) BatchRoute(ctx context.Context, a Actor, id int64) (RouteStatus, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return RouteStatus{}, err
	}
	decisions, err := s.db.BatchApprovals(ctx, id)
	if err != nil {
		return RouteStatus{}, err
	}
	paths, err := s.db.BatchOrgPaths(ctx, []int64{id})
	if err != nil {
		return RouteStatus{}, err
	}
	return s.routeStatus(ctx, a, batchTarget(b, paths[id], decisions), b.State == string(StatePending))
}

func (s *Service) routeStatus(ctx context.Context, a Actor, t approvalTarget, pending bool) (RouteStatus, error) {
	names, err := s.groupNames(ctx)
	if err != nil {
		return RouteStatus{}, err
	}
	out := RouteStatus{Route: t.route}
	n := t.approvedAt()
	open, _ := t.openLevels()
	var who [][]string
	if pending {
		if who, err = s.approversAt(ctx, s.db, t); err != nil {
			return RouteStatus{}, err
		}
		el, err := s.eligibleApprover(ctx, s.db, a, t)
		if err != nil {
			return RouteStatus{}, err
		}
		out.CanApprove, out.YourLevel, out.WhyNot = el.OK, el.Level, el.Reason
		if el.OK {
			held, err := s.holdsDelegationOf(ctx, a, t.requestedBy)
			if err != nil {
				return RouteStatus{}, err
			}
			if held {
				out.CanApprove, out.YourLevel, out.WhyNot = false, 0, ReasonDelegator
			}
		}
	}
	for i, l := range t.route.Levels {
		ls := LevelStatus{Level: i + 1, GroupID: l.GroupID, GroupName: names[l.GroupID], Count: l.Count, Approved: n[i],
			Done: n[i] >= l.Count}
		for _, o := range open {
			ls.Open = ls.Open || o == i+1
		}
		if pending && !ls.Done {
			ls.Approvers = who[i]
		}
		out.Levels = append(out.Levels, ls)
	}
	return out, nil
}

// groupNames maps every group's id to its name.
func (s *Service) groupNames(ctx context.Context) (map[int64]string, error) {
	gs, err := s.db.ApproverGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(gs))
	for _, g := range gs {
		out[g.ID] = g.Name
	}
	return out, nil
}
