package bot

import (
	"context"
	"crypto/rand"
	"strconv"
	"strings"
	"time"
)

// hostCheckBudget bounds the membership check made before the meetup form
// opens, so that the platform's window for opening it (Slack's trigger
// lives three seconds) is still open afterwards.
const hostCheckBudget = 700 * time.Millisecond

// meetupCommand answers MeetupCommandName: "new" (or nothing), "list",
// "mine", "edit N", "cancel N" and "help". Answers are private.
func (c *Chat) meetupCommand(ctx context.Context, u User, text string) *Reply {
	if !c.Meetups.Configured() {
		return c.failed("meetup", errNotConfigured())
	}
	words := strings.Fields(text)
	sub := ""
	if len(words) > 0 {
		sub = strings.ToLower(words[0])
	}
	switch sub {
	case "", "new", "list", "mine", "edit", "cancel", "help":
	default:
		// What people type is not logged: it may be anything.
		c.log().Info("meetup command", "subcommand", "unknown", "user", u.ID)
		return refused(AnswerWith(meetupHelpMessage("I don't know that one.")))
	}
	c.log().Info("meetup command", "subcommand", sub, "user", u.ID)
	s := c.Meetups
	switch sub {
	case "", "new":
		cctx, cancel := context.WithTimeout(ctx, hostCheckBudget)
		err := s.CheckHost(cctx, u)
		cancel()
		if code := ErrorCode(err); code == ENOTFOUND || code == ECONFLICT {
			return c.failed("meetup new", err)
		} else if err != nil {
			// A slow database: open the form anyway, the submission checks.
			c.log().Warn("could not check a meetup host before the form", "user", u.ID, "err", err)
		}
		return &Reply{Form: &FormOpen{
			Title:  "New meetup",
			Ready:  meetupForm(MeetupForm{}, s.loc(), 0, rand.Text()),
			Failed: Say("Sorry, I couldn't open the meetup form in time. Please run ", MeetupCmd(), " again."),
		}}
	case "list":
		ms, err := s.Upcoming(ctx)
		if err != nil {
			return c.failed("meetup list", err)
		}
		return AnswerWith(meetupListMessage(ms, s.loc()))
	case "mine":
		ms, err := s.Mine(ctx, u)
		if err != nil {
			return c.failed("meetup mine", err)
		}
		return AnswerWith(meetupMineMessage(ms, s.loc()))
	case "edit":
		id, err := s.Target(ctx, u, "edit", words[1:])
		if err != nil {
			return c.failed("meetup edit", err)
		}
		return c.meetupEditForm(u, id)
	case "cancel":
		id, err := s.Target(ctx, u, "cancel", words[1:])
		if err != nil {
			return c.failed("meetup cancel", err)
		}
		m, _, err := s.Manage(ctx, u, id)
		if err != nil {
			return c.failed("meetup cancel", err)
		}
		return AnswerWith(cancelConfirmMessage(m, s.loc()))
	}
	return AnswerWith(meetupHelpMessage(""))
}

// meetupEditForm opens the form that edits meetup id: the platform shows
// it loading at once, then the meetup, or why it can't be edited.
func (c *Chat) meetupEditForm(u User, id int64) *Reply {
	s := c.Meetups
	return &Reply{Form: &FormOpen{
		Title: "Edit meetup",
		Wait:  "Loading the meetup…",
		Load: func(ctx context.Context) *Form {
			m, f, err := s.EditDraft(ctx, u, id)
			switch {
			case err == nil:
				return meetupForm(f, s.loc(), m.ID, "")
			case ErrorCode(err) != EINTERNAL:
				return meetupFormNotice(ErrorText(err))
			}
			c.log().Error("could not load a meetup to edit", "meetup", id, "err", err)
			c.meter().DBError("meetup edit")
			return meetupFormNotice("Sorry, I couldn't load the meetup just now. Please close this and try again in a minute.")
		},
		Failed: Say("Sorry, I couldn't open the form in time. Please try again."),
	}}
}

// meetupAction answers the buttons of meetups. Nothing is answered at
// once: the work is done after the platform has been answered, however
// busy the database is, so a burst of clicks loses none.
func (c *Chat) meetupAction(ctx context.Context, u User, action, value string) *Reply {
	s := c.Meetups
	if s == nil {
		return &Reply{}
	}
	id, _ := strconv.ParseInt(value, 10, 64)
	switch action {
	case ActionMeetupGoing, ActionMeetupMaybe, ActionMeetupNotGoing:
		answer := map[string]string{ActionMeetupGoing: RSVPGoing, ActionMeetupMaybe: RSVPMaybe, ActionMeetupNotGoing: RSVPNotGoing}[action]
		return Then(func(ctx context.Context) *Reply { return c.meetupRSVP(ctx, u, id, answer) })
	case ActionMeetupManage:
		return Then(func(ctx context.Context) *Reply {
			m, as, err := s.Manage(ctx, u, id)
			if err != nil {
				return c.failed("meetup manage", err)
			}
			return AnswerWith(manageMessage(m, as, s.loc()))
		})
	case ActionMeetupEdit:
		return c.meetupEditForm(u, id)
	case ActionMeetupCancel:
		return Then(func(ctx context.Context) *Reply {
			ch, err := s.Cancel(ctx, u, id)
			if err != nil {
				return c.failedReplacing("meetup cancel", err)
			}
			c.log().Info("meetup cancelled", "meetup", id, "by", u.ID, "told", len(ch.Notify))
			return &Reply{Answer: cancelledDoneMessage(ch.After), Replace: true, Later: c.refreshing(id)}
		})
	case ActionMeetupKeep:
		return Then(func(context.Context) *Reply { return Replacing(keptMessage) })
	}
	// Calendar link buttons open their URL; the platform may still tell
	// of the press, which needs no answer.
	return &Reply{}
}

