package slack

import (
	"context"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// goneMessageErrors mean a posted message can no longer be edited because
// it, or its conversation, is gone (or, for cant_update_message, is not
// the bot's): no retry would change that.
var goneMessageErrors = []string{"message_not_found", "channel_not_found", "is_archived", "cant_update_message"}

// Update replaces a posted message, such as an intro after one of its
// members left Rapport. The message keeps its metadata, so a resumed send
// still finds it.
func (d *deliverer) Update(ctx context.Context, channelID, ref string, m *bot.Message) error {
	if err := d.pace.waitPost(ctx, channelID); err != nil {
		return err
	}
	text, blocks := renderMessage(m)
	_, _, _, err := d.a.deliveryAPI.UpdateMessageContext(ctx, channelID, ref,
		slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	if slackErrorIs(err, goneMessageErrors...) {
		return nil
	}
	if err != nil {
		return d.classify(ctx, err, nil)
	}
	return nil
}

// Delete deletes a message the bot has posted, such as an intro called
// off while it was on its way because a member of it left.
func (d *deliverer) Delete(ctx context.Context, channelID, ref string) error {
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
