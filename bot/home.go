package bot

import (
	"context"
	"errors"
	"strings"
)

// Action IDs of the buttons of the home summary.
const (
	ActionHomePause      = "home_pause"
	ActionHomeResume     = "home_resume"
	ActionAdminDashboard = "admin_dashboard"
)

// recentOnHome is how many of a member's latest intros their home shows.
const recentOnHome = 5

// Home is what a person sees on the bot's home (Slack's Home tab, the
// Teams welcome card and "status"): for a member, their profile in short,
// the next round, recent intros and buttons to edit, pause or resume, and
// find someone (and, for an admin, the admin pages); for someone who has
// not joined, what Rapport is and a Join button.
func (c *Chat) Home(ctx context.Context, u User) *Message {
	m, _ := c.home(ctx, u, nil)
	return m
}

// home builds the home summary, after lead (what was just done) when it
// is set, and says how reading it went: "" for a member, ResultRefused
// for someone who has not joined, ResultError when the database failed.
func (c *Chat) home(ctx context.Context, u User, lead Text) (*Message, string) {
	if c.Service == nil {
		return strangerHomeMessage(lead), ResultRefused
	}
	st, err := c.Service.Status(ctx, u)
	if ErrorCode(err) == ENOTFOUND {
		return strangerHomeMessage(lead), ResultRefused
	}
	if err != nil {
		return c.homeFailed(err), ResultError
	}
	var recent []Intro
	if c.Rounds != nil {
		if recent, err = c.Rounds.History(ctx, st.Member, recentOnHome); err != nil {
			return c.homeFailed(err), ResultError
		}
	}
	h := memberHome{
		Status: st,
		Recent: recent,
		Admin:  c.isAdmin(u) && c.adminLinks(),
		Lead:   lead,
	}
	return homeMessage(h, c.loc(), c.now()), ""
}

// adminLinks reports whether the admin pages can be signed into from the
// chat: they are served, at an address links can start with.
func (c *Chat) adminLinks() bool { return c.Admin != nil && c.Admin.PublicURL != "" }

// homeFailed is the home of someone whose record could not be read: a
// short apology, logged and counted as a database error.
func (c *Chat) homeFailed(err error) *Message {
	t := c.errorText("home", err)
	if errors.Is(err, context.DeadlineExceeded) {
		return &Message{Sections: []Section{{Text: t}}}
	}
	return homeFailedMessage()
}

// homeAction answers the home summary's buttons. Each checks the person
// as the command it stands for does: a button's ID and value can be
// forged.
func (c *Chat) homeAction(ctx context.Context, u User, action, value string) *Reply {
	switch action {
	case ActionHomePause:
		// As "pause" on its own: until they resume.
		if _, err := c.Service.Pause(ctx, u, nil); err != nil {
			return c.failed("pause", err)
		}
		return c.homeAfter(ctx, u, homePausedLead())
	case ActionHomeResume:
		wasPaused := false
		if before, err := c.Service.Status(ctx, u); err == nil {
			wasPaused = before.Member.PausedAt(c.now())
		}
		if _, err := c.Service.Resume(ctx, u); err != nil {
			return c.failed("resume", err)
		}
		return c.homeAfter(ctx, u, homeResumedLead(wasPaused))
	case ActionAdminDashboard:
		if !c.isAdmin(u) {
			c.log().Warn("admin pages button pressed by someone who is not an admin", "platform", u.Platform, "user", u.ID)
		}
		return c.roundsAdmin(ctx, u, []string{"dashboard"})
	}
	return nil
}

// homeAfter is the home summary, fresh, in place of the one whose button
// was pressed, saying first what was done: its buttons now match (Resume
// where Pause was).
func (c *Chat) homeAfter(ctx context.Context, u User, lead Text) *Reply {
	m, result := c.home(ctx, u, lead)
	if result == ResultError {
		// The change is made; only the summary could not be read.
		m = Say(lead)
	}
	return &Reply{Answer: m, Replace: true}
}

// Typed answers words typed to the bot in a direct message (Slack's
// Messages tab): a command's words run that command, anything else gets a
// helpful answer. A form cannot open from a typed message (Slack opens one
// only from a button or a slash command), so words that would open one get
// the home summary, whose buttons open it.
func (c *Chat) Typed(ctx context.Context, u User, text string) *Reply {
	command, rest, ok := typedCommand(text)
	if !ok {
		return c.counted(u.Platform, KindCommand, OtherName, "", AnswerWith(typedHelpMessage(text, c.isAdmin(u))))
	}
	r := c.Command(ctx, u, command, rest)
	if r != nil && r.Form != nil {
		m, _ := c.home(ctx, u, formFromMessageLead(command, rest))
		return AnswerWith(m)
	}
	return r
}

// typedCommand reads typed words as a command: "/introduce-me status",
// "introduce-me status" or "status" are the main command's, "meetup list"
// the meetup command's. ok is false for words that are none of these.
func typedCommand(text string) (command, rest string, ok bool) {
	words := strings.Fields(text)
	if len(words) == 0 {
		return "", "", false
	}
	first := strings.ToLower(strings.TrimPrefix(words[0], "/"))
	after := strings.Join(words[1:], " ")
	switch first {
	case strings.TrimPrefix(CommandName, "/"):
		return CommandName, after, true
	case strings.TrimPrefix(MeetupCommandName, "/"):
		return MeetupCommandName, after, true
	}
	if isGreeting(words) {
		return "", "", false
	}
	if _, err := ParseCommand(text); err != nil {
		return "", "", false
	}
	return CommandName, strings.Join(words, " "), true
}

// greetingWords open or close a conversation rather than ask for
// anything.
var greetingWords = map[string]bool{
	"hi": true, "hello": true, "hey": true, "hiya": true, "morning": true, "afternoon": true, "good": true,
	"thanks": true, "thank": true, "thx": true, "ta": true, "cheers": true, "ok": true, "okay": true, "start": true, "?": true,
}

// isGreeting reports whether typed words begin with a greeting or a
// thank-you ("hi there", "thanks!").
func isGreeting(words []string) bool {
	return len(words) > 0 && greetingWords[strings.Trim(strings.ToLower(words[0]), "!.,?")]
}

// isThanks reports whether typed words are a thank-you.
func isThanks(words []string) bool {
	if len(words) == 0 {
		return false
	}
	switch strings.Trim(strings.ToLower(words[0]), "!.,?") {
	case "thanks", "thank", "thx", "ta", "cheers":
		return true
	}
	return false
}
