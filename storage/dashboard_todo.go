package storage

// Placeholders for bot.DashboardStore while storage is written; each
// returns an internal error. This file goes when the real methods land.

import (
	"context"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

var errTodo = bot.Errorf(bot.EINTERNAL, "not written yet")

func (db *DB) DashboardOverview(ctx context.Context, now time.Time, rounds int) (*bot.Overview, error) {
	return nil, errTodo
}
func (db *DB) NetworkMap(ctx context.Context, rounds int) (*bot.NetworkMap, error) {
	return nil, errTodo
}
func (db *DB) Roster(ctx context.Context, f bot.RosterFilter, now time.Time) (*bot.Roster, error) {
	return nil, errTodo
}
func (db *DB) RosterCounts(ctx context.Context, now time.Time) ([]bot.OrgCount, error) {
	return nil, errTodo
}
func (db *DB) MembersVersion(ctx context.Context) (bot.MembersVersion, error) {
	return bot.MembersVersion{}, errTodo
}
func (db *DB) Organisations(ctx context.Context) ([]bot.OrganisationInfo, error) {
	return nil, errTodo
}
func (db *DB) RenameOrganisation(ctx context.Context, id int64, name string, now time.Time) (*bot.OrganisationInfo, error) {
	return nil, errTodo
}
func (db *DB) MergeOrganisations(ctx context.Context, from, into int64, now time.Time) error {
	return errTodo
}
func (db *DB) SetOrganisationSector(ctx context.Context, id int64, sector string, now time.Time) error {
	return errTodo
}
func (db *DB) RemoveOrganisationByID(ctx context.Context, id int64) error { return errTodo }
func (db *DB) AdminSetPause(ctx context.Context, memberID int64, paused bool, now time.Time, e bot.AuditEntry, notice *bot.Notice) (*bot.Member, error) {
	return nil, errTodo
}