// meetupRSVP records an answer, tells the person privately, and then
// brings the announcement's counts up to date.
func (c *Chat) meetupRSVP(ctx context.Context, u User, id int64, answer string) *Reply {
	out, err := c.Meetups.Respond(ctx, u, id, answer)
	if err != nil {
		r := c.failed("rsvp", err)
		if ErrorCode(err) == EINTERNAL {
			r = ourFailure(Answer(rsvpFailedMessage))
		}
		return r
	}
	c.log().Info("meetup answer", "meetup", id, "user", u.ID, "status", out.Status, "changed", out.Changed)
	r := AnswerWith(rsvpMessage(out, c.Meetups.loc()))
	if out.Changed {
		r.Later = c.refreshing(id)
	}
	return r
}

// refreshing updates meetup id's announcement once the person has been
// answered.
func (c *Chat) refreshing(id int64) func(context.Context) *Reply {
	return func(ctx context.Context) *Reply {
		c.Meetups.refresh(ctx, id)
		return nil
	}
}

// meetupSubmit answers the meetup forms. A submission is checked and
// stored within the platform's answer, so problems show in the form; the
// announcement is posted or updated after.
func (c *Chat) meetupSubmit(ctx context.Context, u User, form, ref string, v FormValues) *Reply {
	s := c.Meetups
	if s == nil {
		return &Reply{}
	}
	switch form {
	case MeetupCreateForm:
		// The key is the host's own, so that no ref can reach another's.
		key := ""
		if ref != "" {
			key = u.Platform + ":" + u.ID + ":" + ref
		}
		m, err := s.Create(ctx, u, meetupFormFrom(v), key)
		if err != nil {
			return c.meetupSubmitFailed("create", err)
		}
		c.log().Info("meetup created", "meetup", m.ID, "host", u.ID)
		if m.Announced() {
			return &Reply{}
		}
		return Then(func(ctx context.Context) *Reply { return c.announced(ctx, u, m) })
	case MeetupEditForm:
		id, _ := strconv.ParseInt(ref, 10, 64)
		ch, err := s.Edit(ctx, u, id, meetupFormFrom(v))
		if err != nil {
			return c.meetupSubmitFailed("edit", err)
		}
		c.log().Info("meetup edited", "meetup", id, "by", u.ID, "changed", strings.Join(ch.Changed, ","))
		// The people coming are told through the outbox, queued with the
		// change.
		return Then(func(ctx context.Context) *Reply { return c.announced(ctx, u, ch.After) })
	}
	return nil
}

// announced posts m's announcement, or updates it, and tells the person
// who saved it when it was posted.
func (c *Chat) announced(ctx context.Context, u User, m *Meetup) *Reply {
	tried, posted := c.Meetups.announceOrRefresh(ctx, m)
	if !tried {
		return nil
	}
	host := hostAnnouncedMessage(m)
	if !posted {
		host = notAnnouncedMessage(m)
	}
	if m.HostUserID == u.ID || m.HostUserID == "" {
		return &Reply{DMs: []*Message{host}}
	}
	// An admin who saves someone else's meetup is told in their own
	// words, and the host, whose meetup it is, in theirs.
	r := &Reply{DMs: []*Message{adminAnnouncedMessage(m, posted)}}
	if posted && m.HostPlatform == u.Platform {
		r.Notify = []Notification{{UserID: m.HostUserID, Message: host}}
	}
	return r
}

// meetupSaveAgain keeps a meetup form open when it could not be saved in
// time; its button says Announce or Save.
const meetupSaveAgain = "Sorry, we couldn't save just now. Please press the button again in a moment."

// meetupSubmitFailed keeps a meetup form open with what to fix: beside
// each input, or on the title for a problem with the whole form.
func (c *Chat) meetupSubmitFailed(action string, err error) *Reply {
	if fields := FieldErrors(err); len(fields) > 0 {
		return refused(&Reply{Errors: fields})
	}
	if ours(err) {
		c.log().Error("could not save a meetup", "action", action, "err", err)
		c.meter().DBError("meetup " + action)
		return ourFailure(&Reply{Errors: map[string]string{MeetupFieldTitle: meetupSaveAgain}})
	}
	return refused(&Reply{Errors: map[string]string{MeetupFieldTitle: ErrorMessage(err)}})
}
