package slack

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// meetupCommand is the slash command for meetups.
const meetupCommand = bot.MeetupCommandName

// hostCheckBudget bounds the membership check made before the meetup form
// opens, so the trigger (three seconds) is still fresh afterwards.
const hostCheckBudget = 700 * time.Millisecond

// onMeetupCommand answers /meetup. Answers are private; the form opens
// after the ack, and nothing else waits for Slack.
func (a *Adapter) onMeetupCommand(ctx context.Context, cmd slack.SlashCommand) (any, func(context.Context)) {
	if !a.meetups.Configured() {
		return errorReply(a.meetups.CheckHost(ctx, bot.User{})), nil
	}
	u := bot.User{Platform: Platform, ID: cmd.UserID}
	words := strings.Fields(cmd.Text)
	sub := ""
	if len(words) > 0 {
		sub = strings.ToLower(words[0])
	}
	known := map[string]bool{"": true, "new": true, "list": true, "mine": true, "edit": true, "cancel": true, "help": true}
	if !known[sub] {
		// What people type is not logged: it may be anything.
		a.log.Info("slash command", "command", cmd.Command, "subcommand", "unknown", "user", cmd.UserID)
		return meetupHelpReply("I don't know that one."), nil
	}
	a.log.Info("slash command", "command", cmd.Command, "subcommand", sub, "user", cmd.UserID)

	switch sub {
	case "", "new":
		cctx, cancel := context.WithTimeout(ctx, hostCheckBudget)
		err := a.meetups.CheckHost(cctx, u)
		cancel()
		if c := bot.ErrorCode(err); c == bot.ENOTFOUND || c == bot.ECONFLICT {
			return errorReply(err), nil
		} else if err != nil {
			// A slow database: open the form anyway, the submission checks.
			a.log.Warn("could not check a meetup host before the form", "user", cmd.UserID, "err", err)
		}
		return nil, func(ctx context.Context) {
			if _, err := a.api.OpenViewContext(ctx, cmd.TriggerID, meetupView(bot.MeetupForm{}, a.loc, 0)); err != nil {
				a.log.Warn("could not open the meetup form", "user", cmd.UserID, "err", err)
				a.tellLater(ctx, cmd, mdf("Sorry, Slack didn't let me open the meetup form in time. Please run `%s` again.", meetupCommand))
			}
		}
	case "list":
		ms, err := a.meetups.Upcoming(ctx)
		if err != nil {
			return a.replyErr("meetup list", err), nil
		}
		return meetupListReply(ms, a.loc), nil
	case "mine":
		ms, err := a.meetups.Mine(ctx, u)
		if err != nil {
			return a.replyErr("meetup mine", err), nil
		}
		return meetupMineReply(ms, a.loc), nil
	case "edit":
		id, err := a.meetups.Target(ctx, u, "edit", words[1:])
		if err != nil {
			return a.replyErr("meetup edit", err), nil
		}
		return nil, func(ctx context.Context) {
			a.openMeetupEditor(ctx, cmd.TriggerID, u, id, func(text md) { a.tellLater(ctx, cmd, text) })
		}
	case "cancel":
		id, err := a.meetups.Target(ctx, u, "cancel", words[1:])
		if err != nil {
			return a.replyErr("meetup cancel", err), nil
		}
		m, _, err := a.meetups.Manage(ctx, u, id)
		if err != nil {
			return a.replyErr("meetup cancel", err), nil
		}
		return cancelConfirmReply(m, a.loc), nil
	}
	return meetupHelpReply(""), nil
}

// isMeetupInteraction reports whether an interaction belongs to meetups:
// their modals' callback IDs and their buttons' action IDs start with
// "meetup".
func isMeetupInteraction(cb slack.InteractionCallback) bool {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission, slack.InteractionTypeViewClosed:
		return strings.HasPrefix(cb.View.CallbackID, "meetup")
	case slack.InteractionTypeBlockActions:
		acts := cb.ActionCallback.BlockActions
		return len(acts) > 0 && strings.HasPrefix(acts[0].ActionID, "meetup")
	}
	return false
}

