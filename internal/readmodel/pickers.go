package readmodel

import (
	"context"
	"slices"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/store"
)

// The draft form's pickers: the sub-accounts, coupons and resources a maker may choose
// from. Each reads within the maker's scope (in SQL) and leaves out the masters no longer
// configured, whose accounts nothing could act on. They are read now, not from the read
// cache: a type-ahead asks anew with every keystroke, and a form shows what is there.

// pickMax bounds every picker's list (and one account's resources).
const pickMax = 500

// SubAccountPicks is what the sub-account picker offers for typed text.
type SubAccountPicks struct {
	Rows []store.SubAccount // by name
	More bool               // more match than were asked for
}

// PickSubAccounts is up to limit sub-accounts in scope that an operation can name —
// normal ones of a configured master — whose name or display name contains q, or whose
// id starts with it; q "" offers the first by name.
func (r *Reader) PickSubAccounts(ctx context.Context, scope authz.QueryScope, q string, hidden []string, limit int) (SubAccountPicks, error) {
	p, err := r.db.ListSubAccountsUncounted(ctx, scope, store.SubAccountFilter{Q: q, QMatchesID: true,
		Status: int(bss.SubAccountNormal), HiddenMasters: hidden, Sort: store.SortName, Limit: min(limit, pickMax)})
	return SubAccountPicks{Rows: p.Items, More: p.NextCursor != ""}, err
}

// CouponChoices are the coupons an operation on holder may use: with holder "", the
// master's coupons that can be allocated (master's only when given, else every
// configured master's); otherwise the sub-coupons holder holds, which can be recovered.
// Soonest expiry first.
func (r *Reader) CouponChoices(ctx context.Context, scope authz.QueryScope, holder, master string, hidden []string) ([]store.Coupon, error) {
	rows, _, err := r.db.ListCoupons(ctx, scope, store.CouponFilter{SubAccountID: holder, MasterAccountID: master, HiddenMasters: hidden, Limit: pickMax})
	return rows, err
}

// ResourceChoiceFilter says whose resources the resource picker lists.
type ResourceChoiceFilter struct {
	Account       string     // the account owning them; "" or one not offered: the first offered
	Until         *time.Time // only those expiring by then (nil: all)
	HiddenMasters []string
}

// ResourceChoices are what the resource picker offers.
type ResourceChoices struct {
	// Accounts are the accounts owning resources in scope, of configured masters: the
	// masters themselves and the sub-accounts synced with their own credentials.
	Accounts []string
	// Holders names them (nil: a master).
	Holders map[string]*store.SubAccount
	Account string // the account listed ("" when there is none)
	// Rows are its main resources that are not closed and expire by Until, soonest first:
	// what one renewal, unsubscription or billing change can name.
	Rows []store.Resource
	// Others are the ids of its other such resources, which Until leaves out: a pick
	// made before the filter narrowed stays a pick.
	Others []string
}

// InUse reports whether a resource is in use: the picker names any other status (frozen,
// expired) beside it.
func InUse(r store.Resource) bool { return r.Status == int(bss.ResourceInUse) }

// ResourceChoices lists one account's resources for the resource picker.
func (r *Reader) ResourceChoices(ctx context.Context, scope authz.QueryScope, f ResourceChoiceFilter) (ResourceChoices, error) {
	var out ResourceChoices
	accounts, err := r.db.ResourceAccounts(ctx, scope)
	if err != nil {
		return out, err
	}
	holders, err := r.Holders(ctx, accounts)
	if err != nil {
		return out, err
	}
	out.Holders = holders
	for _, id := range accounts {
		master := id
		if h := holders[id]; h != nil {
			master = h.MasterAccountID
		}
		if !slices.Contains(f.HiddenMasters, id) && !slices.Contains(f.HiddenMasters, master) {
			out.Accounts = append(out.Accounts, id)
		}
	}
	if len(out.Accounts) == 0 {
		return out, nil
	}
	out.Account = f.Account
	if !slices.Contains(out.Accounts, out.Account) {
		out.Account = out.Accounts[0]
	}
	all, _, err := r.db.ListResources(ctx, scope, store.ResourceFilter{AccountID: out.Account, MainOnly: true, Limit: pickMax})
	if err != nil {
		return out, err
	}
	for _, x := range all {
		switch {
		case x.Status == int(bss.ResourceClosed):
		case f.Until == nil || (x.Expire != nil && !x.Expire.After(*f.Until)):
			out.Rows = append(out.Rows, x)
		default:
			out.Others = append(out.Others, x.ResourceID)
		}
	}
	return out, nil
}
