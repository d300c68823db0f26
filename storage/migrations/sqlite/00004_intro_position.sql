-- Each intro's place in its round, so a round's intros can be written in a
-- few multi-row statements and matched back to the ids they were given.

-- +goose Up
ALTER TABLE intros ADD COLUMN position INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE intros DROP COLUMN position;
