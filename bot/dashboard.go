package bot

import (
	"context"
	"time"
)

// The admin's window: what the web pages read and what admins do there.
// Storage implements DashboardStore; the web adapter (bot/web) renders it;
// Admin (admin.go) carries out the actions, so that each is checked,
// recorded and told to the member the same way whichever page asks.

// SignInLink is a one-time link that signs an admin into the web pages.
// Only the hash of its token is stored.
type SignInLink struct {
	TokenHash string
	Admin     User
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Session is a signed-in admin's session. Only the hash of its cookie is
// stored; CSRF is the token every form of the session carries.
type Session struct {
	IDHash    string
	Admin     User
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
}

// Audit actions: what an admin did.
const (
	AuditPause       = "pause_member"
	AuditResume      = "resume_member"
	AuditRemove      = "remove_member"
	AuditRunRound    = "run_round"
	AuditOrgAdd      = "organisation_add"
	AuditOrgRename   = "organisation_rename"
	AuditOrgMerge    = "organisation_merge"
	AuditOrgRemove   = "organisation_remove"
	AuditOrgSector   = "organisation_sector"
	AuditSignIn      = "sign_in"
	AuditDashboardDM = "dashboard_link"
	AuditInvite      = "invite"
)

// AuditEntry is one admin action. It names a member by ID only: the page
// shows their name as it is when read, and "a member who has left" once
// MemberID is gone. Detail holds no member text: organisation names, a
// round number, a sector code.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Action string
	// Actor is the admin. Its Platform and ID are cleared when the admin
	// leaves Rapport as a member; ActorName is then "".
	Actor     User
	ActorName string
	// MemberID is the member acted on, 0 for none or once they have left;
	// MemberName is their name at read time.
	MemberID   int64
	MemberName string
	// Left is set when the entry was about a member who has left since.
	Left   bool
	Detail string
}

// Overview is the network at a glance.
type Overview struct {
	Active, Paused, Unreachable int
	// Joins counts members who joined, by week (Monday, in UTC), oldest
	// first, for the members who are still here.
	Joins []WeekCount
	// Rounds are the latest rounds' figures, oldest first.
	Rounds []RoundStats
}

// WeekCount is a count for the week starting at Week.
type WeekCount struct {
	Week  time.Time
	Count int
}

// NetworkMap is the organisations and the intros between them over the
// latest Rounds rounds (Since is the first of them). It counts
// organisations, never people.
type NetworkMap struct {
	Rounds int
	Since  time.Time
	Orgs   []MapOrg
	Links  []MapLink
}

// MapOrg is one organisation on the map. Members counts its members
// taking part or paused; Intros and Met count its intros with other
// organisations in the period.
type MapOrg struct {
	ID      int64
	Name    string
	Sector  string
	Members int
	Intros  int
	Met     int
}

// MapLink is the intros between two organisations (A < B) in the period;
// Met counts those whose members said they met.
type MapLink struct {
	A, B   int64
	Intros int
	Met    int
}

// Member statuses as the roster filters them.
const (
	RosterActive      = "active"
	RosterPaused      = "paused"
	RosterUnreachable = "unreachable"
)

// RosterFilter picks members for the roster; zero values match all.
type RosterFilter struct {
	OrganisationID int64
	Sector         string
	Role           string
	CareerStage    string
	Status         string // RosterActive, RosterPaused or RosterUnreachable
	Offset, Limit  int
}

// RosterEntry is one member as the roster lists them.
type RosterEntry struct {
	ID             int64
	Platform       string
	Name           string
	OrganisationID int64
	Organisation   string
	Sector         string
	Role           string
	CareerStage    string
	Status         string // RosterActive, RosterPaused or RosterUnreachable
	JoinedAt       time.Time
}

// Roster is one page of members, sorted by name, and how many match.
type Roster struct {
	Total   int
	Entries []RosterEntry
}

// OrgCount is the members of one organisation by status, for the ICB
// report. Sector is the organisation's.
type OrgCount struct {
	OrganisationID int64
	Organisation   string
	Sector         string
	Active         int
	Paused         int
	Unreachable    int
}

