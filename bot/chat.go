package bot

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Reply is what should happen in answer to a command typed, a button
// pressed or a form submitted. The platform adapter carries it out: it
// knows how each part looks and travels on its platform, bot decides what
// the parts are.
type Reply struct {
	// Answer is shown to the person alone, at once.
	Answer *Message
	// Replace says that Answer takes the place of the message whose button
	// was pressed, rather than coming after it.
	Replace bool
	// DMs are sent to the person as direct messages from the bot.
	DMs []*Message
	// DMFailed, when set, is told to the person privately if the DMs
	// could not be sent.
	DMFailed *Message
	// Notify are direct messages to other people on the person's
	// platform, about what the person just did.
	Notify []Notification
	// Form, when set, opens a form for the person.
	Form *FormOpen
	// Errors keeps a submitted form open with a message beside each input
	// by ID. A reply to a submission without Errors closes the form.
	Errors map[string]string
	// Later is work to do once the platform has been answered (Slack waits
	// three seconds for that, Teams five): what it returns is carried out
	// in turn, so its Answer reaches the person privately afterwards.
	Later func(ctx context.Context) *Reply

	// result is how the request went, for the Meter: "" or ResultOK,
	// ResultRefused when the person was told no, ResultError when it
	// failed on our side.
	result string
}

// Notification is a direct message to someone other than the person
// acting, by their platform user ID.
type Notification struct {
	UserID  string
	Message *Message
}

// FormOpen opens a form. A platform may have to show the form within
// moments of the request (a Slack trigger lives three seconds), before the
// database is read: it shows a form titled Title that says it is loading,
// then replaces it with what Load returns.
type FormOpen struct {
	Title string
	// Load returns the form to show: a form with inputs, or one with only
	// an Intro that says why it cannot be shown.
	Load func(ctx context.Context) *Form
	// Failed is told to the person when the platform would not open the
	// form at all.
	Failed *Message
	// Wait is what the form says while it loads ("Loading…" when empty).
	Wait string
	// Ready, when set, is a form that needs no loading: it opens as it is,
	// and Load is not called.
	Ready *Form
}

// Loading is the form shown while the form itself loads.
func (f *FormOpen) Loading() *Form {
	wait := f.Wait
	if wait == "" {
		wait = "Loading…"
	}
	return &Form{ID: "loading", Title: f.Title, Cancel: "Cancel", Intro: P(wait)}
}

// Answer is a reply that tells the person something privately.
func Answer(parts ...any) *Reply { return &Reply{Answer: Say(parts...)} }

// AnswerWith is a reply that shows a message privately.
func AnswerWith(m *Message) *Reply { return &Reply{Answer: m} }

// Replacing is a reply that swaps the message whose button was pressed for
// a message of one paragraph.
func Replacing(parts ...any) *Reply { return &Reply{Answer: Say(parts...), Replace: true} }

// Then is a reply that answers nothing now and does work after the
// platform has been answered.
func Then(later func(ctx context.Context) *Reply) *Reply { return &Reply{Later: later} }

// Board is where a platform posts messages that a whole channel reads, such
// as meetup announcements, and edits them as they change.
type Board interface {
	// Post posts a message in a channel and returns where it is.
	Post(ctx context.Context, channel string, m *Message) (channelID, ref string, err error)
	// Update replaces a posted message.
	Update(ctx context.Context, channelID, ref string, m *Message) error
}

// Chat is the one conversation core: every command, button and form of
// Rapport, on every platform. Each entry point takes platform-neutral IDs
// and returns a Reply.
type Chat struct {
	Service *Service
	Rounds  *Rounds
	Meetups *Meetups
	// Admin makes sign-in links to the admin pages.
	Admin *Admin
	// Directory finds listed members and carries intro requests.
	Directory *Directory
	Log       *slog.Logger
	// Location is the network's time zone, for dates in messages.
	Location *time.Location
	// Now returns the current time.
	Now func() time.Time
	// AfterRound is called when an admin has run a round, to wake the
	// delivery of its messages.
	AfterRound func()
	// Meter counts commands, buttons and forms by name and result, and
	// the database errors behind failed ones; nil counts nothing.
	Meter Meter
}

