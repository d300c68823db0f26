-- The directory, intro requests and personal invitations. On PostgreSQL.
-- Keep in step with migrations/sqlite.
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
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('offer', 'ask')),
    position  INTEGER NOT NULL,
    topic     TEXT NOT NULL,
    folded    TEXT NOT NULL,
    PRIMARY KEY (member_id, kind, position)
);
CREATE INDEX member_topics_folded ON member_topics (kind, folded);

-- The words compare byte by byte (COLLATE "C"), so ranges of words are
-- prefixes.
CREATE TABLE directory_words (
    word      TEXT COLLATE "C" NOT NULL,
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    -- The whole offer, folded, so that a search tells an exact match
    -- from the index alone.
    folded    TEXT NOT NULL,
    PRIMARY KEY (word, member_id, position) INCLUDE (folded)
);
CREATE INDEX directory_words_member ON directory_words (member_id);

-- directory_members is what a search reads of each listed member, kept
-- narrow so that thousands of matches are checked and ordered without
-- reading the members' whole rows: a trigger writes it on every insert or
-- update of members, whatever the code path, and removes it when the
-- member is no longer listed (or leaves: ON DELETE CASCADE).
CREATE TABLE directory_members (
    member_id       BIGINT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    organisation_id BIGINT,
    name            TEXT COLLATE "C" NOT NULL,
    folded_name     TEXT COLLATE "C" NOT NULL,
    status          TEXT NOT NULL,
    paused          BOOLEAN NOT NULL,
    paused_until    TIMESTAMPTZ
);

-- +goose StatementBegin
CREATE FUNCTION members_directory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.listed THEN
        INSERT INTO directory_members (member_id, organisation_id, name, folded_name, status, paused, paused_until)
        VALUES (NEW.id, NEW.organisation_id, NEW.name, NEW.folded_name, NEW.status, NEW.paused, NEW.paused_until)
        ON CONFLICT (member_id) DO UPDATE SET organisation_id = excluded.organisation_id, name = excluded.name,
            folded_name = excluded.folded_name, status = excluded.status, paused = excluded.paused,
            paused_until = excluded.paused_until;
    ELSE
        DELETE FROM directory_members WHERE member_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_directory AFTER INSERT OR UPDATE ON members FOR EACH ROW EXECUTE FUNCTION members_directory();

ALTER TABLE intros ADD COLUMN requested BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE intro_requests (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asker_id    BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    asked_id    BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    topic       TEXT NOT NULL DEFAULT '',
    -- pending, accepted, not_now or lapsed.
    status      TEXT NOT NULL DEFAULT 'pending',
    created_at  TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ,
    intro_id    BIGINT REFERENCES intros (id) ON DELETE SET NULL
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
    invited_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, user_id)
);
CREATE INDEX invitations_invited_at ON invitations (invited_at);

-- +goose Down
DROP TRIGGER members_directory ON members;
DROP FUNCTION members_directory();
DROP TABLE directory_members;
DROP TABLE invitations;
DROP TABLE intro_requests;
ALTER TABLE intros DROP COLUMN requested;
DROP TABLE directory_words;
DROP TABLE member_topics;
ALTER TABLE members DROP COLUMN folded_version;
ALTER TABLE members DROP COLUMN folded_name;
ALTER TABLE members DROP COLUMN listed;
