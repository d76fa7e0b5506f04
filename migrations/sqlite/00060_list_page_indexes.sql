-- The billing lists page by keyset on their order: expiry ("never", NULL, read as a time
-- past every date, in the text form SQLite stores times in, so that it sorts last and the
-- key has no NULL), then the table's key. An index on each order makes every page, first,
-- last or deep, one index range. They replace the indexes on the expiry alone (nothing
-- else filters coupons or cards by expiry); resources_expire_idx stays for the "expiring
-- until" filter.

-- +goose Up
DROP INDEX coupons_expire_idx;
CREATE INDEX coupons_page_idx ON coupons (COALESCE(expire_time, '9999-12-31 23:59:59+00:00'), sub_account_id, coupon_id, sub_coupon_id);
DROP INDEX stored_value_cards_status_idx;
CREATE INDEX stored_value_cards_page_idx ON stored_value_cards (status, COALESCE(expire_time, '9999-12-31 23:59:59+00:00'), card_id);
CREATE INDEX resources_page_idx ON resources (COALESCE(expire_time, '9999-12-31 23:59:59+00:00'), resource_id, account_id);
CREATE INDEX resource_package_usages_page_idx ON resource_package_usages (COALESCE(expire_time, '9999-12-31 23:59:59+00:00'), free_resource_id);

-- +goose Down
DROP INDEX resource_package_usages_page_idx;
DROP INDEX resources_page_idx;
DROP INDEX stored_value_cards_page_idx;
CREATE INDEX stored_value_cards_status_idx ON stored_value_cards (status, expire_time);
DROP INDEX coupons_page_idx;
CREATE INDEX coupons_expire_idx ON coupons (expire_time);
