package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// How long a sign-in link lasts, and how long a session may sit idle.
const (
	SignInLinkTTL = 10 * time.Minute
	SessionIdle   = 8 * time.Hour
)

// AdminStore is what the admin's actions need of the database.
type AdminStore interface {
	Store
	DashboardStore
}

// Admin carries out what network admins do outside the chat's own
// commands: signing into the web pages, and the actions those pages offer.
// Every action checks that the user is an admin now, and records who did
// what in the admin log.
type Admin struct {
	Store    AdminStore
	Rounds   *Rounds
	Delivery *Delivery
	IsAdmin  func(User) bool
	Now      func() time.Time
	// PublicURL is where the web pages are reached, without a trailing
	// slash; sign-in links start with it.
	PublicURL string
	Log       *slog.Logger
	// OnQueued is called after an action queues a message.
	OnQueued func()
}

func (a *Admin) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *Admin) log() *slog.Logger {
	if a.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Log
}

func (a *Admin) isAdmin(u User) bool { return a.IsAdmin != nil && u.ID != "" && a.IsAdmin(u) }

// forbidden is the refusal for someone who is not (or no longer) an admin.
func forbidden() error {
	return Refuse(EFORBIDDEN, "Only network admins can open the admin pages. If you think you should be one, ask your PCN's network manager to add you to RAPPORT_ADMINS.")
}

// TokenHash is how a secret token is stored: its SHA-256, in hex.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SignInPath is the path of a sign-in link, before its token.
const SignInPath = "/admin/sign-in/"

// NewSignInLink makes a one-time sign-in link for an admin and returns its
// address and when it stops working. Returns EFORBIDDEN for anyone else,
// and EINVALID when no public address is set.
func (a *Admin) NewSignInLink(ctx context.Context, u User) (string, time.Time, error) {
	if !a.isAdmin(u) {
		return "", time.Time{}, forbidden()
	}
	if a.PublicURL == "" {
		return "", time.Time{}, Refuse(EINVALID, "The admin pages are not set up: whoever runs Rapport needs to set RAPPORT_PUBLIC_URL to the address the pages are reached at.")
	}
	token := rand.Text()
	now := a.now()
	l := SignInLink{TokenHash: TokenHash(token), Admin: u, CreatedAt: now, ExpiresAt: now.Add(SignInLinkTTL)}
	if err := a.Store.SaveSignInLink(ctx, l); err != nil {
		return "", time.Time{}, err
	}
	a.audit(ctx, u, AuditDashboardDM, 0, "")
	return strings.TrimSuffix(a.PublicURL, "/") + SignInPath + token, l.ExpiresAt, nil
}

// SignIn spends a sign-in link's token and starts a session. It returns
// the session and the secret for its cookie. Returns ENOTFOUND, ECONFLICT
// (used already) or EEXPIRED for a link that cannot be used, and
// EFORBIDDEN when its admin is an admin no longer.
func (a *Admin) SignIn(ctx context.Context, token string) (*Session, string, error) {
	if token == "" {
		return nil, "", Refuse(ENOTFOUND, "This sign-in link is not one Rapport made.")
	}
	now := a.now()
	l, err := a.Store.TakeSignInLink(ctx, TokenHash(token), now)
	if err != nil {
		return nil, "", err
	}
	if !a.isAdmin(l.Admin) {
		return nil, "", forbidden()
	}
	secret := rand.Text()
	s := Session{IDHash: TokenHash(secret), Admin: l.Admin, CSRF: rand.Text(), CreatedAt: now, LastSeen: now}
	if err := a.Store.CreateSession(ctx, s); err != nil {
		return nil, "", err
	}
	a.audit(ctx, l.Admin, AuditSignIn, 0, "")
	return &s, secret, nil
}

// Session returns the signed-in admin's session for a cookie's secret,
// and records its use. Returns ENOTFOUND for no session (unknown, signed
// out or idle too long) and EFORBIDDEN when its admin is no longer one.
func (a *Admin) Session(ctx context.Context, secret string) (*Session, error) {
	if secret == "" {
		return nil, Refuse(ENOTFOUND, "You are not signed in.")
	}
	now := a.now()
	s, err := a.Store.TouchSession(ctx, TokenHash(secret), now.Add(-SessionIdle), now)
	if err != nil {
		return nil, err
	}
	if !a.isAdmin(s.Admin) {
		return nil, forbidden()
	}
	return s, nil
}

