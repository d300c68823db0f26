-- A member who leaves is erased, but the people they were introduced to
-- keep their own history: the leaver's place in each intro stays, with
-- member_id NULL ("a member who has left"), so partners' records, stats,
-- repeat window and frequency still count the intro. Keep in step with
-- migrations/sqlite.

-- +goose Up
ALTER TABLE intro_members DROP CONSTRAINT intro_members_pkey;
ALTER TABLE intro_members ALTER COLUMN member_id DROP NOT NULL;
ALTER TABLE intro_members ADD CONSTRAINT intro_members_pkey PRIMARY KEY (intro_id, position);
ALTER TABLE intro_members ADD CONSTRAINT intro_members_intro_member UNIQUE (intro_id, member_id);
ALTER TABLE intro_members DROP CONSTRAINT intro_members_member_id_fkey;
ALTER TABLE intro_members ADD CONSTRAINT intro_members_member_id_fkey
    FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE SET NULL;

-- +goose Down
DELETE FROM intro_members WHERE member_id IS NULL;
ALTER TABLE intro_members DROP CONSTRAINT intro_members_member_id_fkey;
ALTER TABLE intro_members ADD CONSTRAINT intro_members_member_id_fkey
    FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE;
ALTER TABLE intro_members DROP CONSTRAINT intro_members_intro_member;
ALTER TABLE intro_members DROP CONSTRAINT intro_members_pkey;
ALTER TABLE intro_members ALTER COLUMN member_id SET NOT NULL;
ALTER TABLE intro_members ADD CONSTRAINT intro_members_pkey PRIMARY KEY (intro_id, member_id);
