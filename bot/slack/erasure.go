package slack

import (
	"context"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// goneMessageErrors mean the intro message can no longer be edited
// because it, or its conversation, is gone (or, for cant_update_message,
// is not the bot's): no retry would change that.
var goneMessageErrors = []string{"message_not_found", "channel_not_found", "is_archived", "cant_update_message"}

// UpdateIntro replaces a posted intro, after one of its members left
// Rapport, with a short message that names only those still taking part.
// The message keeps its metadata, so a resumed send still finds it.
func (d *deliverer) UpdateIntro(ctx context.Context, in *bot.Intro) error {
	if err := d.pace.waitPost(ctx, in.ChannelID); err != nil {
		return err
	}
	text, blocks := leftIntroMessage(in)
	_, _, _, err := d.a.deliveryAPI.UpdateMessageContext(ctx, in.ChannelID, in.MessageRef,
		slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	if slackErrorIs(err, goneMessageErrors...) {
		return nil
	}
	if err != nil {
		return d.classify(ctx, err, nil)
	}
	return nil
}

// WithdrawIntro deletes an intro message the bot has just posted, when
// the intro was called off while it was on its way because a member of it
// left: the message shows their profile, and their partners have been
// told the intro is off.
func (d *deliverer) WithdrawIntro(ctx context.Context, channelID, ref string) error {
	if err := d.pace.waitPost(ctx, channelID); err != nil {
		return err
	}
	_, _, err := d.a.deliveryAPI.DeleteMessageContext(ctx, channelID, ref)
	if slackErrorIs(err, "message_not_found", "channel_not_found", "cant_delete_message") {
		return nil
	}
	if err != nil {
		return d.classify(ctx, err, nil)
	}
	return nil
}

// leftIntroMessage renders an intro from which a member has left: who is
// still there, and that what it said about the others is gone.
func leftIntroMessage(in *bot.Intro) (string, []slack.Block) {
	var names []md
	left := 0
	for _, im := range in.Members {
		if im.Left {
			left++
			continue
		}
		names = append(names, mdf("*%s* (%s)", im.Member.Name, mention(im.Member.UserID)))
	}
	gone := md("a member who has since left Rapport")
	if left > 1 {
		gone = "members who have since left Rapport"
	}
	body := md("Everyone in this introduction has since left Rapport.")
	if len(names) > 0 {
		body = mdf("This introduction was between %s and %s. What it said about them has been removed.", joinAnd(names), gone)
	}
	title := "An introduction from Rapport"
	return fallback(mdf("%s. %s", title, body)), messageBlocks().
		header(title).
		section(body).
		context("", "Rapport keeps nothing about people who leave. You can still reply here.").
		done()
}

// joinAnd joins markup as "a, b and c".
func joinAnd(xs []md) md {
	switch len(xs) {
	case 0:
		return "someone"
	case 1:
		return xs[0]
	}
	return joinMD(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