// onMeetupInteraction answers a meetup modal or button. Submissions are
// checked and stored within the ack, so problems show in the form; button
// clicks are acked at once and carried out after, however busy the
// database is, so a burst of clicks loses none.
func (a *Adapter) onMeetupInteraction(ctx context.Context, cb slack.InteractionCallback) (any, func(context.Context)) {
	u := bot.User{Platform: Platform, ID: cb.User.ID, Name: cb.User.Name}
	if a.meetups == nil {
		return nil, nil
	}
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case meetupCreateCallback:
			return a.onMeetupCreate(ctx, cb, u)
		case meetupEditCallback:
			return a.onMeetupEditSubmit(ctx, cb, u)
		}
		return nil, nil
	case slack.InteractionTypeBlockActions:
	default:
		return nil, nil
	}
	act := cb.ActionCallback.BlockActions[0]
	id, _ := strconv.ParseInt(act.Value, 10, 64)
	switch act.ActionID {
	case actionMeetupGoing, actionMeetupMaybe, actionMeetupNotGoing:
		answer := map[string]string{actionMeetupGoing: bot.RSVPGoing, actionMeetupMaybe: bot.RSVPMaybe, actionMeetupNotGoing: bot.RSVPNotGoing}[act.ActionID]
		return nil, func(ctx context.Context) { a.onRSVP(ctx, cb, u, id, answer) }
	case actionMeetupManage:
		return nil, func(ctx context.Context) {
			m, as, err := a.meetups.Manage(ctx, u, id)
			if err != nil {
				a.logMeetupErr("meetup manage", err)
				a.tellClicker(ctx, cb, false, errorReply(err))
				return
			}
			a.tellClicker(ctx, cb, false, manageReply(m, as, a.loc))
		}
	case actionMeetupEdit:
		return nil, func(ctx context.Context) {
			a.openMeetupEditor(ctx, cb.TriggerID, u, id, func(text md) { a.tellClicker(ctx, cb, false, textReply(text)) })
		}
	case actionMeetupCancel:
		return nil, func(ctx context.Context) { a.onMeetupCancel(ctx, cb, u, id) }
	case actionMeetupKeep:
		return nil, func(ctx context.Context) {
			a.tellClicker(ctx, cb, true, textReply("Nothing has changed: the meetup is still on."))
		}
	}
	// Calendar link buttons open their URL in the browser; Slack still
	// tells us, and the ack is all it needs.
	return nil, nil
}

// submitProblem keeps a meetup form open with a message on its title.
func submitProblem(msg string) any {
	return slack.NewErrorsViewSubmissionResponse(map[string]string{bot.MeetupFieldTitle: msg})
}

const saveAgain = "Sorry, we couldn't save just now. Please press the button again in a moment."

// submitErr turns an error from saving a meetup form into the ack.
func (a *Adapter) submitErr(action string, err error) any {
	if fields := bot.FieldErrors(err); len(fields) > 0 {
		return slack.NewErrorsViewSubmissionResponse(fields)
	}
	if errors.Is(err, context.DeadlineExceeded) || bot.ErrorCode(err) == bot.EINTERNAL {
		a.log.Error("could not save a meetup", "action", action, "err", err)
		return submitProblem(saveAgain)
	}
	return submitProblem(bot.ErrorMessage(err))
}

// onMeetupCreate stores a new meetup, then announces it after the ack.
// The modal's ID is the creation key, so pressing Announce again after a
// timeout creates nothing twice.
func (a *Adapter) onMeetupCreate(ctx context.Context, cb slack.InteractionCallback, u bot.User) (any, func(context.Context)) {
	m, err := a.meetups.Create(ctx, u, meetupFormFromState(cb.View.State), cb.View.ID)
	if err != nil {
		return a.submitErr("create", err), nil
	}
	a.log.Info("meetup created", "meetup", m.ID, "host", u.ID)
	if m.Announced() {
		return nil, nil
	}
	return nil, func(ctx context.Context) { a.announce(ctx, m) }
}

