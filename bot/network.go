package bot

import (
	"log/slog"
	"time"
)

// Network is what every part of one network's core shares: one clock, one
// time zone, one schedule, one answer to who is an admin, and the
// settings of rounds, meetups, delivery and retention. NewCore wires each
// service from it, so each of these is set in one place.
type Network struct {
	Store NetworkStore
	// Now returns the current time; nil means the system clock.
	Now func() time.Time
	// Location is the network's time zone; nil means UTC.
	Location *time.Location
	// NextRound returns the next scheduled round after t, or the zero
	// time when no schedule is set.
	NextRound func(t time.Time) time.Time
	// IsAdmin reports whether a user is a network admin.
	IsAdmin func(u User) bool
	// Log records what went wrong; nil logs nothing.
	Log *slog.Logger

	Rounds RoundSettings
	// ClaimTimeout is how long a claimed outbox message may go
	// unrecorded before another worker takes it over.
	ClaimTimeout time.Duration
	// UnreachableFor is how long a member stays unreachable before they
	// are erased; HistoryCutoff returns the oldest time whose history is
	// kept.
	UnreachableFor time.Duration
	HistoryCutoff  func(now time.Time) time.Time

	// PublicURL is where the admin pages are reached (sign-in links start
	// with it); "" leaves them without links.
	PublicURL string
	// Meter counts what the bot does; nil counts nothing.
	Meter Meter
	// Requests bounds the intro requests a member sends through the
	// directory; zero means DefaultRequestLimits.
	Requests RequestLimits
}

// NetworkStore is the database the whole core works on.
type NetworkStore interface {
	Store
	RoundStore
	MeetupStore
	DeliveryStore
	SweepStore
	IntroHistory
	DashboardStore
	DirectoryStore
	InviteStore
}

// Core is one network's services, wired together: the conversation core
// that answers people, and the background work (delivery, retention
// sweeps, meetup reminders through Meetups.RunReminders).
type Core struct {
	Chat     *Chat
	Service  *Service
	Rounds   *Rounds
	Meetups  *Meetups
	Delivery *Delivery
	Sweeper  *Sweeper
	// Admin carries out the admin pages' actions and sign-in.
	Admin *Admin
	// Directory finds listed members and carries intro requests.
	Directory *Directory
}

// NewCore wires a network's services. Whatever queues a message wakes the
// delivery; the platforms it sends through (Delivery.Platforms) and the
// boards meetups are announced on (Meetups.Boards) are set by the caller,
// which knows the platforms.
func NewCore(n Network) *Core {
	if n.Now == nil {
		n.Now = time.Now
	}
	if n.Location == nil {
		n.Location = time.UTC
	}
	if n.Log == nil {
		n.Log = slog.New(slog.DiscardHandler)
	}
	if n.Meter == nil {
		n.Meter = NoMeter{}
	}
	d := &Delivery{Store: n.Store, Now: n.Now, Location: n.Location, Log: n.Log, StaleAfter: n.ClaimTimeout, Meter: n.Meter}
	svc := &Service{Store: n.Store, Now: n.Now, Location: n.Location, NextRound: n.NextRound, IsAdmin: n.IsAdmin, Intros: n.Store, OnQueued: d.Wake}
	rounds := &Rounds{Store: n.Store, Now: n.Now, Location: n.Location, Settings: n.Rounds, NextRound: n.NextRound, OnQueued: d.Wake, Meter: n.Meter}
	meetups := &Meetups{Store: n.Store, Now: n.Now, Location: n.Location, IsAdmin: n.IsAdmin, Log: n.Log, OnQueued: d.Wake, Meter: n.Meter}
	if n.Requests.PerWindow == 0 {
		n.Requests = DefaultRequestLimits()
	}
	dir := &Directory{Store: n.Store, Now: n.Now, Limits: n.Requests, Rounds: n.Rounds, Location: n.Location, Log: n.Log, OnQueued: d.Wake}
	admin := &Admin{Store: n.Store, Rounds: rounds, Delivery: d, IsAdmin: n.IsAdmin, Now: n.Now, PublicURL: n.PublicURL, Log: n.Log, OnQueued: d.Wake}
	return &Core{
		Chat:      &Chat{Service: svc, Rounds: rounds, Meetups: meetups, Admin: admin, Directory: dir, Log: n.Log, Location: n.Location, Now: n.Now, AfterRound: d.Wake, Meter: n.Meter},
		Service:   svc,
		Rounds:    rounds,
		Meetups:   meetups,
		Delivery:  d,
		Admin:     admin,
		Directory: dir,
		Sweeper:   &Sweeper{Store: n.Store, Now: n.Now, Log: n.Log, UnreachableFor: n.UnreachableFor, HistoryCutoff: n.HistoryCutoff, OnQueued: d.Wake},
	}
}
