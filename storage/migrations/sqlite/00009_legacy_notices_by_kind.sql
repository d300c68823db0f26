-- Notices queued as finished Slack text before 00008, and still to send,
-- become the kind bot now words them from, where the old sentence is one
-- bot still says: then they are worded and escaped at send time like any
-- other. The old auto-pause sentence showed its command in backticks,
-- Slack markup that no other platform reads. The rest (an unreachable
-- partner, named as the text was written) keep their words, without the
-- backticks that Slack would have hidden.
-- On SQLite. Keep in step with migrations/postgres.

-- +goose Up
UPDATE outbox SET notice = 'undelivered', params = '{}'
WHERE kind = 'notice' AND notice = 'text' AND status IN ('pending', 'sending')
AND json_extract(params, '$.text') = 'Sorry: we couldn''t deliver your introduction this round. It''s not you: something went wrong on our side. You''ll be first in line in the next round.';

UPDATE outbox SET notice = 'partner_left', params = '{}'
WHERE kind = 'notice' AND notice = 'text' AND status IN ('pending', 'sending')
AND json_extract(params, '$.text') = 'The person we were about to introduce you to is no longer taking part, so this round''s introduction is off. Sorry about that: you''ll be first in line in the next round.';

UPDATE outbox SET notice = 'left_out', params = '{}'
WHERE kind = 'notice' AND notice = 'text' AND status IN ('pending', 'sending')
AND json_extract(params, '$.text') = 'There was no one we could introduce you to this round, sorry: sometimes the numbers don''t quite work out. You''ll go first in the next round.';

-- "We haven't heard back about your last N introductions, ...": N is
-- the digits between the fixed words either side of it.
UPDATE outbox SET notice = 'auto_paused',
    params = json_object('count', CAST(substr(json_extract(params, '$.text'), 39,
        instr(json_extract(params, '$.text'), ' introductions, ') - 39) AS INTEGER))
WHERE kind = 'notice' AND notice = 'text' AND status IN ('pending', 'sending')
AND json_extract(params, '$.text') GLOB 'We haven''t heard back about your last [0-9]* introductions, so we''ve paused yours for now: no more will come until you''re ready. Whenever you''d like to meet people again, type `/introduce-me resume`. Thank you for being part of the network.'
AND substr(json_extract(params, '$.text'), 39,
        instr(json_extract(params, '$.text'), ' introductions, ') - 39) NOT GLOB '*[^0-9]*';

UPDATE outbox SET params = json_object('text', replace(json_extract(params, '$.text'), '`', ''))
WHERE kind = 'notice' AND notice = 'text' AND status IN ('pending', 'sending')
AND instr(json_extract(params, '$.text'), '`') > 0;

-- +goose Down
-- Nothing to undo: the release before this one words every kind set here.