// SignOut ends a session.
func (a *Admin) SignOut(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return a.Store.DeleteSession(ctx, TokenHash(secret))
}

// Record adds an admin's action taken elsewhere (in the chat) to the admin
// log. A failure to record is logged; the action has happened.
func (a *Admin) Record(ctx context.Context, u User, action string, memberID int64, detail string) {
	a.audit(ctx, u, action, memberID, detail)
}

// audit records an action in the admin log. A failure to record is
// logged; the action has happened.
func (a *Admin) audit(ctx context.Context, u User, action string, memberID int64, detail string) {
	e := AuditEntry{At: a.now(), Action: action, Actor: u, ActorName: u.Name, MemberID: memberID, Detail: detail}
	if err := a.Store.RecordAudit(ctx, e); err != nil {
		a.log().Error("record admin action", "action", action, "err", err)
	}
}

// adminNoticeTimeout bounds the goodbye to a removed member, which is
// sent before their data is erased.
const adminNoticeTimeout = 10 * time.Second

// member returns the member an action is about, after checking the admin.
func (a *Admin) member(ctx context.Context, admin User, id int64) (*Member, error) {
	if !a.isAdmin(admin) {
		return nil, forbidden()
	}
	m, err := a.Store.MemberByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Refuse(ENOTFOUND, "That member is no longer in Rapport: they may have left, or another admin removed them.")
	}
	return m, err
}

// PauseMember pauses a member's introductions until they resume, records
// it and tells them, kindly, who to ask.
func (a *Admin) PauseMember(ctx context.Context, admin User, memberID int64) (*Member, error) {
	return a.setPause(ctx, admin, memberID, true)
}

// ResumeMember resumes a member paused (by an admin or themselves), records
// it and tells them.
func (a *Admin) ResumeMember(ctx context.Context, admin User, memberID int64) (*Member, error) {
	return a.setPause(ctx, admin, memberID, false)
}

func (a *Admin) setPause(ctx context.Context, admin User, memberID int64, paused bool) (*Member, error) {
	if _, err := a.member(ctx, admin, memberID); err != nil {
		return nil, err
	}
	action, kind := AuditResume, NoticeResumedByAdmin
	if paused {
		action, kind = AuditPause, NoticePausedByAdmin
	}
	now := a.now()
	e := AuditEntry{At: now, Action: action, Actor: admin, ActorName: admin.Name, MemberID: memberID}
	m, err := a.Store.AdminSetPause(ctx, memberID, paused, now, e, &Notice{MemberID: memberID, Kind: kind})
	if err != nil {
		return nil, err
	}
	if a.OnQueued != nil {
		a.OnQueued()
	}
	return m, nil
}

// RemoveMember erases a member as leave would, after telling them. The
// goodbye is sent first, while Rapport still knows where to send it; if
// it cannot be sent, the removal goes ahead. The log keeps no trace of who
// it was.
func (a *Admin) RemoveMember(ctx context.Context, admin User, memberID int64) error {
	m, err := a.member(ctx, admin, memberID)
	if err != nil {
		return err
	}
	if d := a.deliverer(m.Platform); d != nil {
		sendCtx, cancel := context.WithTimeout(ctx, adminNoticeTimeout)
		err := d.DM(sendCtx, Attempt{Kind: OutboxNotice, Tag: -m.ID}, m.UserID, removedByAdminNotice())
		cancel()
		if err != nil {
			a.log().Warn("tell a removed member", "platform", m.Platform, "err", err)
		}
	}
	if err := a.Store.DeleteMember(ctx, m.Platform, m.UserID); err != nil {
		return notJoinedAs(err, "That member is no longer in Rapport: they may have left, or another admin removed them.")
	}
	a.audit(ctx, admin, AuditRemove, 0, "")
	if a.OnQueued != nil {
		a.OnQueued() // partners' intro messages are edited
	}
	return nil
}

func (a *Admin) deliverer(platform string) Deliverer {
	if a.Delivery == nil {
		return nil
	}
	return a.Delivery.Platforms[platform]
}

// RunRound runs a round now, as "admin run-now" does, and records it.
func (a *Admin) RunRound(ctx context.Context, admin User, force bool) (*Round, *RoundPlan, error) {
	if !a.isAdmin(admin) {
		return nil, nil, forbidden()
	}
	round, plan, err := a.Rounds.RunNow(ctx, force)
	if err != nil {
		return nil, nil, err
	}
	a.audit(ctx, admin, AuditRunRound, 0, "round "+strconv.Itoa(round.Number))
	if a.OnQueued != nil {
		a.OnQueued() // the round's intros are waiting in the outbox
	}
	return round, plan, nil
}

