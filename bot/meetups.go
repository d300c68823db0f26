package bot

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MeetupCommandName is the slash command for meetups.
const MeetupCommandName = "/meetup"

// Meetup statuses.
const (
	MeetupScheduled = "scheduled"
	MeetupCancelled = "cancelled"
)

// RSVP answers. RSVPWaiting is never chosen: it is what RSVPGoing becomes
// when the meetup is full.
const (
	RSVPGoing    = "going"
	RSVPMaybe    = "maybe"
	RSVPNotGoing = "not_going"
	RSVPWaiting  = "waiting"
)

// Reminder kinds: the day before at MeetupReminderHour, and an hour
// before the start.
const (
	ReminderDayBefore  = "day_before"
	ReminderHourBefore = "hour_before"
)

// MeetupReminderHour is the hour of the day before a meetup, in the
// network's time zone, when the first reminder goes out.
const MeetupReminderHour = 9

// Meetup form field names, used as keys of Error.Fields.
const (
	MeetupFieldTitle    = "title"
	MeetupFieldPurpose  = "purpose"
	MeetupFieldDate     = "date"
	MeetupFieldStart    = "start"
	MeetupFieldEnd      = "end"
	MeetupFieldPlace    = "place"
	MeetupFieldLink     = "link"
	MeetupFieldRoles    = "roles"
	MeetupFieldSectors  = "sectors"
	MeetupFieldFood     = "food"
	MeetupFieldCapacity = "capacity"
	MeetupFieldRSVPBy   = "rsvp_by"
)

// Limits on meetup fields.
const (
	MaxMeetupTitleLen   = 80
	MaxMeetupPurposeLen = 80
	MaxMeetupPlaceLen   = 150
	MaxMeetupLinkLen    = 500
	MaxMeetupCapacity   = 10000
)