func (c *Chat) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

func (c *Chat) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func (c *Chat) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func (c *Chat) isAdmin(u User) bool {
	return c.Service != nil && c.Service.IsAdmin != nil && c.Service.IsAdmin(u)
}

// Command answers a command typed by u: command is CommandName or
// MeetupCommandName (a platform without slash commands passes the first
// word typed), text the words after it.
func (c *Chat) Command(ctx context.Context, u User, command, text string) *Reply {
	return c.counted(u.Platform, KindCommand, commandName(command, text), "", c.command(ctx, u, command, text))
}

func (c *Chat) command(ctx context.Context, u User, command, text string) *Reply {
	switch strings.ToLower(command) {
	case CommandName, strings.TrimPrefix(CommandName, "/"):
		return c.memberCommand(ctx, u, text)
	case MeetupCommandName, strings.TrimPrefix(MeetupCommandName, "/"):
		return c.meetupCommand(ctx, u, text)
	}
	return refused(Answer("Sorry, I don't handle ", Code(command), " yet. Try ", Cmd("help"), "."))
}

// Action answers a button pressed by u.
func (c *Chat) Action(ctx context.Context, u User, action, value string) *Reply {
	return c.counted(u.Platform, KindAction, actionName(action), "", c.action(ctx, u, action, value))
}

func (c *Chat) action(ctx context.Context, u User, action, value string) *Reply {
	switch {
	case strings.HasPrefix(action, "meetup"):
		return c.meetupAction(ctx, u, action, value)
	case strings.HasPrefix(action, "rounds_"):
		return c.roundsAction(ctx, u, action, value)
	case strings.HasPrefix(action, "intro_"), strings.HasPrefix(action, "followup_"):
		return c.introAction(ctx, u, action, value)
	case strings.HasPrefix(action, "directory_"), strings.HasPrefix(action, "request_"):
		return c.directoryAction(ctx, u, action, value)
	case strings.HasPrefix(action, "home_"), action == ActionAdminDashboard:
		return c.homeAction(ctx, u, action, value)
	case strings.HasPrefix(action, "invite_"):
		return c.inviteAction(ctx, u, action, value)
	}
	return c.memberAction(ctx, u, action, value)
}

// Submit answers a form submitted by u.
func (c *Chat) Submit(ctx context.Context, u User, form, ref string, values FormValues) *Reply {
	return c.counted(u.Platform, KindSubmit, formName(form), "", c.submit(ctx, u, form, ref, values))
}

func (c *Chat) submit(ctx context.Context, u User, form, ref string, values FormValues) *Reply {
	if strings.HasPrefix(form, "meetup") {
		return c.meetupSubmit(ctx, u, form, ref, values)
	}
	if form == ProfileFormID {
		return c.profileSubmit(ctx, u, values)
	}
	if form == DirectoryFindForm {
		return c.directorySubmit(ctx, u, values)
	}
	return nil
}

// counted counts a request once its outcome is known: at once, or, when
// its reply has work for later, once the last of that work has returned,
// with the worst result of the replies on the way (so an RSVP that fails
// after the platform was answered counts as failed). soFar is the worst
// result before r.
func (c *Chat) counted(platform, kind, name, soFar string, r *Reply) *Reply {
	if r == nil {
		c.meter().Command(platform, kind, name, orOK(soFar))
		return nil
	}
	result := worse(soFar, r.result)
	if r.Later == nil {
		c.meter().Command(platform, kind, name, orOK(result))
		return r
	}
	later := r.Later
	r.Later = func(ctx context.Context) *Reply {
		return c.counted(platform, kind, name, result, later(ctx))
	}
	return r
}

func orOK(result string) string {
	if result == "" {
		return ResultOK
	}
	return result
}

