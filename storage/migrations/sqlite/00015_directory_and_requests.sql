-- The directory, intro requests and personal invitations. On SQLite.
-- Keep in step with migrations/postgres.
--
-- members.listed is whether the member chose to be found in the
-- directory. Searching compares text folded (bot.FoldText: case folded,
-- accents taken off), which needs Unicode rules that SQL lacks, so Go
-- writes the folded forms: member_topics holds each member's offers and
-- asks as they wrote them and folded, and directory_words the words of
-- listed members' offers, one row a word, for a search by word or by the
-- start of a word (a range of the index: word >= 'diab' AND word < 'diac').
-- members.folded_name is the name folded, which results are ordered by,
-- and members.folded_version the folding rules the member's rows were
-- written with: after the migrations, storage writes them for every
-- member whose version is behind (see backfillDirectory), so members
-- saved before this migration get theirs once.
--
-- intro_requests are members asking, through the directory, to be
-- introduced; an accepted one makes an intro, marked requested.
-- invitations remember whom the bot invited personally, nothing more.

-- +goose Up
ALTER TABLE members ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE members ADD COLUMN folded_name TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN folded_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE member_topics (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('offer', 'ask')),
    position  INTEGER NOT NULL,
    topic     TEXT NOT NULL,
    folded    TEXT NOT NULL,
    PRIMARY KEY (member_id, kind, position)
);
CREATE INDEX member_topics_folded ON member_topics (kind, folded);

-- SQLite compares text byte by byte (BINARY), so ranges of words are
-- prefixes.
CREATE TABLE directory_words (
    word      TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    -- The whole offer, folded, so that a search tells an exact match
    -- from the index alone.
    folded    TEXT NOT NULL,
    PRIMARY KEY (word, member_id, position)
) WITHOUT ROWID;
CREATE INDEX directory_words_member ON directory_words (member_id);

-- directory_members is what a search reads of each listed member, kept
-- narrow so that thousands of matches are checked and ordered without
-- reading the members' whole rows: a trigger writes it on every insert or
-- update of members, whatever the code path, and removes it when the
-- member is no longer listed (or leaves: ON DELETE CASCADE).
CREATE TABLE directory_members (
    member_id       INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    organisation_id INTEGER,
    name            TEXT NOT NULL,
    folded_name     TEXT NOT NULL,
    status          TEXT NOT NULL,
    paused          BOOLEAN NOT NULL,
    paused_until    TIMESTAMP
);

-- +goose StatementBegin
CREATE TRIGGER members_directory_insert AFTER INSERT ON members BEGIN
    DELETE FROM directory_members WHERE member_id = NEW.id;
    INSERT INTO directory_members (member_id, organisation_id, name, folded_name, status, paused, paused_until)
        SELECT NEW.id, NEW.organisation_id, NEW.name, NEW.folded_name, NEW.status, NEW.paused, NEW.paused_until WHERE NEW.listed;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_directory_update AFTER UPDATE ON members BEGIN
    DELETE FROM directory_members WHERE member_id = NEW.id;
    INSERT INTO directory_members (member_id, organisation_id, name, folded_name, status, paused, paused_until)
        SELECT NEW.id, NEW.organisation_id, NEW.name, NEW.folded_name, NEW.status, NEW.paused, NEW.paused_until WHERE NEW.listed;
END;
-- +goose StatementEnd

ALTER TABLE intros ADD COLUMN requested BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE intro_requests (
    id          INTEGER PRIMARY KEY,
    asker_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    asked_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    topic       TEXT NOT NULL DEFAULT '',
    -- pending, accepted, not_now or lapsed.
    status      TEXT NOT NULL DEFAULT 'pending',
    created_at  TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    intro_id    INTEGER REFERENCES intros (id) ON DELETE SET NULL
);
-- The ask limit (requests sent lately), the same person asked again, the
-- requests to a member, and the lapse of those unanswered.
CREATE INDEX intro_requests_asker ON intro_requests (asker_id, created_at);
CREATE INDEX intro_requests_pair ON intro_requests (asker_id, asked_id, created_at);
CREATE INDEX intro_requests_asked ON intro_requests (asked_id);
CREATE INDEX intro_requests_status ON intro_requests (status, created_at);
CREATE INDEX intro_requests_intro ON intro_requests (intro_id);

CREATE TABLE invitations (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    PRIMARY KEY (platform, user_id)
);
CREATE INDEX invitations_invited_at ON invitations (invited_at);

-- +goose Down
DROP TRIGGER members_directory_update;
DROP TRIGGER members_directory_insert;
DROP TABLE directory_members;
DROP TABLE invitations;
DROP TABLE intro_requests;
ALTER TABLE intros DROP COLUMN requested;
DROP TABLE directory_words;
DROP TABLE member_topics;
ALTER TABLE members DROP COLUMN folded_version;
ALTER TABLE members DROP COLUMN folded_name;
ALTER TABLE members DROP COLUMN listed;
