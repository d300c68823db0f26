// Package bot is Rapport's domain: members and their profiles, the network's
// organisations, and the use cases people reach through a chat platform. It
// declares the interfaces it needs (Store) and knows no platform or
// database; adapters turn platform payloads into calls on Service and render
// what it returns.
package bot

import (
	"context"
	"time"

	"github.com/rapport-pcn/rapport/matcher"
)

// CommandName is the slash command people use to join and manage their
// profile.
const CommandName = "/introduce-me"

// User identifies the person acting, as their platform knows them.
type User struct {
	Platform string
	ID       string
	Name     string // display name, when the platform told us
	// FirstName is the platform's own first name for the user, or its
	// display name when it keeps no first name; "" when it told us neither.
	FirstName string
	// ObjectID and PrincipalName are the user's directory object ID and
	// sign-in name, on platforms that have them (Teams): admins can be
	// named by either.
	ObjectID      string
	PrincipalName string
}

// Service carries out what members and admins ask for.
type Service struct {
	Store Store

	// Now returns the current time; tests pass a fixed clock.
	Now func() time.Time
	// Location is the network's time zone, for dates people type and read.
	Location *time.Location
	// NextRound returns when the next round after t starts, or the zero
	// time when no schedule is set.
	NextRound func(t time.Time) time.Time
	// IsAdmin reports whether a user is a network admin.
	IsAdmin func(u User) bool
	// OnQueued, when set, is called after something was put in the outbox
	// (leave queues notices to partners and edits of posted intros), so
	// that delivery sends it now rather than at its next look.
	OnQueued func()
	// Intros, when set, tells Status when a member was last introduced,
	// so that their next round respects the pace they chose. Without it
	// only pauses are counted.
	Intros IntroHistory
}

