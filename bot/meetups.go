package bot

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

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
	// Boards are where meetups are announced, one per platform: a
	// network served on two platforms announces each meetup on both, and
	// answers from both count against one capacity. None means meetups
	// are not set up.
	Boards []MeetupBoard
	// Log records what went wrong in the background; nil logs nothing.
	Log *slog.Logger
	// ReminderEvery is how often due reminders are looked for; zero means
	// every 30 seconds.
	ReminderEvery time.Duration
	// UpdateEvery spaces the updates of one announcement; zero means a
	// second, about Slack's sustained rate for editing a message.
	UpdateEvery time.Duration
	// OnQueued is called when a change queues messages to members, so
	// that a waiting delivery worker sends them at once.
	OnQueued func()
	// Meter counts the meetups announced and the answers to them; nil
	// counts nothing.
	Meter Meter

	// announcing is which announcements are being updated now.
	announcing announcing
}

// announcing is the state of the announcement updates in progress: while
// one update of a meetup runs, further requests only mark it dirty, and
// the updater goes round again.
type announcing struct {
	mu    sync.Mutex
	busy  map[int64]bool
	dirty map[int64]bool
}

func (s *Meetups) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
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
func (s *Meetups) Configured() bool { return s != nil && len(s.Boards) > 0 }

// MeetupBoard is where a platform announces meetups.
type MeetupBoard struct {
	Platform string
	// Channel is the channel to post in; empty lets the board choose (in
	// Teams, the channel an admin chose).
	Channel string
	Board   Board
}

// board returns the platform's board, or nil.
func (s *Meetups) board(platform string) *MeetupBoard {
	for i := range s.Boards {
		if s.Boards[i].Platform == platform {
			return &s.Boards[i]
		}
	}
	return nil
}

// mainChannel is the channel of the first board: where a new meetup is
// said to be announced until it is.
func (s *Meetups) mainChannel() string {
	if len(s.Boards) == 0 {
		return ""
	}
	return s.Boards[0].Channel
}

// errNotConfigured is what people hear when no announce channel is set.
func errNotConfigured() error {
	return Refuse(ECONFLICT, "Meetups aren't set up yet: a network admin needs to choose the channel they are announced in (the ",
		Code("RAPPORT_ANNOUNCE_CHANNEL"), " setting). Please ask your network manager.")
}

// notJoined explains, when err is ENOTFOUND, that meetups are for
// members: said is what to do next, once joined.
func notJoined(err error, parts ...any) error {
	if ErrorCode(err) != ENOTFOUND {
		return err
	}
	return Refuse(ENOTFOUND, parts...)
}

// notJoinedHost and notJoinedRSVP explain that meetups are for members.
func notJoinedHost(err error) error {
	return notJoined(err, "Meetups are hosted by members of the network. Join first with ", Cmd(), " (it takes a minute), then run ", MeetupCmd(), " again.")
}

func notJoinedRSVP(err error) error {
	return notJoined(err, "Meetups are for members of the network. Join with ", Cmd(), " (it takes a minute), then press the button again.")
}

// CheckHost returns ENOTFOUND with a kind message when the user has not
// joined, so cannot host.
func (s *Meetups) CheckHost(ctx context.Context, u User) error {
	if !s.Configured() {
		return errNotConfigured()
	}
	_, err := s.Store.FindMember(ctx, u.Platform, u.ID)
	return notJoinedHost(err)
}

// Create validates the form and stores the meetup, hosted by u. key makes
// a repeated submission return the first meetup. Invalid input returns
// EINVALID with per-field messages; a host who has not joined, ENOTFOUND.
func (s *Meetups) Create(ctx context.Context, u User, f MeetupForm, key string) (*Meetup, error) {
	if !s.Configured() {
		return nil, errNotConfigured()
	}
	m, err := f.validate(s.now(), s.loc())
	if err != nil {
		return nil, err
	}
	m.CreateKey = key
	m.Channel = s.mainChannel()
	s.setReminderTimes(m)
	if _, err := s.Store.CreateMeetup(ctx, u.Platform, u.ID, m); err != nil {
		return nil, notJoinedHost(err)
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

// Get returns the meetup with its counts. Returns ENOTFOUND.
func (s *Meetups) Get(ctx context.Context, id int64) (*Meetup, error) {
	m, err := s.Store.FindMeetup(ctx, id)
	return m, gone(err)
}

func gone(err error) error {
	if ErrorCode(err) == ENOTFOUND {
		return Refuse(ENOTFOUND, "I can't find that meetup. See what's coming up with ", MeetupCmd("list"), ".")
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
		return nil, Errorf(ECONFLICT, "Answers for “%s” closed on %s. If you'd still like to come, please ask the host.", Truncate(m.Title, 40), when(*m.RSVPBy, s.loc()))
	}
	if _, err := s.Store.FindMember(ctx, u.Platform, u.ID); err != nil {
		return nil, notJoinedRSVP(err)
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
	meterOf(s.Meter).RSVP(out.Status)
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
	return ms, notJoined(err, "You haven't joined yet, so you have no meetups. Join with ", Cmd(), ", then see what's on with ", MeetupCmd("list"), ".")
}

// Target finds the meetup "edit" or "cancel" means: the number typed
// ("12" or "#12"), or else the one upcoming meetup u hosts. Returns
// EINVALID, with the choices, when that is not clear.
func (s *Meetups) Target(ctx context.Context, u User, verb string, args []string) (int64, error) {
	if len(args) > 0 {
		id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
		if err != nil || id <= 0 {
			return 0, Refuse(EINVALID, "Which meetup? Give its number, like ", MeetupCmd(verb, "12"), "; ", MeetupCmd("mine"), " shows the numbers of yours.")
		}
		return id, nil
	}
	mine, err := s.Mine(ctx, u)
	if err != nil {
		return 0, err
	}
	var hosted []Text
	var id int64
	for _, mm := range mine {
		if mm.Hosting {
			hosted = append(hosted, P(MeetupCmd(verb, strconv.FormatInt(mm.Meetup.ID, 10)), " for ", Truncate(mm.Meetup.Title, 40)))
			id = mm.Meetup.ID
		}
	}
	switch len(hosted) {
	case 0:
		return 0, Refuse(EINVALID, "You aren't hosting an upcoming meetup. To ", verb, " another, give its number, like ", MeetupCmd(verb, "12"), " (hosts and network admins only).")
	case 1:
		return id, nil
	}
	return 0, Refuse(EINVALID, "You host ", len(hosted), " upcoming meetups. Which one? Try ", Join(hosted, ", or "), ".")
}