func (c *Chat) meter() Meter { return meterOf(c.Meter) }

// refused marks r as a refusal: the person was told why not.
func refused(r *Reply) *Reply {
	r.result = ResultRefused
	return r
}

// ourFailure marks r as failed on our side.
func ourFailure(r *Reply) *Reply {
	r.result = ResultError
	return r
}

// CutShortNote ends a message a platform could not show whole.
const CutShortNote = "(cut short: too long for one message)"

// OptionRange names a group of options in a long list by the first
// letters of its first and last options: "A to M".
func OptionRange(first, last string) string { return first + " to " + last }

// SlowMessage answers a request that ran out of time.
const SlowMessage = "Sorry, that took longer than it should. Please try again in a moment."

// SaveAgainMessage keeps a form open when it could not be saved in time.
const SaveAgainMessage = "Sorry, we couldn't save just now. Please press Save again in a moment."

// Slow is the answer to a request whose handler ran out of time.
func Slow() *Reply { return Answer(SlowMessage) }

// SubmitTimedOut is the answer to a submitted form whose handler ran out
// of time: the form stays open, asking the person to press its button
// again, beside the input the form shows first.
func SubmitTimedOut(form string) *Reply {
	if strings.HasPrefix(form, "meetup") {
		return &Reply{Errors: map[string]string{MeetupFieldTitle: meetupSaveAgain}}
	}
	return &Reply{Errors: map[string]string{FieldOrganisation: SaveAgainMessage}}
}

// failed turns an error into a private answer, logging the ones that are
// not the person's to fix. what names the request, for the log.
func (c *Chat) failed(what string, err error) *Reply {
	r := &Reply{Answer: &Message{Sections: []Section{{Text: c.errorText(what, err)}}}, result: ResultRefused}
	if ours(err) {
		r.result = ResultError
	}
	return r
}

// ours reports whether err is not the person's to fix: an internal
// error, or a request that ran out of time.
func ours(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || ErrorCode(err) == EINTERNAL
}

// errNoRounds is the failure of a rounds command where no rounds are run:
// a setup without rounds, not a database error.
var errNoRounds = errors.New("no rounds are run here")

// failedReplacing is failed, taking the place of the message clicked.
func (c *Chat) failedReplacing(what string, err error) *Reply {
	r := c.failed(what, err)
	r.Replace = true
	return r
}

func (c *Chat) errorText(what string, err error) Text {
	if errors.Is(err, context.DeadlineExceeded) {
		c.log().Warn("request ran out of time", "action", what)
		c.meter().DBError(what)
		return P(SlowMessage)
	}
	if ErrorCode(err) == EINTERNAL {
		c.log().Error("request failed", "action", what, "err", err)
		if !errors.Is(err, errNoRounds) {
			c.meter().DBError(what)
		}
	}
	return ErrorText(err)
}

// ReopenForm returns form id, with ref, as it opens for u, or nil for a
// form it does not know. A platform whose forms are cards in the chat
// (Teams) shows it again, with what the person typed and the problems
// beside it, when a submission needs fixing.
func (c *Chat) ReopenForm(ctx context.Context, u User, id, ref string) *Form {
	switch id {
	case ProfileFormID:
		if c.Service == nil {
			return nil
		}
		d, err := c.Service.Draft(ctx, u)
		if err != nil {
			return nil
		}
		return ProfileFormFor(d)
	case DirectoryFindForm:
		return directoryFindForm()
	case MeetupCreateForm:
		if c.Meetups == nil {
			return nil
		}
		return meetupForm(MeetupForm{}, c.Meetups.loc(), 0, ref)
	case MeetupEditForm:
		if c.Meetups == nil {
			return nil
		}
		mid, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return nil
		}
		m, f, err := c.Meetups.EditDraft(ctx, u, mid)
		if err != nil {
			return nil
		}
		return meetupForm(f, c.Meetups.loc(), m.ID, "")
	}
	return nil
}
