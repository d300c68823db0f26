package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// onCommand answers a slash command. Its ack is the private reply; work
// that must wait for the ack (opening a modal, sending a DM) comes back as
// the after function.
func (a *Adapter) onCommand(ctx context.Context, cmd slack.SlashCommand) (any, func(context.Context)) {
	ack, after := a.answerCommand(ctx, cmd)
	return a.fitAck(cmd, ack, after)
}

// maxAckPayload is the largest ack payload Slack takes over Socket Mode
// (it drops one of 20 KB or more without a word), with a margin for the
// envelope around it.
const maxAckPayload = 20*1024 - 1024

// fitAck keeps a reply too big for an ack (a long status, escaped) from
// being lost: it acks empty and sends the reply through the command's
// response URL, which takes a whole message.
func (a *Adapter) fitAck(cmd slack.SlashCommand, ack any, after func(context.Context)) (any, func(context.Context)) {
	r, ok := ack.(*reply)
	if !ok || cmd.ResponseURL == "" {
		return ack, after
	}
	if b, err := json.Marshal(r); err == nil && len(b) < maxAckPayload {
		return ack, after
	}
	return nil, func(ctx context.Context) {
		msg := &slack.WebhookMessage{Text: string(r.Text), ResponseType: slack.ResponseTypeEphemeral}
		if len(r.Blocks) > 0 {
			msg.Blocks = &slack.Blocks{BlockSet: r.Blocks}
		}
		if err := slack.PostWebhookContext(ctx, cmd.ResponseURL, msg); err != nil {
			a.log.Error("could not send a long answer through the response URL", "user", cmd.UserID, "err", err)
		}
		if after != nil {
			after(ctx)
		}
	}
}

// answerCommand is onCommand before the ack's size is checked.
func (a *Adapter) answerCommand(ctx context.Context, cmd slack.SlashCommand) (any, func(context.Context)) {
	u := bot.User{Platform: Platform, ID: cmd.UserID}
	if cmd.Command == meetupCommand {
		return a.onMeetupCommand(ctx, cmd)
	}
	if cmd.Command != bot.CommandName {
		return textReply(mdf("Sorry, this app doesn't handle `%s` yet. Try `%s help`.", cmd.Command, bot.CommandName)), nil
	}
	admin := a.svc.IsAdmin != nil && a.svc.IsAdmin(u)
	c, err := bot.ParseCommand(cmd.Text)
	if err != nil {
		return helpReply(bot.ErrorMessage(err), admin), nil
	}
	a.log.Info("slash command", "command", cmd.Command, "subcommand", c.Name, "user", cmd.UserID)

	switch c.Name {
	case "":
		// The trigger expires three seconds after Slack sent it: ack at
		// once, open the modal, and only then read the database.
		return nil, func(ctx context.Context) { a.openProfile(ctx, cmd) }
	case "help":
		return helpReply("", admin), nil
	case "status":
		st, err := a.svc.Status(ctx, u)
		if err != nil {
			return a.replyErr("status", err), nil
		}
		var recent []bot.Intro
		if a.rounds != nil {
			if recent, err = a.rounds.History(ctx, st.Member, 5); err != nil {
				return a.replyErr("status", err), nil
			}
		}
		return statusReply(st, recent, a.loc, a.now()), nil
	case "pause":
		st, err := a.svc.Pause(ctx, u, c.Args)
		if err != nil {
			return a.replyErr("pause", err), nil
		}
		return pauseReply(st, a.loc), nil
	case "resume":
		// Read first, so a member who was not paused is told so rather
		// than welcomed back.
		wasPaused := false
		if before, err := a.svc.Status(ctx, u); err == nil {
			wasPaused = before.Member.PausedAt(a.now())
		}
		st, err := a.svc.Resume(ctx, u)
		if err != nil {
			return a.replyErr("resume", err), nil
		}
		return resumeReply(st, wasPaused, a.loc), nil
	case "export":
		x, err := a.svc.Export(ctx, u)
		if err != nil {
			return a.replyErr("export", err), nil
		}
		return textReply("I'm sending you everything Rapport stores about you, in a direct message from me."), func(ctx context.Context) {
			if err := a.sendExport(ctx, cmd.UserID, x); err != nil {
				a.log.Error("could not send an export", "user", cmd.UserID, "err", err)
				a.tellLater(ctx, cmd, mdf("Sorry, I couldn't send your data just now. Please try `%s export` again in a few minutes.", bot.CommandName))
			}
		}
	case "leave":
		if err := a.svc.CheckLeave(ctx, u); err != nil {
			return a.replyErr("leave", err), nil
		}
		return leaveConfirmReply(), nil
	case "admin":
		if isRoundsAdmin(c.Args) {
			return a.onRoundsAdmin(ctx, cmd, c.Args)
		}
		r, err := a.svc.Admin(ctx, u, c.Args)
		if err != nil {
			return a.replyErr("admin", err), nil
		}
		return adminReply(r), nil
	}
	return helpReply("", admin), nil
}

