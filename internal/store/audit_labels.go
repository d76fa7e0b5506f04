package store

import "context"

// Name lookups in bulk, for showing an audit page's targets by name: one query per
// target type for the whole page, never one per row.

// UserName is a user's names.
type UserName struct {
	ID          int64
	Username    string
	DisplayName string
}

// UserNamesByIDs reads the names of users by id; ids that are not users are absent.
func (db *DB) UserNamesByIDs(ctx context.Context, ids []int64) (map[int64]UserName, error) {
	out := map[int64]UserName{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []UserName
	err := db.gorm.WithContext(ctx).Raw("SELECT id, username, display_name FROM users WHERE id IN ?", ids).Scan(&rows).Error
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, translate("user names by ids", err)
}

// SubAccountName is a sub-account's names.
type SubAccountName struct {
	ID          string
	Name        string
	DisplayName string
}

// SubAccountNamesByIDs reads the names of cached sub-accounts by id; ids not in the
// cache are absent.
func (db *DB) SubAccountNamesByIDs(ctx context.Context, ids []string) (map[string]SubAccountName, error) {
	out := map[string]SubAccountName{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []SubAccountName
	err := db.gorm.WithContext(ctx).Raw("SELECT id, name, display_name FROM sub_accounts WHERE id IN ?", ids).Scan(&rows).Error
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, translate("sub-account names by ids", err)
}
