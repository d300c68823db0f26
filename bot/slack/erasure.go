package slack

import (
	"context"
	"fmt"

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
	if err := d.a.pace.waitPost(ctx, in.ChannelID); err != nil {
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

// leftIntroMessage renders an intro from which a member has left: who is
// still there, and that what it said about the others is gone.
func leftIntroMessage(in *bot.Intro) (string, []slack.Block) {
	var names []string
	left := 0
	for _, im := range in.Members {
		if im.Left {
			left++
			continue
		}
		names = append(names, fmt.Sprintf("*%s* (<@%s>)", escape(im.Member.Name), im.Member.UserID))
	}
	gone := "a member who has since left Rapport"
	if left > 1 {
		gone = "members who have since left Rapport"
	}
	var body string
	if len(names) == 0 {
		body = "Everyone in this introduction has since left Rapport."
	} else {
		body = fmt.Sprintf("This introduction was between %s and %s. What it said about them has been removed.", andList(names), gone)
	}
	title := "An introduction from Rapport"
	return title + ". " + body, []slack.Block{
		slack.NewHeaderBlock(plain(title)),
		slack.NewSectionBlock(mrkdwn(body), nil, nil),
		slack.NewContextBlock("", mrkdwn("Rapport keeps nothing about people who leave. You can still reply here.")),
	}
}
