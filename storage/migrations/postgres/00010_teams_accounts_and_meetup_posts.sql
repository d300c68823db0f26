-- What a platform without a user lookup on demand (Teams) tells Rapport
-- and the bot must keep to write to people first: their accounts, the
-- teams that added the bot, where each platform's meetups are announced,
-- and the copies of a message sent to each person one by one. A meetup's
-- announcement may now go out on several platforms, one post on each.
-- On PostgreSQL. Keep in step with migrations/sqlite.
--
-- Accounts are keyed by platform and user ID, as members are, and have no
-- foreign key to members: the people on a team's roster have accounts
-- before they join. Leave deletes the member's account and the copies
-- sent to them; the retention sweep deletes the accounts of people who
-- never joined.

-- +goose Up
CREATE TABLE accounts (
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    object_id       TEXT NOT NULL DEFAULT '',
    principal_name  TEXT NOT NULL DEFAULT '',
    tenant_id       TEXT NOT NULL DEFAULT '',
    service_url     TEXT NOT NULL DEFAULT '',
    conversation_id TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, user_id)
);
CREATE INDEX accounts_updated_at ON accounts (updated_at);

CREATE TABLE teams (
    platform     TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    channel_id   TEXT NOT NULL DEFAULT '',
    service_url  TEXT NOT NULL DEFAULT '',
    tenant_id    TEXT NOT NULL DEFAULT '',
    -- When the welcome was claimed: set once, by the first replica.
    greeted_at   TIMESTAMPTZ,
    installed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, team_id)
);

CREATE TABLE announce_channels (
    platform    TEXT PRIMARY KEY,
    channel_id  TEXT NOT NULL,
    service_url TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL
);

-- tag is the intro's ID for an intro, the outbox row's ID for the rest
-- (as the deliverer tags them).
CREATE TABLE sent_copies (
    platform        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('intro', 'followup', 'notice')),
    tag             BIGINT NOT NULL,
    user_id         TEXT NOT NULL,
    conversation_id TEXT NOT NULL DEFAULT '',
    activity_id     TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, kind, tag, user_id)
);
CREATE INDEX sent_copies_user ON sent_copies (platform, user_id);

CREATE TABLE meetup_posts (
    meetup_id   BIGINT NOT NULL REFERENCES meetups (id) ON DELETE CASCADE,
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL DEFAULT '',
    message_ref TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meetup_id, platform)
);

-- Every announcement so far went out on Slack.
INSERT INTO meetup_posts (meetup_id, platform, channel, message_ref)
SELECT id, 'slack', announce_channel, announce_ts FROM meetups WHERE announce_ts <> '';
ALTER TABLE meetups DROP COLUMN announce_channel, DROP COLUMN announce_ts;

-- +goose Down
ALTER TABLE meetups ADD COLUMN announce_channel TEXT NOT NULL DEFAULT '',
    ADD COLUMN announce_ts TEXT NOT NULL DEFAULT '';
UPDATE meetups m SET announce_channel = p.channel, announce_ts = p.message_ref
FROM meetup_posts p WHERE p.meetup_id = m.id AND p.platform = 'slack';
DROP TABLE meetup_posts;
DROP TABLE sent_copies;
DROP TABLE announce_channels;
DROP TABLE teams;
DROP TABLE accounts;