// announce posts a meetup's announcement in its channel and tells the
// host. If Slack refuses (the bot is not in a private channel, say), the
// meetup stays unannounced and the host learns how to try again.
func (a *Adapter) announce(ctx context.Context, m *bot.Meetup) {
	text, blocks := announcementMessage(m, a.loc)
	ch, ts, err := a.api.PostMessageContext(ctx, m.Channel, slack.MsgOptionText(fallback(text), false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		a.log.Error("could not announce a meetup", "meetup", m.ID, "channel", m.Channel, "err", err)
		a.dmOrLog(ctx, m.HostUserID, mdf("Sorry, I couldn't post your meetup *%s* in %s, so nobody has seen it yet. If it's a private channel, please invite me to it (`/invite @Rapport`). Then open `%s edit %d` and press Save: I'll announce it then.", m.Title, channelRef(m.Channel), meetupCommand, m.ID), nil)
		return
	}
	for attempt := range 3 {
		if err = a.meetups.Announced(ctx, m.ID, ch, ts); err == nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	if err != nil {
		a.log.Error("announced a meetup but could not record where", "meetup", m.ID, "err", err)
	}
	m.Channel, m.MessageRef = ch, ts
	a.dmOrLog(ctx, m.HostUserID, hostAnnouncedMessage(m), nil)
}

// onMeetupEditSubmit saves an edited meetup, then updates the
// announcement and tells the people coming, after the ack.
func (a *Adapter) onMeetupEditSubmit(ctx context.Context, cb slack.InteractionCallback, u bot.User) (any, func(context.Context)) {
	id, _ := strconv.ParseInt(cb.View.PrivateMetadata, 10, 64)
	c, err := a.meetups.Edit(ctx, u, id, meetupFormFromState(cb.View.State))
	if err != nil {
		return a.submitErr("edit", err), nil
	}
	a.log.Info("meetup edited", "meetup", id, "by", u.ID, "changed", strings.Join(c.Changed, ","))
	return nil, func(ctx context.Context) {
		// The people coming are told through the outbox, queued with the
		// change.
		if !c.After.Announced() {
			a.announce(ctx, c.After)
		} else {
			a.refreshAnnouncement(ctx, id)
		}
	}
}

// onMeetupCancel cancels a meetup from a button, then updates the
// announcement and tells everyone who answered.
func (a *Adapter) onMeetupCancel(ctx context.Context, cb slack.InteractionCallback, u bot.User, id int64) {
	c, err := a.meetups.Cancel(ctx, u, id)
	if err != nil {
		a.logMeetupErr("meetup cancel", err)
		a.tellClicker(ctx, cb, true, errorReply(err))
		return
	}
	a.log.Info("meetup cancelled", "meetup", id, "by", u.ID, "told", len(c.Notify))
	a.tellClicker(ctx, cb, true, textReply(mdf("Done: *%s* is cancelled. I'm letting everyone who answered know.", c.After.Title)))
	a.refreshAnnouncement(ctx, id)
}

// onRSVP records an answer, tells the person privately, moves anyone up
// from the waiting list, and brings the announcement's counts up to date.
func (a *Adapter) onRSVP(ctx context.Context, cb slack.InteractionCallback, u bot.User, id int64, answer string) {
	out, err := a.meetups.Respond(ctx, u, id, answer)
	if err != nil {
		a.logMeetupErr("rsvp", err)
		msg := bot.ErrorMessage(err)
		if bot.ErrorCode(err) == bot.EINTERNAL {
			msg = "Sorry, I couldn't record that just now. Please press the button again in a minute."
		}
		a.tellClicker(ctx, cb, false, plainReply(msg))
		return
	}
	a.log.Info("meetup answer", "meetup", id, "user", u.ID, "status", out.Status, "changed", out.Changed)
	a.tellClicker(ctx, cb, false, textReply(rsvpReply(out, a.loc)))
	if out.Changed {
		a.refreshAnnouncement(ctx, id)
	}
}

// openMeetupEditor opens the edit form: a loading view at once, while the
// trigger is fresh, then the meetup, or why it can't be edited.
func (a *Adapter) openMeetupEditor(ctx context.Context, triggerID string, u bot.User, id int64, tell func(md)) {
	view, err := a.api.OpenViewContext(ctx, triggerID, meetupMessageView("Loading the meetup…"))
	if err != nil {
		a.log.Warn("could not open the meetup editor", "user", u.ID, "err", err)
		tell("Sorry, Slack didn't let me open the form in time. Please try again.")
		return
	}
	next := meetupMessageView("Sorry, I couldn't load the meetup just now. Please close this and try again in a minute.")
	m, f, err := a.meetups.EditDraft(ctx, u, id)
	switch {
	case err == nil:
		next = meetupView(f, a.loc, m.ID)
	case bot.ErrorCode(err) != bot.EINTERNAL:
		next = meetupMessageView(esc(bot.ErrorMessage(err)))
	default:
		a.log.Error("could not load a meetup to edit", "meetup", id, "err", err)
	}
	if _, err := a.api.UpdateViewContext(ctx, next, "", view.Hash, view.ID); err != nil && !slackErrorIs(err, "hash_conflict", "not_found") {
		a.log.Error("could not fill the meetup editor", "user", u.ID, "err", err)
	}
}

// tellClicker answers the person who clicked, privately: through the click's
// response URL (replacing the message clicked in, when replace is set,
// for ephemeral messages), else as an ephemeral message, else by DM.
func (a *Adapter) tellClicker(ctx context.Context, cb slack.InteractionCallback, replace bool, r *reply) {
	if cb.ResponseURL != "" {
		msg := &slack.WebhookMessage{Text: string(r.Text), ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: replace}
		if len(r.Blocks) > 0 {
			msg.Blocks = &slack.Blocks{BlockSet: r.Blocks}
		}
		err := slack.PostWebhookContext(ctx, cb.ResponseURL, msg)
		if err == nil {
			return
		}
		a.log.Warn("could not answer through the response URL", "err", err)
	}
	if cb.Channel.ID != "" {
		if _, err := a.api.PostEphemeralContext(ctx, cb.Channel.ID, cb.User.ID, slack.MsgOptionText(string(r.Text), false), slack.MsgOptionBlocks(r.Blocks...)); err == nil {
			return
		}
	}
	a.dmOrLog(ctx, cb.User.ID, r.Text, r.Blocks)
}

func (a *Adapter) dmOrLog(ctx context.Context, userID string, text md, blocks []slack.Block) {
	if userID == "" {
		return
	}
	if err := a.dm(ctx, userID, text, blocks); err != nil {
		a.log.Error("could not send a direct message", "user", userID, "err", err)
	}
}

func (a *Adapter) logMeetupErr(action string, err error) {
	if errors.Is(err, context.DeadlineExceeded) || bot.ErrorCode(err) == bot.EINTERNAL {
		a.log.Error("meetup action failed", "action", action, "err", err)
	}
}
