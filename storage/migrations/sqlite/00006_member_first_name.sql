-- The first name the platform gives a member (Slack's first_name, or its
-- display name when there is none), so messages greet "Helen" rather than
-- the first word of "Dr Helen Ashworth". '' when the platform gave none.

-- +goose Up
ALTER TABLE members ADD COLUMN first_name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE members DROP COLUMN first_name;
