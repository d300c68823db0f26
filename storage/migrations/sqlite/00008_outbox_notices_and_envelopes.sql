-- Notices are stored as a kind and its parameters (JSON), put into words
-- when they are sent, rather than as finished text; and the Socket Mode
-- envelopes already handled are remembered where every replica sees them.
-- On SQLite. Keep in step with migrations/postgres.

-- +goose Up
ALTER TABLE outbox ADD COLUMN notice TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN params TEXT NOT NULL DEFAULT '';

-- Notices still to send keep their words, as the kind "text"; those done
-- keep none.
UPDATE outbox SET notice = 'text', params = json_object('text', text)
WHERE kind = 'notice' AND status IN ('pending', 'sending');
UPDATE outbox SET text = '' WHERE text <> '';

CREATE TABLE seen_envelopes (
    envelope_id TEXT PRIMARY KEY,
    seen_at     TIMESTAMP NOT NULL
);
CREATE INDEX seen_envelopes_seen_at ON seen_envelopes (seen_at);

-- +goose Down
DROP TABLE seen_envelopes;
UPDATE outbox SET text = json_extract(params, '$.text') WHERE notice = 'text';
ALTER TABLE outbox DROP COLUMN params;
ALTER TABLE outbox DROP COLUMN notice;
