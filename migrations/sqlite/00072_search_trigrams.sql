-- Trigram indexes for the cached lists' searches are Postgres's (pg_trgm, see
-- migrations/postgres/00072_search_trigrams.sql). SQLite has no index that serves
-- LIKE '%q%' (FTS5's trigram tokenizer would need a virtual table kept in step with each
-- list by triggers); at the embedded default's sizes a search reads the table, and the
-- list page reads it once for the page and its total (internal/store/keyset_count.go).
-- This file keeps the two dialects' migration numbers in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