// Meetup is an event a member hosts for the network.
type Meetup struct {
	ID int64
	// The host, as the platform knows them. HostMemberID is 0 and the rest
	// empty once the host has left the network; the meetup stays, and
	// admins can still edit or cancel it.
	HostMemberID int64
	HostPlatform string
	HostUserID   string
	HostName     string

	Title    string
	Purpose  string // what it is for: "First5 group", "PCN lunch"
	StartsAt time.Time
	EndsAt   time.Time
	Place    string
	Link     string   // a video link, https
	Roles    []string // role codes it is for; with Sectors empty too, everyone
	Sectors  []string // sector codes it is for
	Food     bool
	Capacity int        // places; 0 means no limit
	RSVPBy   *time.Time // RSVPs close at this time, if set

	Status string
	// Where the announcement was posted; empty until it is.
	Channel   string
	MessageTS string

	// Version grows with every change to the meetup or its RSVPs, so a
	// rendering of it can tell whether it is still current.
	Version int64
	Counts  RSVPCounts

	// When the reminders fall due; computed from StartsAt in the network's
	// time zone.
	DayReminderAt  time.Time
	HourReminderAt time.Time

	// CreateKey makes creation idempotent: a second create with the same
	// key returns the first meetup. The Slack adapter uses the modal's ID.
	CreateKey string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// ForEveryone reports whether the meetup is open to all roles and sectors.
func (m *Meetup) ForEveryone() bool { return len(m.Roles) == 0 && len(m.Sectors) == 0 }

// Full reports whether every place is taken.
func (m *Meetup) Full() bool { return m.Capacity > 0 && m.Counts.Going >= m.Capacity }

// Announced reports whether the announcement has been posted.
func (m *Meetup) Announced() bool { return m.MessageTS != "" }

// RSVPCounts counts a meetup's answers.
type RSVPCounts struct {
	Going    int
	Maybe    int
	NotGoing int
	Waiting  int
}

// Attendee is one member's answer to a meetup.
type Attendee struct {
	MemberID int64
	Platform string
	UserID   string
	Name     string
	Status   string
	// Position is the place on the waiting list, from 1, for RSVPWaiting.
	Position int
}

// RSVPOutcome is what an RSVP did.
type RSVPOutcome struct {
	Meetup   *Meetup // after the change, with its counts
	Previous string  // the member's answer before, or ""
	Status   string  // the member's answer now
	Position int     // the place on the waiting list, for RSVPWaiting
	Changed  bool    // false when the answer was already Status
	// Promoted are the members moved from the waiting list to going.
	Promoted []Attendee
}

// MeetupChange is what an edit or a cancellation did.
type MeetupChange struct {
	Before *Meetup
	After  *Meetup
	// Changed names what attendees would notice: "title", "when",
	// "place", "link", "food", "capacity", "rsvp_by", "purpose", "audience".
	Changed []string
	// Notify are the members to tell (going, maybe or waiting), without
	// the person who made the change.
	Notify []Attendee
	// Promoted are the members moved from the waiting list to going
	// because the capacity grew.
	Promoted []Attendee
}

// MemberMeetup is a meetup as one member stands with it.
type MemberMeetup struct {
	Meetup  Meetup
	Hosting bool
	RSVP    string // the member's answer, or ""
	// Position is the place on the waiting list, for RSVPWaiting.
	Position int
}

// MeetupPromotion is a meetup whose waiting list moved up.
type MeetupPromotion struct {
	Meetup   *Meetup
	Promoted []Attendee
}

// MeetupReminder is one reminder owed to one member.
type MeetupReminder struct {
	MeetupID int64
	MemberID int64
	Platform string
	UserID   string
	Kind     string
	// StartsAt is the meetup's start the reminder is for: a meetup moved
	// to another time earns new reminders.
	StartsAt time.Time
}

// MeetupRecord is one meetup a member hosted or answered, as their export
// shows it.
type MeetupRecord struct {
	MeetupID    int64      `json:"meetup_id"`
	Title       string     `json:"title"`
	Purpose     string     `json:"purpose,omitempty"`
	StartsAt    time.Time  `json:"starts_at"`
	EndsAt      time.Time  `json:"ends_at"`
	Place       string     `json:"place,omitempty"`
	Link        string     `json:"link,omitempty"`
	Roles       []string   `json:"for_roles,omitempty"`
	Sectors     []string   `json:"for_sectors,omitempty"`
	Food        bool       `json:"food,omitempty"`
	Capacity    int        `json:"capacity,omitempty"`
	RSVPBy      *time.Time `json:"rsvp_by,omitempty"`
	Status      string     `json:"status"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	Host        bool       `json:"host"`
	// The platform's channel and message of the meetup's announcement.
	AnnounceChannel string     `json:"announce_channel,omitempty"`
	AnnounceID      string     `json:"announce_message_id,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	RSVP            string     `json:"rsvp,omitempty"`
	RSVPAt          *time.Time `json:"rsvp_at,omitempty"`
	FirstRSVPAt     *time.Time `json:"first_rsvp_at,omitempty"`
	// RemindersSent are the reminders of the meetup sent to the member.
	RemindersSent []ReminderRecord `json:"reminders_sent,omitempty"`
}

// ReminderRecord is a meetup reminder sent to a member.
type ReminderRecord struct {
	Kind   string    `json:"kind"` // "day_before" or "hour_before"
	SentAt time.Time `json:"sent_at"`
}

// MeetupStore keeps meetups, their RSVPs and the reminders sent. Each
// method is atomic. Members are named by platform and platform user ID.
type MeetupStore interface {
	// FindMember returns the member with the platform user ID.
	// Returns ENOTFOUND when they have not joined.
	FindMember(ctx context.Context, platform, userID string) (*Member, error)

	// CreateMeetup stores m, hosted by the member with the platform user
	// ID, and sets m's ID, Version, host fields and times from the stored
	// row. When a meetup with m.CreateKey exists already it loads that one
	// into m instead and returns created false. Returns ENOTFOUND when the
	// host has not joined.
	CreateMeetup(ctx context.Context, platform, userID string, m *Meetup) (created bool, err error)

	// FindMeetup returns the meetup with its counts. Returns ENOTFOUND.
	FindMeetup(ctx context.Context, id int64) (*Meetup, error)

	// SetMeetupAnnouncement records where the announcement was posted.
	// Returns ENOTFOUND.
	SetMeetupAnnouncement(ctx context.Context, id int64, channel, ts string) error

	// UpdateMeetup saves m's details (not its host, status or
	// announcement), bumps its version, and moves members from the waiting
	// list to going, in order, while places are free, queueing a
	// NoticeMeetupPromoted to each. It then calls notify with the change
	// (Before and After as stored, Notify holding every answer, Promoted)
	// and queues the notices it returns, all in one transaction. Returns
	// ENOTFOUND, and ECONFLICT when the meetup has been cancelled.
	UpdateMeetup(ctx context.Context, m *Meetup, notify func(*MeetupChange) []Notice) (*MeetupChange, error)

	// CancelMeetup cancels the meetup, calls notify with the change (Notify
	// holding every answer) and queues the notices it returns, in one
	// transaction. Returns ENOTFOUND, and ECONFLICT when it was cancelled
	// already.
	CancelMeetup(ctx context.Context, id int64, now time.Time, notify func(*MeetupChange) []Notice) (*MeetupChange, error)

	// RespondToMeetup records the member's answer (RSVPGoing, RSVPMaybe
	// or RSVPNotGoing). Going to a full meetup, or to one anybody is
	// waiting for, joins the end of the waiting list; a place freed moves
	// the first on the list up, and queues a NoticeMeetupPromoted. Answers
	// are counted in the order the store commits them, exactly, however
	// many arrive at once. Returns ENOTFOUND when the meetup does not
	// exist or the member has not joined, and ECONFLICT when the meetup has been cancelled.
	RespondToMeetup(ctx context.Context, id int64, platform, userID, answer string, now time.Time) (*RSVPOutcome, error)

	// MeetupAttendees returns every answer to the meetup: going and
	// waiting in the order they answered, then maybe, then not going.
	// Returns ENOTFOUND.
	MeetupAttendees(ctx context.Context, id int64) ([]Attendee, error)

	// ListMeetups returns announced, scheduled meetups that end after
	// from, soonest first, at most limit.
	ListMeetups(ctx context.Context, from time.Time, limit int) ([]Meetup, error)

	// MemberMeetups returns the scheduled meetups ending after from that
	// the member hosts or has answered going, maybe or waiting, soonest
	// first. Returns ENOTFOUND when they have not joined.
	MemberMeetups(ctx context.Context, platform, userID string, from time.Time) ([]MemberMeetup, error)

	// DueMeetupReminders returns the reminders due at now and not yet
	// queued: for members going to a scheduled meetup that has not
	// started, whose answer came before the reminder fell due.
	DueMeetupReminders(ctx context.Context, now time.Time) ([]MeetupReminder, error)

	// QueueMeetupReminder records r as sent and queues its
	// NoticeMeetupReminder, in one transaction, if it is still owed (the
	// member is still going and the meetup has not moved or begun) and
	// nobody has queued it. Of several callers at once, one gets true.
	QueueMeetupReminder(ctx context.Context, r MeetupReminder, now time.Time) (bool, error)

	// FillFreePlaces moves members from the waiting list to going, in
	// order, wherever a scheduled meetup that has not started at now has
	// free places that nothing else filled, and queues a
	// NoticeMeetupPromoted to each. Every change that frees a place fills
	// it already; this is a safety net. It returns each meetup changed
	// with the members moved.
	FillFreePlaces(ctx context.Context, now time.Time) ([]MeetupPromotion, error)
}

// Meetups carries out /meetup: announcing events, RSVPs and reminders.
type Meetups struct {
	Store MeetupStore

	// Now returns the current time; tests pass a controllable clock.
	Now func() time.Time
	// Location is the network's time zone: dates people type and read,
	// and the 09:00 of the day-before reminder.
	Location *time.Location
	// IsAdmin reports whether a user is a network admin; admins can edit
	// and cancel any meetup.
	IsAdmin func(u User) bool
	// AnnounceChannel is where meetups are announced (a Slack channel ID).
	// Empty means meetups are not set up.
	AnnounceChannel string
	// ReminderEvery is how often due reminders are looked for; zero means
	// every 30 seconds.
	ReminderEvery time.Duration
	// OnQueued is called when a change queues messages to members, so
	// that a waiting delivery worker sends them at once.
	OnQueued func()
}

func (s *Meetups) queued() {
	if s.OnQueued != nil {
		s.OnQueued()
	}
}

func (s *Meetups) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Meetups) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Configured reports whether meetups can be announced.
func (s *Meetups) Configured() bool { return s != nil && s.AnnounceChannel != "" }

