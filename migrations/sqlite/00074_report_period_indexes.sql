-- +goose Up
-- Reports read the automatic top-ups and alert notices of one period by created_at; without
-- these indexes every report scans both tables whole, which grow by a row per payment and
-- per notice for as long as the portal runs.
CREATE INDEX topup_rule_payments_created_idx ON topup_rule_payments (created_at);
CREATE INDEX alert_notices_created_idx ON alert_notices (created_at);

-- +goose Down
DROP INDEX alert_notices_created_idx;
DROP INDEX topup_rule_payments_created_idx;
