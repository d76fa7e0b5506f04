// Package migrations holds Purser's SQL schema as goose migrations, one
// folder per dialect, embedded into the binary so that `portal migrate` and
// `portal serve` need no files on disk.
//
// Rules: an applied migration is never edited; add a new numbered file to
// both folders instead. Files use goose's SQL format (-- +goose Up / Down).
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql
var postgresFS embed.FS

//go:embed sqlite/*.sql
var sqliteFS embed.FS

// Postgres is the migration set for PostgreSQL (files at the root of the FS).
var Postgres fs.FS = mustSub(postgresFS, "postgres")

// SQLite is the migration set for SQLite (files at the root of the FS).
var SQLite fs.FS = mustSub(sqliteFS, "sqlite")

func mustSub(f embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // only possible if the embed pattern above is wrong
	}
	return sub
}