// NotConfiguredMessage is what people see when no announce channel is set.
const NotConfiguredMessage = "Meetups aren't set up yet: a network admin needs to choose the channel they are announced in (the `RAPPORT_ANNOUNCE_CHANNEL` setting). Please ask your network manager."

// notJoinedHost and notJoinedRSVP explain that meetups are for members.
var (
	notJoinedHost = "Meetups are hosted by members of the network. Join first with `" + CommandName + "` (it takes a minute), then run `" + MeetupCommandName + "` again."
	notJoinedRSVP = "Meetups are for members of the network. Join with `" + CommandName + "` (it takes a minute), then press the button again."
)

// ReminderInterval returns how often reminders are looked for.
func (s *Meetups) ReminderInterval() time.Duration {
	if s.ReminderEvery > 0 {
		return s.ReminderEvery
	}
	return 30 * time.Second
}

// CheckHost returns ENOTFOUND with a kind message when the user has not
// joined, so cannot host.
func (s *Meetups) CheckHost(ctx context.Context, u User) error {
	if !s.Configured() {
		return Errorf(ECONFLICT, "%s", NotConfiguredMessage)
	}
	_, err := s.Store.FindMember(ctx, u.Platform, u.ID)
	return notJoinedAs(err, notJoinedHost)
}

