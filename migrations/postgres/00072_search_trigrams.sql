-- Trigram indexes for the cached lists' searches (issue 16). A search is
-- search_text LIKE '%q%': without an index every search read the whole table, once for
-- the page and once for its count. pg_trgm's GIN operator class serves LIKE with a
-- pattern of three characters or more (trigrams: one or two characters read the table
-- still, see internal/store/keyset_count.go); search_text is already lower-cased by the
-- application, so plain LIKE is the operator to index.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it
-- without being a superuser. A role that may not (no CREATE on the database), or a server
-- without the contrib package, gets no indexes and a notice: searches work as before,
-- unindexed. To add them later, have the database owner run CREATE EXTENSION pg_trgm and
-- create the indexes below by hand (same names).
--
-- fastupdate = off: the sync rewrites these rows often, and GIN's pending list (4 MB by
-- default, read in full by every search until a vacuum merges it) would make searches
-- slower the longer autovacuum waits, or for ever where it is off.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    ops TEXT;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
        RAISE NOTICE 'pg_trgm is not available (%): searches run without trigram indexes', SQLERRM;
    END;
    -- The operator class in whichever schema the extension lives.
    SELECT quote_ident(n.nspname) || '.gin_trgm_ops' INTO ops
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    IF ops IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX IF NOT EXISTS sub_accounts_search_trgm_idx ON sub_accounts USING gin (search_text %s) WITH (fastupdate = off)', ops);
    EXECUTE format('CREATE INDEX IF NOT EXISTS coupons_search_trgm_idx ON coupons USING gin (search_text %s) WITH (fastupdate = off)', ops);
    EXECUTE format('CREATE INDEX IF NOT EXISTS resources_search_trgm_idx ON resources USING gin (search_text %s) WITH (fastupdate = off)', ops);
    EXECUTE format('CREATE INDEX IF NOT EXISTS resource_package_usages_search_trgm_idx ON resource_package_usages USING gin (search_text %s) WITH (fastupdate = off)', ops);
    EXECUTE format('CREATE INDEX IF NOT EXISTS catalog_entries_search_trgm_idx ON catalog_entries USING gin (search_text %s) WITH (fastupdate = off)', ops);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The extension stays: something else may use it, and dropping it needs its owner.
DROP INDEX IF EXISTS catalog_entries_search_trgm_idx;
DROP INDEX IF EXISTS resource_package_usages_search_trgm_idx;
DROP INDEX IF EXISTS resources_search_trgm_idx;
DROP INDEX IF EXISTS coupons_search_trgm_idx;
DROP INDEX IF EXISTS sub_accounts_search_trgm_idx;
