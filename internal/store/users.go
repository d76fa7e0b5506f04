package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// User is a portal account with its roles and org scopes.
type User struct {
	ID int64
	// Username is stored and returned lower-cased: usernames are unique
	// regardless of case, identically on both dialects.
	Username    string
	DisplayName string
	// Email is the address operation notifications are sent to; "" = none. The caller
	// validates it (internal/users); personal data, shown only to admins and the user.
	Email string
	// Language is the user's chosen language ("en", "zh"; "" = none yet): their e-mails
	// are written in it.
	Language     string
	PasswordHash string
	// TOTPSecret is ciphertext produced by the caller; "" = no second factor enrolled.
	TOTPSecret  string
	Disabled    bool
	Roles       []string // sorted, never nil
	Scopes      []string // org_id values, sorted, never nil
	LastLoginAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// userRow is the users table; roles and scopes live in their own tables.
type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Username     string
	DisplayName  string
	Email        string
	Language     string
	PasswordHash string
	TOTPSecret   string `gorm:"column:totp_secret"`
	// TOTPLastStep is written only by ClaimTOTPStep and SetUserTOTP.
	TOTPLastStep *int64 `gorm:"column:totp_last_step"`
	Disabled     bool
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

type userRoleRow struct {
	UserID int64  `gorm:"primaryKey"`
	Role   string `gorm:"primaryKey"`
}

func (userRoleRow) TableName() string { return "user_roles" }

type userScopeRow struct {
	UserID int64  `gorm:"primaryKey"`
	OrgID  string `gorm:"primaryKey"`
}

func (userScopeRow) TableName() string { return "user_scopes" }

// NormalizeUsername is the form usernames are stored and looked up in.
func NormalizeUsername(username string) string { return strings.ToLower(username) }

func (r userRow) user(roles, scopes []string) User {
	return User{
		ID:           r.ID,
		Username:     r.Username,
		DisplayName:  r.DisplayName,
		Email:        r.Email,
		Language:     r.Language,
		PasswordHash: r.PasswordHash,
		TOTPSecret:   r.TOTPSecret,
		Disabled:     r.Disabled,
		Roles:        nonNil(roles),
		Scopes:       nonNil(scopes),
		LastLoginAt:  utcPtr(r.LastLoginAt),
		CreatedAt:    r.CreatedAt.UTC(),
		UpdatedAt:    r.UpdatedAt.UTC(),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// uniqueSorted returns the distinct non-empty values of s, sorted.
func uniqueSorted(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CreateUser inserts u with its roles and scopes and sets u.ID, u.CreatedAt,
// u.UpdatedAt (and lower-cases u.Username). A username already taken, in any
// letter case, gives ErrConflict.
func (db *DB) CreateUser(ctx context.Context, u *User) error {
	if strings.TrimSpace(u.Username) == "" {
		return fmt.Errorf("store: create user: empty username")
	}
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	row := userRow{
		Username:     NormalizeUsername(u.Username),
		DisplayName:  u.DisplayName,
		Email:        u.Email,
		Language:     u.Language,
		PasswordHash: u.PasswordHash,
		TOTPSecret:   u.TOTPSecret,
		Disabled:     u.Disabled,
		LastLoginAt:  utcPtr(u.LastLoginAt),
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	roles, scopes := uniqueSorted(u.Roles), uniqueSorted(u.Scopes)
	err = db.InTx(ctx, func(tx *DB) error {
		if err := tx.gorm.WithContext(ctx).Create(&row).Error; err != nil {
			return translate("create user", err)
		}
		return tx.insertRolesScopes(ctx, row.ID, roles, scopes)
	})
	if err != nil {
		return err
	}
	u.ID, u.Username, u.CreatedAt, u.UpdatedAt = row.ID, row.Username, now, now
	u.Roles, u.Scopes = roles, scopes
	u.LastLoginAt = row.LastLoginAt
	return nil
}

func (db *DB) insertRolesScopes(ctx context.Context, id int64, roles, scopes []string) error {
	if len(roles) > 0 {
		rows := make([]userRoleRow, len(roles))
		for i, r := range roles {
			rows[i] = userRoleRow{UserID: id, Role: r}
		}
		if err := db.gorm.WithContext(ctx).Create(&rows).Error; err != nil {
			return translate("insert user roles", err)
		}
	}
	if len(scopes) > 0 {
		rows := make([]userScopeRow, len(scopes))
		for i, s := range scopes {
			rows[i] = userScopeRow{UserID: id, OrgID: s}
		}
		if err := db.gorm.WithContext(ctx).Create(&rows).Error; err != nil {
			return translate("insert user scopes", err)
		}
	}
	return nil
}

// UserByID returns the user with its roles and scopes.
func (db *DB) UserByID(ctx context.Context, id int64) (*User, error) {
	return db.userWhere(ctx, "id = ?", id)
}

// UserByUsername finds a user by username, ignoring letter case.
func (db *DB) UserByUsername(ctx context.Context, username string) (*User, error) {
	return db.userWhere(ctx, "username = ?", NormalizeUsername(username))
}

func (db *DB) userWhere(ctx context.Context, cond string, arg any) (*User, error) {
	if !db.isSQLite() {
		return db.userWhereOneQuery(ctx, cond, arg)
	}
	var rows []userRow
	if err := db.gorm.WithContext(ctx).Where(cond, arg).Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("get user", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get user: %w", ErrNotFound)
	}
	users, err := db.withRolesScopes(ctx, rows)
	if err != nil {
		return nil, err
	}
	return &users[0], nil
}

// userWhereOneQuery is userWhere in one round trip on Postgres: the user row with its
// roles and scopes aggregated alongside (every request loads its user fresh, so this is
// on the hot path of every page).
func (db *DB) userWhereOneQuery(ctx context.Context, cond string, arg any) (*User, error) {
	var rows []struct {
		ID           int64
		Username     string
		DisplayName  string
		Email        string
		Language     string
		PasswordHash string
		TOTPSecret   string `gorm:"column:totp_secret"`
		Disabled     bool
		LastLoginAt  *time.Time
		CreatedAt    time.Time
		UpdatedAt    time.Time
		RolesJSON    string
		ScopesJSON   string
	}
	q := `SELECT u.id, u.username, u.display_name, u.email, u.language, u.password_hash, u.totp_secret, u.disabled, u.last_login_at, u.created_at, u.updated_at,
		COALESCE((SELECT json_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '[]')::text AS roles_json,
		COALESCE((SELECT json_agg(s.org_id ORDER BY s.org_id) FROM user_scopes s WHERE s.user_id = u.id), '[]')::text AS scopes_json
		FROM users u WHERE u.` + cond + ` LIMIT 1`
	if err := db.gorm.WithContext(ctx).Raw(q, arg).Scan(&rows).Error; err != nil {
		return nil, translate("get user", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get user: %w", ErrNotFound)
	}
	var roles, scopes []string
	if err := json.Unmarshal([]byte(rows[0].RolesJSON), &roles); err != nil {
		return nil, fmt.Errorf("store: get user: roles: %w", err)
	}
	if err := json.Unmarshal([]byte(rows[0].ScopesJSON), &scopes); err != nil {
		return nil, fmt.Errorf("store: get user: scopes: %w", err)
	}
	r := rows[0]
	u := userRow{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Email: r.Email, Language: r.Language, PasswordHash: r.PasswordHash,
		TOTPSecret: r.TOTPSecret, Disabled: r.Disabled, LastLoginAt: r.LastLoginAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}.user(roles, scopes)
	return &u, nil
}

// ListUsers returns every user ordered by username, with roles and scopes
// (three queries in all, whatever the number of users).
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	var rows []userRow
	if err := db.gorm.WithContext(ctx).Order("username").Find(&rows).Error; err != nil {
		return nil, translate("list users", err)
	}
	return db.withRolesScopes(ctx, rows)
}

// withRolesScopes loads the roles and scopes of rows in two queries.
func (db *DB) withRolesScopes(ctx context.Context, rows []userRow) ([]User, error) {
	out := make([]User, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var roles []userRoleRow
	var scopes []userScopeRow
	q := db.gorm.WithContext(ctx)
	if len(rows) == 1 {
		q = q.Where("user_id = ?", ids[0])
	} else if len(rows) <= 500 {
		q = q.Where("user_id IN ?", ids)
	} // else: all rows, cheaper than a huge IN list
	if err := q.Order("user_id, role").Find(&roles).Error; err != nil {
		return nil, translate("load user roles", err)
	}
	q = db.gorm.WithContext(ctx)
	if len(rows) == 1 {
		q = q.Where("user_id = ?", ids[0])
	} else if len(rows) <= 500 {
		q = q.Where("user_id IN ?", ids)
	}
	if err := q.Order("user_id, org_id").Find(&scopes).Error; err != nil {
		return nil, translate("load user scopes", err)
	}
	roleMap := make(map[int64][]string)
	for _, r := range roles {
		roleMap[r.UserID] = append(roleMap[r.UserID], r.Role)
	}
	scopeMap := make(map[int64][]string)
	for _, s := range scopes {
		scopeMap[s.UserID] = append(scopeMap[s.UserID], s.OrgID)
	}
	for _, r := range rows {
		out = append(out, r.user(roleMap[r.ID], scopeMap[r.ID]))
	}
	return out, nil
}

// CountUsers returns the number of users (e.g. to know whether to seed demo users).
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := db.gorm.WithContext(ctx).Model(&userRow{}).Count(&n).Error; err != nil {
		return 0, translate("count users", err)
	}
	return n, nil
}

// updateUser sets columns of one user and bumps updated_at; ErrNotFound when
// no such user.
func (db *DB) updateUser(ctx context.Context, op string, id int64, cols map[string]any) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	cols["updated_at"] = now
	res := db.gorm.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return translate(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: %s %d: %w", op, id, ErrNotFound)
	}
	return nil
}

// SetUserPassword replaces the password hash.
func (db *DB) SetUserPassword(ctx context.Context, id int64, hash string) error {
	return db.updateUser(ctx, "set user password", id, map[string]any{"password_hash": hash})
}

// SetUserTOTP stores the TOTP secret ciphertext; "" removes the second factor. The last
// used time step is forgotten with the old secret: it says nothing about the new one's codes.
func (db *DB) SetUserTOTP(ctx context.Context, id int64, secretCiphertext string) error {
	return db.updateUser(ctx, "set user totp", id, map[string]any{"totp_secret": secretCiphertext, "totp_last_step": nil})
}

// ClaimTOTPStep records step as the user's last used TOTP time step if it is later than
// the one stored, and reports whether it was (false: a code of that step or a later one
// was already accepted). One conditional UPDATE, so that of concurrent requests with one
// code, on any number of replicas, exactly one wins.
func (db *DB) ClaimTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res := db.gorm.WithContext(ctx).Exec(
		`UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)`, step, userID, step)
	if res.Error != nil {
		return false, translate("claim totp step", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SetUserDisabled disables or re-enables a user. It does not end sessions:
// the caller does that with DeleteUserSessions in the same transaction.
func (db *DB) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	return db.updateUser(ctx, "set user disabled", id, map[string]any{"disabled": disabled})
}

// SetUserDisplayName changes the display name.
func (db *DB) SetUserDisplayName(ctx context.Context, id int64, name string) error {
	return db.updateUser(ctx, "set user display name", id, map[string]any{"display_name": name})
}

// SetUserLanguage remembers the user's chosen language (the caller validates it).
func (db *DB) SetUserLanguage(ctx context.Context, id int64, language string) error {
	return db.updateUser(ctx, "set user language", id, map[string]any{"language": language})
}

// SetUserEmail changes the e-mail address ("" removes it); the caller validates it.
func (db *DB) SetUserEmail(ctx context.Context, id int64, email string) error {
	return db.updateUser(ctx, "set user email", id, map[string]any{"email": email})
}

// TouchLastLogin records a successful login at the given time.
func (db *DB) TouchLastLogin(ctx context.Context, id int64, at time.Time) error {
	res := db.gorm.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).
		Update("last_login_at", utc(at))
	if res.Error != nil {
		return translate("touch last login", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: touch last login %d: %w", id, ErrNotFound)
	}
	return nil
}

// SetUserRoles replaces the user's set of roles.
func (db *DB) SetUserRoles(ctx context.Context, id int64, roles []string) error {
	roles = uniqueSorted(roles)
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.updateUser(ctx, "set user roles", id, map[string]any{}); err != nil {
			return err
		}
		if err := tx.gorm.WithContext(ctx).Where("user_id = ?", id).Delete(&userRoleRow{}).Error; err != nil {
			return translate("set user roles", err)
		}
		return tx.insertRolesScopes(ctx, id, roles, nil)
	})
}

// SetUserScopes replaces the user's set of org scopes.
func (db *DB) SetUserScopes(ctx context.Context, id int64, orgIDs []string) error {
	orgIDs = uniqueSorted(orgIDs)
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.updateUser(ctx, "set user scopes", id, map[string]any{}); err != nil {
			return err
		}
		if err := tx.gorm.WithContext(ctx).Where("user_id = ?", id).Delete(&userScopeRow{}).Error; err != nil {
			return translate("set user scopes", err)
		}
		return tx.insertRolesScopes(ctx, id, nil, orgIDs)
	})
}
