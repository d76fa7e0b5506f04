package store

import (
	"context"
	"time"
)

// Alerts on sub-accounts (issue 14): whether a condition holds now (account_alerts), and
// the notices sent (alert_notices, one per sub-account, kind and day). Both are written
// by conditional statements whose row counts say which replica, if any, sends a notice.

// OpenAlert records that condition kind holds for subAccountID (from at, when it did not
// already).
func (db *DB) OpenAlert(ctx context.Context, subAccountID, kind string, at time.Time) error {
	at = utc(at)
	res := db.gorm.WithContext(ctx).Exec(`UPDATE account_alerts SET active = ?, since = ?, updated_at = ? WHERE sub_account_id = ? AND kind = ? AND active = ?`,
		true, at, at, subAccountID, kind, false)
	if res.Error != nil {
		return translate("open alert", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	err := db.gorm.WithContext(ctx).Exec(`INSERT INTO account_alerts (sub_account_id, kind, active, since, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sub_account_id, kind) DO NOTHING`, subAccountID, kind, true, at, at).Error
	return translate("open alert", err)
}

// CloseAlert records that condition kind no longer holds; closed reports whether this
// call ended it (exactly one caller does, so one "resolved" notice goes out).
func (db *DB) CloseAlert(ctx context.Context, subAccountID, kind string, at time.Time) (closed bool, err error) {
	res := db.gorm.WithContext(ctx).Exec(`UPDATE account_alerts SET active = ?, updated_at = ? WHERE sub_account_id = ? AND kind = ? AND active = ?`,
		false, utc(at), subAccountID, kind, true)
	if res.Error != nil {
		return false, translate("close alert", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ActiveAlerts lists the conditions holding now for subAccountIDs: sub-account → kinds.
func (db *DB) ActiveAlerts(ctx context.Context, subAccountIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for start := 0; start < len(subAccountIDs); start += 500 {
		chunk := subAccountIDs[start:min(start+500, len(subAccountIDs))]
		var rows []struct{ SubAccountID, Kind string }
		if err := db.gorm.WithContext(ctx).Raw(`SELECT sub_account_id, kind FROM account_alerts WHERE active = ? AND sub_account_id IN ?`, true, chunk).
			Scan(&rows).Error; err != nil {
			return nil, translate("active alerts", err)
		}
		for _, r := range rows {
			out[r.SubAccountID] = append(out[r.SubAccountID], r.Kind)
		}
	}
	return out, nil
}

// ClaimAlertNotice records the notice kind of subAccountID for day; claimed reports
// whether this call did (false: it was sent that day already, maybe by another replica).
func (db *DB) ClaimAlertNotice(ctx context.Context, subAccountID, kind, day, details string, at time.Time) (claimed bool, err error) {
	res := db.gorm.WithContext(ctx).Exec(`INSERT INTO alert_notices (sub_account_id, kind, day, details, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sub_account_id, kind, day) DO NOTHING`, subAccountID, kind, day, details, utc(at))
	if res.Error != nil {
		return false, translate("claim alert notice", res.Error)
	}
	return res.RowsAffected == 1, nil
}