// Create validates the form and stores the meetup, hosted by u. key makes
// a repeated submission return the first meetup. Invalid input returns
// EINVALID with per-field messages; a host who has not joined, ENOTFOUND.
func (s *Meetups) Create(ctx context.Context, u User, f MeetupForm, key string) (*Meetup, error) {
	if !s.Configured() {
		return nil, Errorf(ECONFLICT, "%s", NotConfiguredMessage)
	}
	m, err := f.validate(s.now(), s.loc())
	if err != nil {
		return nil, err
	}
	m.CreateKey = key
	m.Channel = s.AnnounceChannel
	s.setReminderTimes(m)
	if _, err := s.Store.CreateMeetup(ctx, u.Platform, u.ID, m); err != nil {
		return nil, notJoinedAs(err, notJoinedHost)
	}
	return m, nil
}

// setReminderTimes sets when m's reminders fall due: 09:00 on the day
// before, in the network's time zone, and an hour before the start.
func (s *Meetups) setReminderTimes(m *Meetup) {
	start := m.StartsAt.In(s.loc())
	m.DayReminderAt = time.Date(start.Year(), start.Month(), start.Day()-1, MeetupReminderHour, 0, 0, 0, s.loc()).UTC()
	m.HourReminderAt = m.StartsAt.Add(-time.Hour)
}

// Announced records where m's announcement was posted.
func (s *Meetups) Announced(ctx context.Context, id int64, channel, ts string) error {
	return s.Store.SetMeetupAnnouncement(ctx, id, channel, ts)
}

// Get returns the meetup with its counts. Returns ENOTFOUND.
func (s *Meetups) Get(ctx context.Context, id int64) (*Meetup, error) {
	m, err := s.Store.FindMeetup(ctx, id)
	return m, gone(err)
}

func gone(err error) error {
	if ErrorCode(err) == ENOTFOUND {
		return Errorf(ENOTFOUND, "I can't find that meetup. See what's coming up with `%s list`.", MeetupCommandName)
	}
	return err
}

// CanManage reports whether u may edit or cancel m: its host or an admin.
func (s *Meetups) CanManage(u User, m *Meetup) bool {
	if m.HostUserID != "" && u.Platform == m.HostPlatform && u.ID == m.HostUserID {
		return true
	}
	return s.IsAdmin != nil && s.IsAdmin(u)
}

func (s *Meetups) manageable(ctx context.Context, u User, id int64) (*Meetup, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.CanManage(u, m) {
		return nil, Errorf(EFORBIDDEN, "Only the host of “%s” or a network admin can change it. To ask about it, message the host.", Truncate(m.Title, 40))
	}
	if m.Status == MeetupCancelled {
		return nil, Errorf(ECONFLICT, "“%s” has been cancelled, so it can't be changed.", Truncate(m.Title, 40))
	}
	return m, nil
}

// Manage returns the meetup and everyone who answered, for its host or an
// admin. Returns ENOTFOUND, EFORBIDDEN for anyone else, and ECONFLICT
// when it has been cancelled.
func (s *Meetups) Manage(ctx context.Context, u User, id int64) (*Meetup, []Attendee, error) {
	m, err := s.manageable(ctx, u, id)
	if err != nil {
		return nil, nil, err
	}
	as, err := s.Store.MeetupAttendees(ctx, id)
	if err != nil {
		return nil, nil, gone(err)
	}
	return m, as, nil
}

// EditDraft returns the form for editing the meetup, for its host or an
// admin. Returns ENOTFOUND, EFORBIDDEN, and ECONFLICT when it has been
// cancelled or has started.
func (s *Meetups) EditDraft(ctx context.Context, u User, id int64) (*Meetup, MeetupForm, error) {
	m, err := s.manageable(ctx, u, id)
	if err != nil {
		return nil, MeetupForm{}, err
	}
	if !s.now().Before(m.StartsAt) {
		return nil, MeetupForm{}, Errorf(ECONFLICT, "“%s” has already started, so it can't be edited.", Truncate(m.Title, 40))
	}
	return m, FormFromMeetup(m, s.loc()), nil
}

