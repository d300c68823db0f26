-- Rounds of introductions, their intros, blocks and the outbox of messages
-- to send, on SQLite. Keep in step with migrations/postgres.

-- +goose Up
CREATE TABLE rounds (
    id         INTEGER PRIMARY KEY,
    number     INTEGER NOT NULL UNIQUE,
    -- period_key makes each scheduled period run once, whatever the number
    -- of replicas or restarts; a forced round gets a key of its own.
    period_key TEXT NOT NULL UNIQUE,
    period     TIMESTAMP NOT NULL,
    forced     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE intros (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    explanation TEXT NOT NULL DEFAULT '',
    question    TEXT NOT NULL DEFAULT '',
    starter_id  INTEGER REFERENCES members (id) ON DELETE SET NULL,
    score       INTEGER NOT NULL DEFAULT 0,
    relaxed     BOOLEAN NOT NULL DEFAULT FALSE,
    -- pending until the group message is sent, then sent; failed when
    -- nobody could be reached.
    status      TEXT NOT NULL DEFAULT 'pending',
    channel_id  TEXT NOT NULL DEFAULT '',
    message_ts  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX intros_round ON intros (round_id);

CREATE TABLE intro_members (
    intro_id    INTEGER NOT NULL REFERENCES intros (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    -- '', arranged, yes, not_yet, no, or ignored (counted towards a pause).
    answer      TEXT NOT NULL DEFAULT '',
    answered_at TIMESTAMP,
    unreachable BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (intro_id, member_id)
);
CREATE INDEX intro_members_member ON intro_members (member_id);

CREATE TABLE round_left_out (
    round_id  INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    reason    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (round_id, member_id)
);

CREATE TABLE blocks (
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (member_id, blocked_id)
);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    -- intro (the group message), followup ("did you meet?") or notice.
    kind       TEXT NOT NULL,
    intro_id   INTEGER REFERENCES intros (id) ON DELETE CASCADE,
    member_id  INTEGER REFERENCES members (id) ON DELETE CASCADE,
    text       TEXT NOT NULL DEFAULT '',
    -- pending, sending (claimed by a worker), sent, skipped or failed.
    status     TEXT NOT NULL DEFAULT 'pending',
    due_at     TIMESTAMP NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    claimed_at TIMESTAMP,
    sent_at    TIMESTAMP,
    ref        TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, due_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE blocks;
DROP TABLE round_left_out;
DROP TABLE intro_members;
DROP TABLE intros;
DROP TABLE rounds;