// replyErr turns an error into a private reply, logging the ones that are
// not the person's to fix.
func (a *Adapter) replyErr(action string, err error) *reply {
	if errors.Is(err, context.DeadlineExceeded) {
		a.log.Warn("command ran out of time", "action", action)
		return plainReply(slowMessage)
	}
	if bot.ErrorCode(err) == bot.EINTERNAL {
		a.log.Error("command failed", "action", action, "err", err)
	}
	return errorReply(err)
}

// openProfile opens the profile modal: a loading view first, while the
// trigger is fresh, then the form filled from the database.
func (a *Adapter) openProfile(ctx context.Context, cmd slack.SlashCommand) {
	view, err := a.api.OpenViewContext(ctx, cmd.TriggerID, loadingView(cmd.ChannelID))
	if err != nil {
		a.log.Warn("could not open the profile form", "user", cmd.UserID, "err", err)
		a.tellLater(ctx, cmd, mdf("Sorry, Slack didn't let me open your profile form in time. Please run `%s` again.", bot.CommandName))
		return
	}
	d, err := a.svc.Draft(ctx, bot.User{Platform: Platform, ID: cmd.UserID})
	next := unavailableView(cmd.ChannelID)
	if err != nil {
		a.log.Error("could not load a profile", "user", cmd.UserID, "err", err)
	} else {
		next = profileView(d, cmd.ChannelID)
	}
	if _, err := a.api.UpdateViewContext(ctx, next, "", view.Hash, view.ID); err != nil {
		// A hash conflict means the person already moved on in the modal.
		if !slackErrorIs(err, "hash_conflict", "not_found") {
			a.log.Error("could not fill the profile form", "user", cmd.UserID, "err", err)
		}
	}
}

// tellLater sends a private message after the ack: through the command's
// response URL when there is one (it works in any channel), or as an
// ephemeral message, or else as a DM.
func (a *Adapter) tellLater(ctx context.Context, cmd slack.SlashCommand, text md) {
	if cmd.ResponseURL != "" {
		err := slack.PostWebhookContext(ctx, cmd.ResponseURL, &slack.WebhookMessage{Text: fallback(text), ResponseType: slack.ResponseTypeEphemeral})
		if err == nil {
			return
		}
		a.log.Warn("could not answer through the response URL", "err", err)
	}
	if _, err := a.api.PostEphemeralContext(ctx, cmd.ChannelID, cmd.UserID, slack.MsgOptionText(fallback(text), false)); err == nil {
		return
	}
	if err := a.dm(ctx, cmd.UserID, text, nil); err != nil {
		a.log.Error("could not reach a user privately", "user", cmd.UserID, "err", err)
	}
}

// maxExportChunk keeps each export message, counted after escaping, well
// under Slack's 40,000 character limit on message text.
const maxExportChunk = 12000

func (a *Adapter) sendExport(ctx context.Context, userID string, x *bot.MemberExport) error {
	// Escaped for mrkdwn below, so JSON's own HTML escaping (\u003c) would
	// only make the export harder to read.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		return err
	}
	chunks := splitMD(esc(strings.TrimSpace(buf.String())), maxExportChunk)
	intro := mdf("Here is everything Rapport stores about you, as JSON. To erase it, use `%s leave`.", bot.CommandName)
	if err := a.dm(ctx, userID, intro, nil); err != nil {
		return err
	}
	for _, c := range chunks {
		if err := a.dm(ctx, userID, "```\n"+c+"\n```", nil); err != nil {
			return err
		}
	}
	return nil
}

// dm sends a direct message from the bot to a user.
func (a *Adapter) dm(ctx context.Context, userID string, text md, blocks []slack.Block) error {
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
	if err != nil {
		return err
	}
	opts := []slack.MsgOption{slack.MsgOptionText(fallback(text), false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	_, _, err = a.api.PostMessageContext(ctx, ch.ID, opts...)
	return err
}
