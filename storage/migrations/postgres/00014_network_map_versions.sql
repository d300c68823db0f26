-- Each round's figures get a version, which every change to the round's
-- counts moves on, so that a replica's copy of the round's links can be
-- known to be current (see linkCache in storage/figures.go); and the
-- members are counted by status, by organisation or by the day they
-- joined, from an index alone. On PostgreSQL. Keep in step with
-- migrations/sqlite.

-- +goose Up
ALTER TABLE round_figures ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX members_organisation_status ON members (organisation_id, status, paused, paused_until);
CREATE INDEX members_joined_status ON members (joined_at, status, paused, paused_until);

-- +goose Down
DROP INDEX members_joined_status;
DROP INDEX members_organisation_status;
ALTER TABLE round_figures DROP COLUMN version;