// Edit validates the form and saves it over the meetup, for its host or
// an admin. Returns EINVALID with per-field messages, ENOTFOUND,
// EFORBIDDEN, and ECONFLICT when the meetup has been cancelled or has
// started.
func (s *Meetups) Edit(ctx context.Context, u User, id int64, f MeetupForm) (*MeetupChange, error) {
	_, _, err := s.EditDraft(ctx, u, id)
	if err != nil {
		return nil, err
	}
	next, err := f.validate(s.now(), s.loc())
	if err != nil {
		return nil, err
	}
	next.ID = id
	s.setReminderTimes(next)
	// Who is told what is decided in the transaction that changes the
	// meetup, and queued there, so no message is lost with the process.
	c, err := s.Store.UpdateMeetup(ctx, next, func(c *MeetupChange) []Notice {
		c.Changed = changes(c.Before, c.After)
		if len(c.Changed) == 0 {
			c.Notify = nil
			return nil
		}
		// Those just moved up hear that instead.
		c.Notify = slices.DeleteFunc(toTell(c.Notify, u), func(a Attendee) bool {
			return slices.ContainsFunc(c.Promoted, func(p Attendee) bool { return p.MemberID == a.MemberID })
		})
		params := NoticeParams{MeetupID: id, Changed: c.Changed}
		if slices.Contains(c.Changed, "title") {
			params.Title = c.Before.Title
		}
		return noticesTo(c.Notify, NoticeMeetupChanged, params)
	})
	if err != nil {
		return nil, gone(err)
	}
	s.queued()
	return c, nil
}

// Cancel cancels the meetup, for its host or an admin, and tells everyone
// who answered going, maybe or waiting. Returns ENOTFOUND, EFORBIDDEN, and
// ECONFLICT when it was cancelled already.
func (s *Meetups) Cancel(ctx context.Context, u User, id int64) (*MeetupChange, error) {
	before, err := s.manageable(ctx, u, id)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.CancelMeetup(ctx, id, s.now(), func(c *MeetupChange) []Notice {
		c.Changed = []string{"status"}
		c.Notify = toTell(c.Notify, u)
		return noticesTo(c.Notify, NoticeMeetupCancelled, NoticeParams{MeetupID: id})
	})
	if ErrorCode(err) == ECONFLICT {
		return nil, Errorf(ECONFLICT, "“%s” was cancelled already.", Truncate(before.Title, 40))
	} else if err != nil {
		return nil, gone(err)
	}
	s.queued()
	return c, nil
}

// noticesTo is the same notice to each attendee.
func noticesTo(as []Attendee, kind string, p NoticeParams) []Notice {
	out := make([]Notice, 0, len(as))
	for _, a := range as {
		out = append(out, Notice{MemberID: a.MemberID, Kind: kind, Params: p})
	}
	return out
}

