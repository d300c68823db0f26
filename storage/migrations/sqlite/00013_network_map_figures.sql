-- What the admin's window reads at a glance, kept up to date as rounds
-- are made and answered, so that its pages need not go through every
-- intro of every round. On SQLite. Keep in step with migrations/postgres.
--
-- intro_members.organisation_id is the organisation a member was in when
-- introduced: the network map counts intros between organisations as
-- they were then. It is cleared with the rest of a member's place when
-- they leave, so a leaver's place adds no link. An organisation merged
-- since is counted as the one it was merged into when the map is read.
--
-- round_figures holds each round's counts (intros, trios, delivered,
-- failed, met, arranged, as the admin stats count them), and round_links
-- the intros (not failed) between each pair of organisations in each
-- round, org_a < org_b, with how many of them met (someone answered yes).
-- Every change to an intro's status, answers or places adjusts both in
-- the same transaction (see storage/figures.go); after the migration,
-- storage fills them in for the rounds already made.

-- +goose Up
ALTER TABLE intro_members ADD COLUMN organisation_id INTEGER REFERENCES organisations (id) ON DELETE SET NULL;
UPDATE intro_members SET organisation_id = (SELECT m.organisation_id FROM members m WHERE m.id = intro_members.member_id)
WHERE member_id IS NOT NULL;
CREATE INDEX intro_members_organisation ON intro_members (organisation_id);

CREATE TABLE round_figures (
    round_id  INTEGER PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    intros    INTEGER NOT NULL DEFAULT 0,
    trios     INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    failed    INTEGER NOT NULL DEFAULT 0,
    met       INTEGER NOT NULL DEFAULT 0,
    arranged  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE round_links (
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    org_a    INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    org_b    INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    intros   INTEGER NOT NULL DEFAULT 0,
    met      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, org_a, org_b),
    CHECK (org_a < org_b)
);
CREATE INDEX round_links_org_a ON round_links (org_a);
CREATE INDEX round_links_org_b ON round_links (org_b);

-- +goose Down
DROP TABLE round_links;
DROP TABLE round_figures;
DROP INDEX intro_members_organisation;
ALTER TABLE intro_members DROP COLUMN organisation_id;
