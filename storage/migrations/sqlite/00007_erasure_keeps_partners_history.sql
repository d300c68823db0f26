-- A member who leaves is erased, but the people they were introduced to
-- keep their own history: the leaver's place in each intro stays, with
-- member_id NULL ("a member who has left"), so partners' records, stats,
-- repeat window and frequency still count the intro. Keep in step with
-- migrations/postgres.
--
-- SQLite cannot change a primary key or a foreign key in place, so the
-- table is rebuilt. Nothing refers to intro_members, so it can be dropped.

-- +goose Up
CREATE TABLE intro_members_new (
    intro_id    INTEGER NOT NULL REFERENCES intros (id) ON DELETE CASCADE,
    -- NULL once the member has left Rapport.
    member_id   INTEGER REFERENCES members (id) ON DELETE SET NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    -- '', arranged, yes, not_yet, no, or ignored (counted towards a pause).
    answer      TEXT NOT NULL DEFAULT '',
    answered_at TIMESTAMP,
    unreachable BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (intro_id, position),
    UNIQUE (intro_id, member_id)
);
INSERT INTO intro_members_new (intro_id, member_id, position, answer, answered_at, unreachable)
    SELECT intro_id, member_id, position, answer, answered_at, unreachable FROM intro_members;
DROP TABLE intro_members;
ALTER TABLE intro_members_new RENAME TO intro_members;
CREATE INDEX intro_members_member ON intro_members (member_id);

-- +goose Down
CREATE TABLE intro_members_old (
    intro_id    INTEGER NOT NULL REFERENCES intros (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    answer      TEXT NOT NULL DEFAULT '',
    answered_at TIMESTAMP,
    unreachable BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (intro_id, member_id)
);
INSERT INTO intro_members_old (intro_id, member_id, position, answer, answered_at, unreachable)
    SELECT intro_id, member_id, position, answer, answered_at, unreachable FROM intro_members
    WHERE member_id IS NOT NULL;
DROP TABLE intro_members;
ALTER TABLE intro_members_old RENAME TO intro_members;
CREATE INDEX intro_members_member ON intro_members (member_id);