// toTell keeps the attendees who would want to hear about a change: going,
// maybe or waiting, but not the person who made it.
func toTell(as []Attendee, actor User) []Attendee {
	var out []Attendee
	for _, a := range as {
		if a.Status == RSVPNotGoing || (a.Platform == actor.Platform && a.UserID == actor.ID) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// changes names what differs between two versions of a meetup.
func changes(a, b *Meetup) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("title", a.Title != b.Title)
	add("purpose", a.Purpose != b.Purpose)
	add("when", !a.StartsAt.Equal(b.StartsAt) || !a.EndsAt.Equal(b.EndsAt))
	add("place", a.Place != b.Place)
	add("link", a.Link != b.Link)
	add("audience", !slices.Equal(a.Roles, b.Roles) || !slices.Equal(a.Sectors, b.Sectors))
	add("food", a.Food != b.Food)
	add("capacity", a.Capacity != b.Capacity)
	add("rsvp_by", !timePtrEqual(a.RSVPBy, b.RSVPBy))
	return out
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// Respond records u's answer to the meetup: RSVPGoing, RSVPMaybe or
// RSVPNotGoing. Returns EINVALID for another answer, ENOTFOUND when the
// meetup is gone or u has not joined, and ECONFLICT when the meetup is
// cancelled, has started, or its RSVP deadline has passed (saying "can't
// go" is always allowed before the start).
func (s *Meetups) Respond(ctx context.Context, u User, id int64, answer string) (*RSVPOutcome, error) {
	if answer != RSVPGoing && answer != RSVPMaybe && answer != RSVPNotGoing {
		return nil, Errorf(EINVALID, "Please answer going, maybe or can't go.")
	}
	m, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case m.Status == MeetupCancelled:
		return nil, Errorf(ECONFLICT, "Sorry, “%s” has been cancelled.", Truncate(m.Title, 40))
	case !now.Before(m.StartsAt):
		return nil, Errorf(ECONFLICT, "“%s” has already started, so answers are closed.", Truncate(m.Title, 40))
	case m.RSVPBy != nil && !now.Before(*m.RSVPBy) && answer != RSVPNotGoing:
		return nil, Errorf(ECONFLICT, "Answers for “%s” closed on %s. If you'd still like to come, please ask the host.", Truncate(m.Title, 40), m.RSVPBy.In(s.loc()).Format("Monday 2 January at 15:04"))
	}
	if _, err := s.Store.FindMember(ctx, u.Platform, u.ID); err != nil {
		return nil, notJoinedAs(err, notJoinedRSVP)
	}
	out, err := s.Store.RespondToMeetup(ctx, id, u.Platform, u.ID, answer, now)
	switch {
	case ErrorCode(err) == ECONFLICT:
		return nil, Errorf(ECONFLICT, "Sorry, “%s” has been cancelled.", Truncate(m.Title, 40))
	case err != nil:
		return nil, gone(err)
	}
	if len(out.Promoted) > 0 {
		s.queued()
	}
	return out, nil
}

// Upcoming returns the announced meetups that have not ended, soonest
// first.
func (s *Meetups) Upcoming(ctx context.Context) ([]Meetup, error) {
	return s.Store.ListMeetups(ctx, s.now(), 20)
}

// Mine returns the upcoming meetups u hosts or has answered going, maybe
// or waiting. Returns ENOTFOUND when u has not joined.
func (s *Meetups) Mine(ctx context.Context, u User) ([]MemberMeetup, error) {
	ms, err := s.Store.MemberMeetups(ctx, u.Platform, u.ID, s.now())
	return ms, notJoinedAs(err, "You haven't joined yet, so you have no meetups. Join with `"+CommandName+"`, then see what's on with `"+MeetupCommandName+" list`.")
}

// Target finds the meetup "edit" or "cancel" means: the number typed
// ("12" or "#12"), or else the one upcoming meetup u hosts. Returns
// EINVALID, with the choices, when that is not clear.
func (s *Meetups) Target(ctx context.Context, u User, verb string, args []string) (int64, error) {
	if len(args) > 0 {
		id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
		if err != nil || id <= 0 {
			return 0, Errorf(EINVALID, "Which meetup? Give its number, like `%s %s 12`; `%s mine` shows the numbers of yours.", MeetupCommandName, verb, MeetupCommandName)
		}
		return id, nil
	}
	mine, err := s.Mine(ctx, u)
	if err != nil {
		return 0, err
	}
	var hosted []string
	var id int64
	for _, mm := range mine {
		if mm.Hosting {
			hosted = append(hosted, fmt.Sprintf("`%s %s %d` for %s", MeetupCommandName, verb, mm.Meetup.ID, Truncate(mm.Meetup.Title, 40)))
			id = mm.Meetup.ID
		}
	}
	switch len(hosted) {
	case 0:
		return 0, Errorf(EINVALID, "You aren't hosting an upcoming meetup. To %s another, give its number, like `%s %s 12` (hosts and network admins only).", verb, MeetupCommandName, verb)
	case 1:
		return id, nil
	}
	return 0, Errorf(EINVALID, "You host %d upcoming meetups. Which one? Try %s.", len(hosted), strings.Join(hosted, ", or "))
}

// DueReminder is a reminder with the meetup it is about.
type DueReminder struct {
	MeetupReminder
	Meetup *Meetup
}

// DueReminders returns the reminders due now that nobody has sent.
func (s *Meetups) DueReminders(ctx context.Context) ([]DueReminder, error) {
	now := s.now()
	rs, err := s.Store.DueMeetupReminders(ctx, now)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Meetup{}
	out := make([]DueReminder, 0, len(rs))
	for _, r := range rs {
		m, ok := byID[r.MeetupID]
		if !ok {
			if m, err = s.Store.FindMeetup(ctx, r.MeetupID); err != nil {
				return nil, err
			}
			byID[r.MeetupID] = m
		}
		out = append(out, DueReminder{MeetupReminder: r, Meetup: m})
	}
	return out, nil
}

// QueueReminder queues r for the outbox to send, unless another replica
// has or it is no longer owed; queued says whether this call did.
func (s *Meetups) QueueReminder(ctx context.Context, r MeetupReminder) (queued bool, err error) {
	queued, err = s.Store.QueueMeetupReminder(ctx, r, s.now())
	if queued {
		s.queued()
	}
	return queued, err
}

// FillFreePlaces gives any place still free to the people waiting (every
// change that frees one fills it already; this is a safety net), and
// returns who moved up where. Those moved are told through the outbox.
func (s *Meetups) FillFreePlaces(ctx context.Context) ([]MeetupPromotion, error) {
	ps, err := s.Store.FillFreePlaces(ctx, s.now())
	if len(ps) > 0 {
		s.queued()
	}
	return ps, err
}

// CalendarLinks returns "add to calendar" links for Google Calendar and
// Outlook on the web, built from the meetup alone.
func CalendarLinks(m *Meetup) (google, outlook string) {
	where := m.Place
	if where == "" {
		where = m.Link
	}
	details := m.Purpose
	if m.Link != "" {
		details += "\nJoin: " + m.Link
	}
	details += "\nAnnounced by Rapport."
	const gcal = "20060102T150405Z"
	g := url.Values{}
	g.Set("action", "TEMPLATE")
	g.Set("text", m.Title)
	g.Set("dates", m.StartsAt.UTC().Format(gcal)+"/"+m.EndsAt.UTC().Format(gcal))
	g.Set("details", details)
	g.Set("location", where)
	o := url.Values{}
	o.Set("subject", m.Title)
	o.Set("startdt", m.StartsAt.UTC().Format(time.RFC3339))
	o.Set("enddt", m.EndsAt.UTC().Format(time.RFC3339))
	o.Set("body", details)
	o.Set("location", where)
	return "https://calendar.google.com/calendar/render?" + g.Encode(),
		"https://outlook.office.com/calendar/0/deeplink/compose?" + o.Encode()
}

// MeetupForm is a meetup as submitted from a form, before validation.
// Dates are YYYY-MM-DD and times HH:MM, in the network's time zone.
type MeetupForm struct {
	Title    string
	Purpose  string
	Date     string
	Start    string
	End      string
	Place    string
	Link     string
	Roles    []string
	Sectors  []string
	Food     string // "yes" or "no"
	Capacity string // a whole number, or empty for no limit
	RSVPBy   string // a date, or empty
}

// FormFromMeetup returns the form that shows m, for editing.
func FormFromMeetup(m *Meetup, loc *time.Location) MeetupForm {
	start, end := m.StartsAt.In(loc), m.EndsAt.In(loc)
	f := MeetupForm{
		Title: m.Title, Purpose: m.Purpose,
		Date: start.Format(time.DateOnly), Start: start.Format("15:04"), End: end.Format("15:04"),
		Place: m.Place, Link: m.Link, Roles: m.Roles, Sectors: m.Sectors, Food: "no",
	}
	if m.Food {
		f.Food = "yes"
	}
	if m.Capacity > 0 {
		f.Capacity = strconv.Itoa(m.Capacity)
	}
	if m.RSVPBy != nil {
		// Stored as the moment answers close: midnight after the chosen
		// day (or the start, if sooner), which belongs to the day before.
		f.RSVPBy = m.RSVPBy.Add(-time.Second).In(loc).Format(time.DateOnly)
	}
	return f
}

// validate turns a form into a meetup, or returns an EINVALID *Error whose
// Fields say what to fix in each field.
func (f MeetupForm) validate(now time.Time, loc *time.Location) (*Meetup, error) {
	errs := map[string]string{}
	m := &Meetup{Status: MeetupScheduled}

	text := func(field, value string, max int, required bool, ask string) string {
		v := oneLine(CleanText(value))
		switch {
		case v == "" && required:
			errs[field] = ask
		case v != "":
			if msg := checkText(v, max); msg != "" {
				errs[field] = msg
			}
		}
		return v
	}
	m.Title = text(MeetupFieldTitle, f.Title, MaxMeetupTitleLen, true, "Please give your meetup a title, like \"First5 lunch\".")
	m.Purpose = text(MeetupFieldPurpose, f.Purpose, MaxMeetupPurposeLen, true, "Please say in a few words what it is for, like \"practice managers\" or \"PCN lunch\".")
	m.Place = text(MeetupFieldPlace, f.Place, MaxMeetupPlaceLen, false, "")

	m.Link = strings.TrimSpace(CleanText(f.Link))
	if m.Link != "" {
		if msg := checkLink(m.Link); msg != "" {
			errs[MeetupFieldLink] = msg
		}
	}
	if m.Place == "" && m.Link == "" && errs[MeetupFieldPlace] == "" {
		errs[MeetupFieldPlace] = "Please say where it is, or add a video link below."
	}

	day, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.Date), loc)
	if err != nil {
		errs[MeetupFieldDate] = "Please choose the date from the calendar."
	}
	clock := func(field, value, ask string) (h, min int, ok bool) {
		t, err := time.Parse("15:04", strings.TrimSpace(value))
		if err != nil {
			errs[field] = ask
			return 0, 0, false
		}
		return t.Hour(), t.Minute(), true
	}
	sh, sm, okStart := clock(MeetupFieldStart, f.Start, "Please choose a start time.")
	eh, em, okEnd := clock(MeetupFieldEnd, f.End, "Please choose an end time.")
	if errs[MeetupFieldDate] == "" && okStart && okEnd {
		m.StartsAt = time.Date(day.Year(), day.Month(), day.Day(), sh, sm, 0, 0, loc).UTC()
		m.EndsAt = time.Date(day.Year(), day.Month(), day.Day(), eh, em, 0, 0, loc).UTC()
		today := now.In(loc)
		switch {
		case day.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)):
			errs[MeetupFieldDate] = "That date has passed. Please choose today or a later day."
		case !m.StartsAt.After(now):
			errs[MeetupFieldStart] = fmt.Sprintf("That time has passed (it is %s now). Please choose a later start.", today.Format("15:04"))
		}
		if !m.EndsAt.After(m.StartsAt) {
			errs[MeetupFieldEnd] = fmt.Sprintf("The end is before the start. Please choose an end after %02d:%02d (meetups end on the day they start).", sh, sm)
		}
	}

	m.Roles, m.Sectors = chosen(f.Roles, Roles), chosen(f.Sectors, Sectors)
	if len(m.Roles) != len(f.Roles) {
		errs[MeetupFieldRoles] = "Some of these roles are no longer offered. Please choose again."
	}
	if len(m.Sectors) != len(f.Sectors) {
		errs[MeetupFieldSectors] = "Some of these sectors are no longer offered. Please choose again."
	}

	switch f.Food {
	case "yes":
		m.Food = true
	case "no":
	default:
		errs[MeetupFieldFood] = "Please say whether food is provided."
	}

	if c := strings.TrimSpace(f.Capacity); c != "" {
		n, err := strconv.Atoi(c)
		switch {
		case err != nil:
			errs[MeetupFieldCapacity] = "Please type a whole number of places, like 30, or leave it empty for no limit."
		case n < 1:
			errs[MeetupFieldCapacity] = "Please allow at least 1 place, or leave it empty for no limit."
		case n > MaxMeetupCapacity:
			errs[MeetupFieldCapacity] = fmt.Sprintf("Please allow at most %d places, or leave it empty for no limit.", MaxMeetupCapacity)
		default:
			m.Capacity = n
		}
	}

	if d := strings.TrimSpace(f.RSVPBy); d != "" {
		by, err := time.ParseInLocation(time.DateOnly, d, loc)
		switch {
		case err != nil:
			errs[MeetupFieldRSVPBy] = "Please choose the date from the calendar, or leave it empty."
		case !by.AddDate(0, 0, 1).After(now):
			errs[MeetupFieldRSVPBy] = "That date has passed. Please choose a later one, or leave it empty."
		case !m.StartsAt.IsZero() && by.After(m.StartsAt):
			errs[MeetupFieldRSVPBy] = "Answers must close before the meetup starts. Please choose its day or earlier, or leave it empty."
		default:
			// Answers close at the end of that day, or at the start if sooner.
			end := by.AddDate(0, 0, 1).UTC()
			if !m.StartsAt.IsZero() && end.After(m.StartsAt) {
				end = m.StartsAt
			}
			m.RSVPBy = &end
		}
	}

	if len(errs) > 0 {
		return nil, &Error{Code: EINVALID, Message: "Some answers need a second look.", Fields: errs}
	}
	return m, nil
}

// checkLink returns a message when s is not a usable https link. Plain
// http is refused: the link is sent to every member invited, and a
// meeting link should not travel in the clear.
func checkLink(s string) string {
	const how = "Please paste a link that starts with https://, like https://meet.google.com/abc-defg-hij."
	if len(s) > MaxMeetupLinkLen {
		return fmt.Sprintf("Please use a shorter link (at most %d characters).", MaxMeetupLinkLen)
	}
	u, err := url.Parse(s)
	if err == nil && strings.EqualFold(u.Scheme, "http") && u.Host != "" {
		return "Please use the secure version of the link, starting with https:// rather than http:// (video services all offer one)."
	}
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return how
	}
	// Slack reads < > | as the edges of a link.
	if strings.ContainsAny(s, " <>|\"") || checkText(s, MaxMeetupLinkLen) != "" {
		return "Please remove spaces and special characters from the link. " + how
	}
	return ""
}

// chosen keeps the codes that are in choices, in choices' order.
func chosen(codes []string, choices []Choice) []string {
	var out []string
	for _, c := range choices {
		if slices.Contains(codes, c.Code) {
			out = append(out, c.Code)
		}
	}
	return out
}