// AddOrganisation adds an organisation to the list, with its sector.
func (a *Admin) AddOrganisation(ctx context.Context, admin User, name, sector string) (*Organisation, error) {
	if !a.isAdmin(admin) {
		return nil, forbidden()
	}
	name = oneLine(name)
	if name == "" {
		return nil, Refuse(EINVALID, "Type the organisation's name, such as Riverside Surgery.")
	}
	if msg := checkText(name, MaxOrganisationLen); msg != "" {
		return nil, Errorf(EINVALID, "That name won't do: %s", msg)
	}
	if err := checkSector(sector); err != nil {
		return nil, err
	}
	org, err := a.Store.AddOrganisation(ctx, name, a.now())
	if err != nil {
		return nil, err
	}
	if sector != "" {
		if err := a.Store.SetOrganisationSector(ctx, org.ID, sector, a.now()); err != nil {
			return nil, err
		}
	}
	a.audit(ctx, admin, AuditOrgAdd, 0, org.Name)
	return org, nil
}

// RenameOrganisation renames an organisation; its members follow.
func (a *Admin) RenameOrganisation(ctx context.Context, admin User, id int64, name string) (*OrganisationInfo, error) {
	if !a.isAdmin(admin) {
		return nil, forbidden()
	}
	name = oneLine(name)
	if name == "" {
		return nil, Refuse(EINVALID, "Type the organisation's new name.")
	}
	if msg := checkText(name, MaxOrganisationLen); msg != "" {
		return nil, Errorf(EINVALID, "That name won't do: %s", msg)
	}
	before := a.orgName(ctx, id)
	org, err := a.Store.RenameOrganisation(ctx, id, name, a.now())
	if err != nil {
		return nil, err
	}
	a.audit(ctx, admin, AuditOrgRename, 0, before+" → "+org.Name)
	return org, nil
}

// MergeOrganisations merges one organisation into another: its members
// and its spelling go to the other.
func (a *Admin) MergeOrganisations(ctx context.Context, admin User, from, into int64) error {
	if !a.isAdmin(admin) {
		return forbidden()
	}
	if from == into {
		return Refuse(EINVALID, "Choose two different organisations to merge.")
	}
	fromName, intoName := a.orgName(ctx, from), a.orgName(ctx, into)
	if err := a.Store.MergeOrganisations(ctx, from, into, a.now()); err != nil {
		return err
	}
	a.audit(ctx, admin, AuditOrgMerge, 0, fromName+" → "+intoName)
	return nil
}

// RemoveOrganisation takes an organisation off the list; its members keep
// it, and are still never paired with each other.
func (a *Admin) RemoveOrganisation(ctx context.Context, admin User, id int64) error {
	if !a.isAdmin(admin) {
		return forbidden()
	}
	name := a.orgName(ctx, id)
	if err := a.Store.RemoveOrganisationByID(ctx, id); err != nil {
		return err
	}
	a.audit(ctx, admin, AuditOrgRemove, 0, name)
	return nil
}

// SetSector sets an organisation's sector ("" for none).
func (a *Admin) SetSector(ctx context.Context, admin User, id int64, sector string) error {
	if !a.isAdmin(admin) {
		return forbidden()
	}
	if err := checkSector(sector); err != nil {
		return err
	}
	if err := a.Store.SetOrganisationSector(ctx, id, sector, a.now()); err != nil {
		return err
	}
	label := "none"
	if sector != "" {
		label = sector
	}
	a.audit(ctx, admin, AuditOrgSector, 0, a.orgName(ctx, id)+": "+label)
	return nil
}

// orgName is an organisation's name for the log, or "" when it cannot be
// read.
func (a *Admin) orgName(ctx context.Context, id int64) string {
	orgs, err := a.Store.Organisations(ctx)
	if err != nil {
		return ""
	}
	for _, o := range orgs {
		if o.ID == id {
			return o.Name
		}
	}
	return ""
}

// checkSector refuses a sector code that is not on the list.
func checkSector(sector string) error {
	if sector == "" {
		return nil
	}
	for _, s := range Sectors {
		if s.Code == sector {
			return nil
		}
	}
	return Refuse(EINVALID, "Choose a sector from the list.")
}
