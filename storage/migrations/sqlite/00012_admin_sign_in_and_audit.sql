-- The admin's window: one-time sign-in links, signed-in sessions and the
-- log of what admins did, with the indexes the roster pages by.
-- On SQLite. Keep in step with migrations/postgres.
--
-- Links and sessions keep only a hash of their secret, and the admin's
-- platform identity (platform, user ID, directory object ID, sign-in name
-- and display name), so that admin rights are checked again on every
-- request against RAPPORT_ADMINS as it is then. A link is kept after it
-- is used or expires, until the sweep, so that a second click is told
-- why it no longer works.
--
-- An audit entry names the member acted on by member_id only: when they
-- leave, member_id becomes NULL and member_left is set (it is set by the
-- erasure itself; the foreign key's SET NULL alone would lose that it was
-- about a member at all). When the acting admin leaves Rapport as a
-- member, their identity and name are cleared from the entries. detail
-- holds no member text: organisation names, a round number, a sector.
-- (The column is member_left because LEFT is a keyword in SQL.)

-- +goose Up
CREATE TABLE sign_in_links (
    token_hash     TEXT PRIMARY KEY,
    platform       TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    object_id      TEXT NOT NULL DEFAULT '',
    principal_name TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP
);
CREATE INDEX sign_in_links_user ON sign_in_links (platform, user_id);
CREATE INDEX sign_in_links_expires_at ON sign_in_links (expires_at);

CREATE TABLE admin_sessions (
    id_hash        TEXT PRIMARY KEY,
    platform       TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    object_id      TEXT NOT NULL DEFAULT '',
    principal_name TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL DEFAULT '',
    csrf           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL
);
CREATE INDEX admin_sessions_user ON admin_sessions (platform, user_id);
CREATE INDEX admin_sessions_last_seen ON admin_sessions (last_seen);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             TIMESTAMP NOT NULL,
    action         TEXT NOT NULL CHECK (action <> ''),
    actor_platform TEXT NOT NULL DEFAULT '',
    actor_user_id  TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    member_id      INTEGER REFERENCES members (id) ON DELETE SET NULL,
    member_left    BOOLEAN NOT NULL DEFAULT FALSE,
    detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_member ON audit_log (member_id);
CREATE INDEX audit_log_actor ON audit_log (actor_platform, actor_user_id);

-- The roster lists members by name, filtered or not, a page at a time;
-- MembersVersion reads the latest change.
CREATE INDEX members_name ON members (name, id);
CREATE INDEX members_organisation_name ON members (organisation_id, name, id);
CREATE INDEX members_updated_at ON members (updated_at);

-- +goose Down
DROP INDEX members_updated_at;
DROP INDEX members_organisation_name;
DROP INDEX members_name;
DROP TABLE audit_log;
DROP TABLE admin_sessions;
DROP TABLE sign_in_links;
