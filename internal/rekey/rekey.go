// Package rekey re-seals every secret stored in the database under a new
// PORTAL_SECRET_KEY: users' TOTP secrets, upstream secret keys and the secrets of the
// settings (SMTP password, webhook secret, OIDC client secret). It runs in one
// transaction: either every value is re-sealed or none is.
package rekey

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
)

// Errors.
var (
	// ErrWrongKey: a stored value does not open with the old key; nothing was changed.
	ErrWrongKey = errors.New("rekey: a stored secret does not decrypt with the current key (wrong old key?); nothing changed")
	ErrBadKey   = errors.New("rekey: keys must be 32 bytes and the new key must differ from the old one")
)

// Column is one sealed column and the secretbox purpose its values are sealed for.
type Column struct {
	Column  store.SealedColumn
	Purpose string
}

// Columns lists every sealed column. A package that stores a new kind of secret adds its
// column here (and to store.SealedColumn's closed list).
var Columns = []Column{
	{store.SealedTOTP, "totp"},
	{store.SealedUpstreamSK, "upstream-sk"},
	{store.SealedSettings, "settings"},
}

// Report counts the values re-sealed per table.
type Report struct {
	Resealed map[string]int
	Total    int
}

// Rotate re-seals every stored secret from oldKey to newKey and audits secrets.rotate, all
// in one transaction. Every value is opened before anything is written: a value that does
// not open with oldKey stops the rotation with ErrWrongKey and nothing changes.
func Rotate(ctx context.Context, db *store.DB, oldKey, newKey []byte, m audit.Meta) (Report, error) {
	if len(oldKey) != 32 || len(newKey) != 32 || bytes.Equal(oldKey, newKey) {
		return Report{}, ErrBadKey
	}
	rep := Report{Resealed: map[string]int{}}
	err := db.InTx(ctx, func(tx *store.DB) error {
		type change struct {
			col           store.SealedColumn
			key, old, new string
		}
		var changes []change
		for _, c := range Columns {
			oldBox, err := secretbox.New(oldKey, c.Purpose)
			if err != nil {
				return err
			}
			newBox, err := secretbox.New(newKey, c.Purpose)
			if err != nil {
				return err
			}
			vals, err := tx.SealedValues(ctx, c.Column)
			if err != nil {
				return err
			}
			for _, v := range vals {
				plain, err := oldBox.Open(v.Value)
				if err != nil {
					return fmt.Errorf("%w (%s %s)", ErrWrongKey, c.Column.Table, v.Key)
				}
				sealed, err := newBox.Seal(plain)
				if err != nil {
					return err
				}
				changes = append(changes, change{c.Column, v.Key, v.Value, sealed})
			}
		}
		for _, ch := range changes {
			if err := tx.ReplaceSealedValue(ctx, ch.col, ch.key, ch.old, ch.new); err != nil {
				return err
			}
			rep.Resealed[ch.col.Table]++
			rep.Total++
		}
		counts := map[string]any{}
		for k, v := range rep.Resealed {
			counts[k] = v
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.SecretsRotate, TargetType: "portal", TargetID: "secret_key", Outcome: audit.Success,
			Details: map[string]any{"resealed": counts, "total": rep.Total},
		})
	})
	if err != nil {
		return Report{}, err
	}
	return rep, nil
}
