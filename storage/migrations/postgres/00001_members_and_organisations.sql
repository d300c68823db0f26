-- Members and the network's organisations, on PostgreSQL.
--
-- Keep the columns in step with migrations/sqlite: the Go code reads both
-- with the same queries.

-- +goose Up
CREATE TABLE organisations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name <> ''),
    -- name_key is the lower-cased name (Go lower-cases it, as on SQLite),
    -- so "Riverside" and "RIVERSIDE" cannot both be listed. COLLATE "C"
    -- sorts it by bytes, as SQLite does, so lists come out in the same order
    -- on both whatever the server's locale.
    name_key   TEXT COLLATE "C" NOT NULL UNIQUE CHECK (name_key <> ''),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE members (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform     TEXT NOT NULL CHECK (platform <> ''),
    user_id      TEXT NOT NULL CHECK (user_id <> ''),
    name         TEXT NOT NULL DEFAULT '',
    -- The organisation's name, not a reference: members keep it when an
    -- admin removes the organisation from the list.
    organisation TEXT NOT NULL DEFAULT '',
    sector       TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL DEFAULT '',
    career_stage TEXT NOT NULL DEFAULT '',
    -- JSON arrays of strings as text, like SQLite, so both read the same.
    interests    TEXT NOT NULL DEFAULT '[]',
    offers       TEXT NOT NULL DEFAULT '[]',
    asks         TEXT NOT NULL DEFAULT '[]',
    frequency    TEXT NOT NULL DEFAULT '',
    mentoring    TEXT NOT NULL DEFAULT '',
    meeting      TEXT NOT NULL DEFAULT '',
    bio          TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'active',
    paused       BOOLEAN NOT NULL DEFAULT FALSE,
    -- NULL with paused set means paused until they resume.
    paused_until TIMESTAMPTZ,
    joined_at    TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (platform, user_id)
);

-- +goose Down
DROP TABLE members;
DROP TABLE organisations;