// OrganisationInfo is an organisation as the admin's list shows it.
type OrganisationInfo struct {
	ID      int64
	Name    string
	Sector  string
	Listed  bool
	Members int
}

// MembersVersion changes whenever the members who could take part in a
// round change, so a preview computed before is stale.
type MembersVersion struct {
	Count     int
	UpdatedAt time.Time
}

// DashboardStore is what the admin's window reads and writes. Each method
// is atomic.
type DashboardStore interface {
	// SaveSignInLink stores a new sign-in link.
	SaveSignInLink(ctx context.Context, l SignInLink) error
	// TakeSignInLink spends the link with the token hash, once. Returns
	// ENOTFOUND for an unknown link, ECONFLICT for one used already and
	// EEXPIRED for one past its time.
	TakeSignInLink(ctx context.Context, tokenHash string, now time.Time) (*SignInLink, error)
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s Session) error
	// TouchSession returns the session with the hash and records now as
	// its last use, unless it has been idle since before idleSince:
	// then it is deleted and ENOTFOUND returned, as for an unknown one.
	TouchSession(ctx context.Context, idHash string, idleSince, now time.Time) (*Session, error)
	// DeleteSession signs a session out; an unknown one is not an error.
	DeleteSession(ctx context.Context, idHash string) error

	// RecordAudit appends an entry to the admin log.
	RecordAudit(ctx context.Context, e AuditEntry) error
	// AuditLog returns the newest entries first, and how many there are.
	AuditLog(ctx context.Context, offset, limit int) ([]AuditEntry, int, error)

	// DashboardOverview returns the network at a glance, with the
	// latest rounds' figures (at most rounds of them).
	DashboardOverview(ctx context.Context, now time.Time, rounds int) (*Overview, error)
	// RecentRounds returns the latest rounds' figures (at most rounds of
	// them), oldest first, as the overview has them, without its counts
	// of members.
	RecentRounds(ctx context.Context, rounds int) ([]RoundStats, error)
	// NetworkMap returns the organisations with members and the intros
	// between organisations over the latest rounds rounds.
	NetworkMap(ctx context.Context, rounds int) (*NetworkMap, error)
	// Roster returns one page of the members the filter picks.
	Roster(ctx context.Context, f RosterFilter, now time.Time) (*Roster, error)
	// RosterCounts returns every organisation with members, by status,
	// sorted by organisation name.
	RosterCounts(ctx context.Context, now time.Time) ([]OrgCount, error)
	// MemberByID returns a member, or ENOTFOUND.
	MemberByID(ctx context.Context, id int64) (*Member, error)
	// MembersVersion returns what changes when the round's members do.
	MembersVersion(ctx context.Context) (MembersVersion, error)

	// Organisations returns every listed organisation and every one with
	// members, sorted by name.
	Organisations(ctx context.Context) ([]OrganisationInfo, error)
	// RenameOrganisation renames one; its members follow. Returns
	// ENOTFOUND, ECONFLICT when another has the new name's key, or
	// EINVALID.
	RenameOrganisation(ctx context.Context, id int64, name string, now time.Time) (*OrganisationInfo, error)
	// MergeOrganisations merges from into into: from's members and its
	// spelling go to into. Returns ENOTFOUND or EINVALID (the same one).
	MergeOrganisations(ctx context.Context, from, into int64, now time.Time) error
	// SetOrganisationSector sets an organisation's sector ("" for none).
	// Returns ENOTFOUND, or EINVALID for an unknown sector.
	SetOrganisationSector(ctx context.Context, id int64, sector string, now time.Time) error
	// RemoveOrganisationByID takes an organisation off the list; its
	// members keep it. Returns ENOTFOUND.
	RemoveOrganisationByID(ctx context.Context, id int64) error

	// AdminSetPause pauses (indefinitely) or resumes a member, records e
	// and queues notice (when not nil) in one transaction. Returns the
	// member, or ENOTFOUND.
	AdminSetPause(ctx context.Context, memberID int64, paused bool, now time.Time, e AuditEntry, notice *Notice) (*Member, error)

	// SweepSignIns deletes links and sessions that can no longer be used
	// (expired before before), and returns how many.
	SweepSignIns(ctx context.Context, before time.Time) (int, error)
}
