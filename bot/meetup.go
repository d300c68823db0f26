package bot

import (
	"context"
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
	// Channel is where the announcement goes on the first board (Slack's
	// channel), and Posts where it went on each platform (none until it
	// is posted).
	Channel string
	Posts   []MeetupPost

	// Version grows with every change to the meetup or its RSVPs, so a
	// rendering of it can tell whether it is still current.
	Version int64
	Counts  RSVPCounts

	// When the reminders fall due; computed from StartsAt in the network's
	// time zone.
	DayReminderAt  time.Time
	HourReminderAt time.Time

	// CreateKey makes creation idempotent: a second create with the same
	// key returns the first meetup. The meetup form carries one as its Ref.
	CreateKey string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// ForEveryone reports whether the meetup is open to all roles and sectors.
func (m *Meetup) ForEveryone() bool { return len(m.Roles) == 0 && len(m.Sectors) == 0 }

// Full reports whether every place is taken.
func (m *Meetup) Full() bool { return m.Capacity > 0 && m.Counts.Going >= m.Capacity }

// Announced reports whether the announcement has been posted.
func (m *Meetup) Announced() bool { return len(m.Posts) > 0 }

// PostOn returns where the announcement went on a platform, or nil.
func (m *Meetup) PostOn(platform string) *MeetupPost {
	for i := range m.Posts {
		if m.Posts[i].Platform == platform {
			return &m.Posts[i]
		}
	}
	return nil
}

// AnnouncedIn is the channel a person on the platform reads the
// announcement in: the platform's own post, else the first.
func (m *Meetup) AnnouncedIn(platform string) string {
	if p := m.PostOn(platform); p != nil {
		return p.Channel
	}
	if len(m.Posts) > 0 {
		return m.Posts[0].Channel
	}
	return m.Channel
}

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

	// SetMeetupPost records where the announcement was posted on a
	// platform.
	// Returns ENOTFOUND.
	SetMeetupPost(ctx context.Context, id int64, platform, channel, ref string) error

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
