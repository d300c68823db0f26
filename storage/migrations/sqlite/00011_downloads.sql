-- One-time downloads: a member's data too long for a chat message (an
-- export in Teams) waits here for the one press of its link's button.
-- Only a hash of the link's token is kept. A row lives until it is taken
-- or expires (minutes), and leave deletes the member's rows at once.
-- On SQLite. Keep in step with migrations/postgres.

-- +goose Up
CREATE TABLE downloads (
    token_hash TEXT PRIMARY KEY,
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    filename   TEXT NOT NULL,
    body       BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX downloads_user ON downloads (platform, user_id);
CREATE INDEX downloads_expires_at ON downloads (expires_at);

-- +goose Down
DROP TABLE downloads;
