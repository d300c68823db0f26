-- Meetups, their RSVPs and the reminders sent, on SQLite. Keep in step
-- with migrations/postgres.
--
-- A member who leaves takes their RSVPs and reminders with them (ON DELETE
-- CASCADE). The meetups they host stay, because other people are coming:
-- host_member_id becomes NULL, and network admins can still edit or cancel
-- them.

-- +goose Up
CREATE TABLE meetups (
    id               INTEGER PRIMARY KEY,
    host_member_id   INTEGER REFERENCES members (id) ON DELETE SET NULL,
    title            TEXT NOT NULL CHECK (title <> ''),
    purpose          TEXT NOT NULL DEFAULT '',
    starts_at        TIMESTAMP NOT NULL,
    ends_at          TIMESTAMP NOT NULL,
    place            TEXT NOT NULL DEFAULT '',
    link             TEXT NOT NULL DEFAULT '',
    -- JSON arrays of role and sector codes; both empty means everyone.
    roles            TEXT NOT NULL DEFAULT '[]',
    sectors          TEXT NOT NULL DEFAULT '[]',
    food             BOOLEAN NOT NULL DEFAULT FALSE,
    -- 0 means no limit.
    capacity         INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0),
    rsvp_by          TIMESTAMP,
    status           TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    announce_channel TEXT NOT NULL DEFAULT '',
    announce_ts      TEXT NOT NULL DEFAULT '',
    -- Bumped by every change to the meetup or its RSVPs, inside the
    -- transaction that holds the meetup's row: it orders the waiting list
    -- and tells a rendering whether it is current.
    version          INTEGER NOT NULL DEFAULT 0,
    day_reminder_at  TIMESTAMP NOT NULL,
    hour_reminder_at TIMESTAMP NOT NULL,
    -- Makes a repeated submission of the same form create nothing more.
    create_key       TEXT UNIQUE,
    cancelled_at     TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetups_upcoming ON meetups (status, ends_at);
CREATE INDEX meetups_host ON meetups (host_member_id);

CREATE TABLE meetup_rsvps (
    meetup_id  INTEGER NOT NULL REFERENCES meetups (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('going', 'maybe', 'not_going', 'waiting')),
    -- The meetup's version when the status last changed: the order of the
    -- waiting list.
    seq        INTEGER NOT NULL,
    status_at  TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meetup_id, member_id)
);
CREATE INDEX meetup_rsvps_status ON meetup_rsvps (meetup_id, status, seq);
CREATE INDEX meetup_rsvps_member ON meetup_rsvps (member_id);

-- One row per reminder owed and claimed: the primary key makes each one
-- go out once, however many replicas look for it.
CREATE TABLE meetup_reminders (
    meetup_id  INTEGER NOT NULL REFERENCES meetups (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('day_before', 'hour_before')),
    -- The start it was for: a meetup moved to another time earns new ones.
    starts_at  TIMESTAMP NOT NULL,
    claimed_at TIMESTAMP,
    sent_at    TIMESTAMP,
    attempts   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meetup_id, member_id, kind, starts_at)
);
CREATE INDEX meetup_reminders_member ON meetup_reminders (member_id);

-- +goose Down
DROP TABLE meetup_reminders;
DROP TABLE meetup_rsvps;
DROP TABLE meetups;
