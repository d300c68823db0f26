-- Organisations get an identity of their own, which members refer to.
--
-- Keep in step with migrations/sqlite, which explains the columns. In
-- short: name_key is the organisation's key, computed in Go (Unicode rules
-- SQL does not have) by the backfill that runs after the migrations;
-- listed marks the network's list; sector is '' until an admin sets it;
-- merged_into names the survivor of a merge; members.organisation_id is the
-- member's organisation, and members.organisation keeps its name beside it.

-- +goose Up
ALTER TABLE organisations ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE organisations ADD COLUMN sector TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN merged_into BIGINT REFERENCES organisations (id);
ALTER TABLE organisations ADD COLUMN updated_at TIMESTAMPTZ;
UPDATE organisations SET updated_at = created_at;
ALTER TABLE organisations ALTER COLUMN updated_at SET NOT NULL;

ALTER TABLE members ADD COLUMN organisation_id BIGINT REFERENCES organisations (id);
CREATE INDEX members_organisation_id ON members (organisation_id);

-- +goose Down
DROP INDEX members_organisation_id;
ALTER TABLE members DROP COLUMN organisation_id;
ALTER TABLE organisations DROP COLUMN updated_at;
ALTER TABLE organisations DROP COLUMN merged_into;
ALTER TABLE organisations DROP COLUMN sector;
ALTER TABLE organisations DROP COLUMN listed;
