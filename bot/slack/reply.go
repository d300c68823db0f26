package slack

import (
	"context"
	"encoding/json"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// This file carries out a bot.Reply in Slack: what can go in the ack goes
// there, and the rest (forms, direct messages, work for later) runs after
// the ack.

// origin is where a request came from, which decides how its answers
// travel.
type origin struct {
	user        string
	channel     string
	trigger     string
	responseURL string
	// answered records when the person got their answer; nil records
	// nothing.
	answered *answered
	// im says the request is a message in the person's conversation with
	// the bot (its Messages tab): answers are posted there.
	im bool
	// home, when set, is a press in the Home tab: an answer that replaces
	// the message pressed in replaces the tab.
	home *homePress
}

func originOf(cb slack.InteractionCallback) origin {
	return origin{user: cb.User.ID, channel: cb.Channel.ID, trigger: cb.TriggerID, responseURL: cb.ResponseURL}
}

// maxAckPayload is the largest ack payload Slack takes over Socket Mode
// (it drops one of 20 KB or more without a word), with a margin for the
// envelope around it.
const maxAckPayload = 20*1024 - 1024

// answerPayload is a private answer as Slack takes it in an ack or through
// a response URL.
type answerPayload struct {
	ResponseType    string        `json:"response_type,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
}

// commandAck carries out the reply to a slash command: its answer is the
// ack when it fits in one, and the rest comes after.
func (a *Adapter) commandAck(o origin, r *bot.Reply) (any, func(context.Context)) {
	if r == nil {
		return nil, nil
	}
	var ack any
	rest := *r
	if r.Answer != nil {
		text, blocks := renderMessage(r.Answer)
		p := &answerPayload{ResponseType: slack.ResponseTypeEphemeral, Text: text, Blocks: blocks}
		if b, err := json.Marshal(p); err == nil && len(b) < maxAckPayload {
			ack, rest.Answer = p, nil
			o.answered.answersInAck()
		}
		// Too big for an ack (a long status, escaped): it goes through the
		// response URL, which takes a whole message.
	}
	return ack, a.after(o, &rest)
}

// actionAck carries out the reply to a button: Slack takes no message in
// the ack, so everything comes after it.
func (a *Adapter) actionAck(o origin, r *bot.Reply) (any, func(context.Context)) {
	if r == nil {
		return nil, nil
	}
	return nil, a.after(o, r)
}

// submissionAck carries out the reply to a form: problems keep the modal
// open with them beside their inputs; otherwise it closes, and the rest
// comes after.
func (a *Adapter) submissionAck(o origin, r *bot.Reply) (any, func(context.Context)) {
	if r == nil {
		return nil, nil
	}
	// The ack closes the form, or keeps it open with what to fix.
	o.answered.answersInAck()
	if len(r.Errors) > 0 {
		return slack.NewErrorsViewSubmissionResponse(r.Errors), nil
	}
	return nil, a.after(o, r)
}

// after returns the work a reply leaves for after the ack, or nil.
func (a *Adapter) after(o origin, r *bot.Reply) func(context.Context) {
	if r.Answer == nil && r.Form == nil && len(r.DMs) == 0 && len(r.Notify) == 0 && r.Later == nil {
		return nil
	}
	return func(ctx context.Context) { a.carry(ctx, o, r) }
}

// carry carries out a reply after the ack, and the replies of its later
// work in turn.
func (a *Adapter) carry(ctx context.Context, o origin, r *bot.Reply) {
	for r != nil {
		if r.Form != nil {
			if o.trigger == "" && o.im {
				a.offerForm(ctx, o)
			} else {
				a.openForm(ctx, o, r.Form)
			}
		}
		if r.Answer != nil && r.Replace && o.home != nil {
			answer := r.Answer
			a.showHome(ctx, o.user, func(context.Context) *bot.Message { return answer })
			o.home.shown = true
		} else if r.Answer != nil {
			text, blocks := renderMessage(r.Answer)
			a.tell(ctx, o, r.Replace, text, blocks)
		}
		for _, m := range r.DMs {
			if err := a.sendDM(ctx, o.user, m); err != nil {
				a.log.Error("could not send a direct message", "user", o.user, "err", err)
				if r.DMFailed != nil {
					text, blocks := renderMessage(r.DMFailed)
					a.tell(ctx, o, false, text, blocks)
				}
				break
			}
		}
		if r.Form != nil || r.Answer != nil || len(r.DMs) > 0 {
			o.answered.done()
		}
		for _, n := range r.Notify {
			if err := a.sendDM(ctx, n.UserID, n.Message); err != nil {
				a.log.Error("could not send a direct message", "user", n.UserID, "err", err)
			}
		}
		if r.Later == nil {
			return
		}
		r = r.Later(ctx)
	}
}

// tell answers the person privately after the ack: through the request's
// response URL (replacing the message clicked in, when replace is set),
// else as an ephemeral message in the channel, else by direct message. In
// the conversation with the bot, the answer is a message there.
func (a *Adapter) tell(ctx context.Context, o origin, replace bool, text string, blocks []slack.Block) {
	if o.im && o.channel != "" {
		// A message in the conversation with the bot is answered there,
		// as a message of its own.
		opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
		if len(blocks) > 0 {
			opts = append(opts, slack.MsgOptionBlocks(blocks...))
		}
		_, _, err := a.api.PostMessageContext(ctx, o.channel, opts...)
		if err == nil {
			return
		}
		a.log.Warn("could not answer in the conversation with the bot", "user", o.user, "err", err)
	}
	if o.responseURL != "" {
		msg := &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: replace}
		if len(blocks) > 0 {
			msg.Blocks = &slack.Blocks{BlockSet: blocks}
		}
		err := slack.PostWebhookContext(ctx, o.responseURL, msg)
		if err == nil {
			return
		}
		a.log.Warn("could not answer through the response URL", "err", err)
	}
	// A message to replace that has no response URL is answered by direct
	// message: an ephemeral one would sit beside the message it replaces.
	if o.channel != "" && o.user != "" && !replace {
		if _, err := a.api.PostEphemeralContext(ctx, o.channel, o.user, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err == nil {
			return
		}
	}
	if o.user == "" {
		return
	}
	if err := a.postDM(ctx, o.user, text, blocks); err != nil {
		a.log.Error("could not reach a user privately", "user", o.user, "err", err)
	}
}

// openForm opens a form: a loading view first, while the trigger is
// fresh, then the form itself once it is loaded.
func (a *Adapter) openForm(ctx context.Context, o origin, f *bot.FormOpen) {
	failed := func() {
		if f.Failed != nil {
			text, blocks := renderMessage(f.Failed)
			a.tell(ctx, o, false, text, blocks)
		}
	}
	first := f.Ready
	if first == nil {
		first = f.Loading()
	}
	view, err := a.api.OpenViewContext(ctx, o.trigger, renderModal(first))
	if err != nil {
		a.log.Warn("could not open a form", "user", o.user, "err", err)
		failed()
		return
	}
	if f.Ready != nil {
		return
	}
	next := renderModal(f.Load(ctx))
	if _, err := a.api.UpdateViewContext(ctx, next, "", view.Hash, view.ID); err != nil {
		// A hash conflict or a closed view means the person already moved
		// on; anything else leaves them looking at "Loading…".
		if !slackErrorIs(err, "hash_conflict", "not_found") {
			a.log.Error("could not fill a form", "user", o.user, "err", err)
			failed()
		}
	}
}

// sendDM sends a message to a user as one or more direct messages: a
// message longer than Slack allows in one (an export, say) continues in
// the next rather than being cut.
func (a *Adapter) sendDM(ctx context.Context, userID string, m *bot.Message) error {
	for _, part := range renderParts(m) {
		if err := a.postDM(ctx, userID, part.text, part.blocks); err != nil {
			return err
		}
	}
	return nil
}

// postDM posts one direct message from the bot to a user.
func (a *Adapter) postDM(ctx context.Context, userID, text string, blocks []slack.Block) error {
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
	if err != nil {
		return err
	}
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	_, _, err = a.api.PostMessageContext(ctx, ch.ID, opts...)
	return err
}