// IntroHistory reads a member's past introductions.
type IntroHistory interface {
	// RecentIntros returns the member's latest intros, newest first.
	RecentIntros(ctx context.Context, memberID int64, limit int) ([]Intro, error)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// ProfileDraft is what a profile form opens with: the member's saved
// profile, if any, and the organisations to choose from.
type ProfileDraft struct {
	Form          ProfileForm
	Organisations []Organisation
	Joined        bool
}

// Draft returns the form for the user's profile, pre-filled when they have
// joined already.
func (s *Service) Draft(ctx context.Context, u User) (*ProfileDraft, error) {
	orgs, err := s.Store.ListOrganisations(ctx)
	if err != nil {
		return nil, err
	}
	d := &ProfileDraft{Organisations: orgs, Form: ProfileForm{Frequency: "fortnightly", Mentoring: "neither", Meeting: "either"}}
	m, err := s.Store.FindMember(ctx, u.Platform, u.ID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return d, nil
	case err != nil:
		return nil, err
	}
	d.Form, d.Joined = FormFromProfile(m.Profile, orgs), true
	return d, nil
}

// SaveProfile validates the form and stores the profile, joining the user
// to the network if they are new. It returns the member and whether they
// have just joined. Invalid input returns EINVALID with per-field messages,
// and nothing is stored. A member of an organisation whose sector the
// admin has set takes that sector, whatever they ticked: the store applies
// it in the transaction that saves them, and the member returned, which
// the welcome shows, has the sector saved.
func (s *Service) SaveProfile(ctx context.Context, u User, f ProfileForm) (m *Member, joined bool, err error) {
	orgs, err := s.Store.ListOrganisations(ctx)
	if err != nil {
		return nil, false, err
	}
	m, err = s.Store.FindMember(ctx, u.Platform, u.ID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		m, joined = &Member{Platform: u.Platform, UserID: u.ID, Status: StatusActive}, true
	case err != nil:
		return nil, false, err
	}
	// A member who kept their typed organisation when asked "Did you
	// mean…?" is not asked again each time they update their profile.
	if key := OrganisationKey(f.OrganisationOther); key != "" && key == OrganisationKey(m.Profile.Organisation) {
		f.OrganisationIsNew = true
	}
	p, err := f.validate(orgs)
	if err != nil {
		return nil, false, err
	}
	// Names come from the platform, where anyone can type anything.
	if name := cleanName(u.Name); name != "" {
		m.Name = name
	}
	if first := cleanName(u.FirstName); first != "" {
		m.FirstName = first
	}
	m.Profile = p
	// Saving a profile is a sign of life: a member marked unreachable who
	// comes back is reachable again.
	m.Status = StatusActive
	if err := s.Store.SaveMember(ctx, m); err != nil {
		return nil, false, err
	}
	return m, joined, nil
}

// Status is what a member sees about themselves.
type Status struct {
	Member *Member
	// NextRound is the next round the member can be part of, or zero when
	// they are paused indefinitely or no schedule is set.
	NextRound time.Time
}

// Status returns the user's profile and standing. Returns ENOTFOUND when
// they have not joined.
func (s *Service) Status(ctx context.Context, u User) (*Status, error) {
	m, err := s.Store.FindMember(ctx, u.Platform, u.ID)
	if err != nil {
		return nil, err
	}
	return s.statusOf(ctx, m)
}

// roundsAhead bounds how many scheduled rounds statusOf looks through for
// the member's next one: more than a year of daily rounds, the longest
// pause.
const roundsAhead = 400

// introHistoryDepth is how many of a member's latest intros are read to
// find the last one that reached them.
const introHistoryDepth = 20

// statusOf works out the member's next round as a round will: the first
// scheduled one at which matcher.Eligible includes them, given the pace
// they chose, their pause and when they were last introduced.
func (s *Service) statusOf(ctx context.Context, m *Member) (*Status, error) {
	st := &Status{Member: m}
	if s.NextRound == nil {
		return st, nil
	}
	e := matcher.Eligibility{Frequency: m.Profile.Frequency, PausedIndefinitely: m.Paused && m.PausedUntil == nil}
	if m.Paused {
		e.PausedUntil = m.PausedUntil
	}
	if e.PausedIndefinitely {
		return st, nil
	}
	if s.Intros != nil {
		intros, err := s.Intros.RecentIntros(ctx, m.ID, introHistoryDepth)
		if err != nil {
			return nil, err
		}
		for _, in := range intros {
			// As in a round, an intro that never reached them does not count.
			if in.Status != IntroFailed && (e.LastIntro == nil || in.Period.After(*e.LastIntro)) {
				e.LastIntro = &in.Period
			}
		}
	}
	p := s.NextRound(s.now())
	for range roundsAhead {
		if p.IsZero() {
			break
		}
		if ok, _ := matcher.Eligible(e, p); ok {
			st.NextRound = p
			break
		}
		p = s.NextRound(p)
	}
	return st, nil
}

// Pause pauses the user's introductions. args are the words after "pause":
// none for an indefinite pause, "3 weeks" (days, weeks or months), or
// "until 2027-01-10". Returns EINVALID for words it cannot read or a date
// that has passed, and ENOTFOUND when the user has not joined.
func (s *Service) Pause(ctx context.Context, u User, args []string) (*Status, error) {
	until, err := parsePause(args, s.now(), s.loc())
	if err != nil {
		return nil, err
	}
	m, err := s.Store.SetPause(ctx, u.Platform, u.ID, true, until, s.now())
	if err != nil {
		return nil, notJoinedAs(err, "You haven't joined yet, so there is nothing to pause. Run ", Cmd(), " to set up your profile.")
	}
	return s.statusOf(ctx, m)
}

// Resume ends the user's pause. Returns ENOTFOUND when they have not
// joined; resuming someone who is not paused is not an error.
func (s *Service) Resume(ctx context.Context, u User) (*Status, error) {
	m, err := s.Store.SetPause(ctx, u.Platform, u.ID, false, nil, s.now())
	if err != nil {
		return nil, notJoinedAs(err, "You haven't joined yet. Run ", Cmd(), " to set up your profile and you'll be in the next round.")
	}
	return s.statusOf(ctx, m)
}

// Export returns everything stored about the user. Returns ENOTFOUND when
// they have not joined.
func (s *Service) Export(ctx context.Context, u User) (*MemberExport, error) {
	x, err := s.Store.ExportMember(ctx, u.Platform, u.ID)
	if err != nil {
		return nil, notJoinedAs(err, "We hold no profile for you, so there is nothing to export.")
	}
	x.ExportedAt = s.now()
	return x, nil
}

// CheckLeave confirms the user has joined before asking them to confirm
// that they want to leave. Returns ENOTFOUND when they have not.
func (s *Service) CheckLeave(ctx context.Context, u User) error {
	_, err := s.Store.FindMember(ctx, u.Platform, u.ID)
	return notJoinedAs(err, "You haven't joined, so there is nothing to erase. We hold no profile for you.")
}

// Leave erases the user's profile and history. Returns ENOTFOUND when they
// have not joined (or have already left).
func (s *Service) Leave(ctx context.Context, u User) error {
	err := s.Store.DeleteMember(ctx, u.Platform, u.ID)
	if err == nil && s.OnQueued != nil {
		s.OnQueued()
	}
	return notJoinedAs(err, "There is nothing to erase: we hold no profile for you (perhaps you have already left).")
}

// notJoinedAs replaces a not-found error's message with one that fits what
// the user tried to do.
func notJoinedAs(err error, words ...any) error {
	if ErrorCode(err) == ENOTFOUND {
		return Refuse(ENOTFOUND, words...)
	}
	return err
}
