package store

import (
	"context"
	"fmt"
	"time"
)

// LoginThrottle counts failed logins for one key chosen by the caller
// ("user:alice", "ip:1.2.3.4"), whether or not such a user exists, so that
// probing unknown usernames is throttled like known ones.
type LoginThrottle struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

type throttleRow struct {
	ThrottleKey string `gorm:"primaryKey"`
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

func (throttleRow) TableName() string { return "login_throttle" }

func (r throttleRow) throttle() LoginThrottle {
	return LoginThrottle{Key: r.ThrottleKey, Failures: r.Failures,
		WindowStart: r.WindowStart.UTC(), LockedUntil: utcPtr(r.LockedUntil)}
}

// LoginThrottle returns the state for key; the zero value (with Key set) when
// there is none.
func (db *DB) LoginThrottle(ctx context.Context, key string) (LoginThrottle, error) {
	var rows []throttleRow
	if err := db.gorm.WithContext(ctx).Where("throttle_key = ?", key).Limit(1).Find(&rows).Error; err != nil {
		return LoginThrottle{}, translate("get login throttle", err)
	}
	if len(rows) == 0 {
		return LoginThrottle{Key: key}, nil
	}
	return rows[0].throttle(), nil
}

// RecordLoginFailure counts one failure for key at now and returns the new
// state. A failure at least `window` after the window started restarts the
// count at 1 with a new window; when the count reaches maxFailures,
// LockedUntil becomes now+lockFor (each further failure extends it).
//
// It is one INSERT … ON CONFLICT DO UPDATE whose new values are computed from
// the row's current ones, so concurrent failures are all counted on both
// dialects (Postgres row lock; SQLite write lock).
func (db *DB) RecordLoginFailure(ctx context.Context, key string, now time.Time, window time.Duration, maxFailures int, lockFor time.Duration) (LoginThrottle, error) {
	now = utc(now)
	cutoff := now.Add(-window)
	lockUntil := now.Add(lockFor)
	var firstLock *time.Time
	if maxFailures <= 1 {
		firstLock = &lockUntil
	}
	const restart = "login_throttle.window_start <= ?"
	q := `INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until)
VALUES (?, 1, ?, ?)
ON CONFLICT (throttle_key) DO UPDATE SET
  failures = CASE WHEN ` + restart + ` THEN 1 ELSE login_throttle.failures + 1 END,
  window_start = CASE WHEN ` + restart + ` THEN excluded.window_start ELSE login_throttle.window_start END,
  locked_until = CASE WHEN (CASE WHEN ` + restart + ` THEN 1 ELSE login_throttle.failures + 1 END) >= ?
    THEN ? ELSE login_throttle.locked_until END`
	var out LoginThrottle
	err := db.InTx(ctx, func(tx *DB) error {
		if err := tx.gorm.WithContext(ctx).Exec(q, key, now, firstLock,
			cutoff, cutoff, cutoff, maxFailures, lockUntil).Error; err != nil {
			return translate("record login failure", err)
		}
		// Same transaction: the row is locked by our upsert until commit.
		var err error
		out, err = tx.LoginThrottle(ctx, key)
		return err
	})
	if err != nil {
		return LoginThrottle{}, fmt.Errorf("store: record login failure: %w", err)
	}
	return out, nil
}

// ClearLoginFailures forgets key's failures (after a successful login, or an
// admin unlocking an account). No error when there are none.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	if err := db.gorm.WithContext(ctx).Where("throttle_key = ?", key).Delete(&throttleRow{}).Error; err != nil {
		return translate("clear login failures", err)
	}
	return nil
}
