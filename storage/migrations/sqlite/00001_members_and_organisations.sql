-- Members and the network's organisations, on SQLite.
--
-- Times are declared TIMESTAMP so that modernc.org/sqlite parses them back
-- into time.Time; the driver writes them as UTC text
-- ("2006-01-02 15:04:05.999999-07:00" with _time_format=sqlite and
-- _timezone=UTC), which also sorts and compares correctly as text.
-- Tables are not STRICT because STRICT tables refuse the TIMESTAMP type.

-- +goose Up
CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name <> ''),
    -- name_key is the lower-cased name, so "Riverside" and "RIVERSIDE"
    -- cannot both be listed. Go lower-cases it: SQLite's lower() knows ASCII only.
    name_key   TEXT NOT NULL UNIQUE CHECK (name_key <> ''),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL CHECK (platform <> ''),
    user_id      TEXT NOT NULL CHECK (user_id <> ''),
    name         TEXT NOT NULL DEFAULT '',
    -- The organisation's name, not a reference: members keep it when an
    -- admin removes the organisation from the list.
    organisation TEXT NOT NULL DEFAULT '',
    sector       TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL DEFAULT '',
    career_stage TEXT NOT NULL DEFAULT '',
    -- JSON arrays of strings, always an array ("[]" when empty).
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
    paused_until TIMESTAMP,
    joined_at    TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (platform, user_id)
);

-- +goose Down
DROP TABLE members;
DROP TABLE organisations;
