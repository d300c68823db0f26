-- Organisations get an identity of their own, which members refer to.
--
-- An organisation is one row whatever its spelling: name_key holds the
-- organisation's key (bot.OrganisationKey: Unicode NFKC, case folded,
-- punctuation and invisible characters removed, "&" as "and", a leading
-- "St" as "Saint"), and is unique. The key needs Unicode rules that SQL
-- does not have, so Go computes it: after the migrations, storage re-keys
-- every organisation and links each member whose organisation is still
-- only text (see backfillOrganisations), in one transaction.
--
-- listed marks the organisations on the network's list, which the profile
-- form offers; a name a member types becomes an unlisted organisation, so
-- its members are colleagues all the same. Admins may give an organisation
-- a sector ('' until they do) and merge one into another: merged_into then
-- names the survivor, the merged row keeps its key so that its spelling
-- still leads there, and its members move to the survivor.
--
-- members.organisation_id is the member's organisation; members.organisation
-- keeps its name beside it, written with the id in one transaction whenever
-- either changes, so every query that shows a member reads it without a
-- join. A member whose organisation_id is NULL and organisation is not ''
-- is one saved before this migration, waiting for the backfill.

-- +goose Up
ALTER TABLE organisations ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE organisations ADD COLUMN sector TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN merged_into INTEGER REFERENCES organisations (id);
-- SQLite cannot add a NOT NULL column without a constant default; every
-- write sets it.
ALTER TABLE organisations ADD COLUMN updated_at TIMESTAMP;
UPDATE organisations SET updated_at = created_at;

ALTER TABLE members ADD COLUMN organisation_id INTEGER REFERENCES organisations (id);
CREATE INDEX members_organisation_id ON members (organisation_id);

-- +goose Down
DROP INDEX members_organisation_id;
ALTER TABLE members DROP COLUMN organisation_id;
ALTER TABLE organisations DROP COLUMN updated_at;
ALTER TABLE organisations DROP COLUMN merged_into;
ALTER TABLE organisations DROP COLUMN sector;
ALTER TABLE organisations DROP COLUMN listed;
