package slack

import (
	"context"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// onCommand answers a slash command through the conversation core. Its ack
// is the private answer; work that must wait for the ack (opening a form,
// sending a direct message) comes back as the after function.
func (a *Adapter) onCommand(ctx context.Context, cmd slack.SlashCommand, ans *answered) (any, func(context.Context)) {
	u := bot.User{Platform: Platform, ID: cmd.UserID}
	o := origin{user: cmd.UserID, channel: cmd.ChannelID, trigger: cmd.TriggerID, responseURL: cmd.ResponseURL, answered: ans}
	if r := a.chat.Command(ctx, u, cmd.Command, cmd.Text); r != nil {
		return a.commandAck(o, r)
	}
	return nil, nil
}
