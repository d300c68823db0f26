package slack

import (
	"context"
	"html"
	"regexp"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// onCommand answers a slash command through the conversation core. Its ack
// is the private answer; work that must wait for the ack (opening a form,
// sending a direct message) comes back as the after function.
func (a *Adapter) onCommand(ctx context.Context, cmd slack.SlashCommand, ans *answered) (any, func(context.Context)) {
	u := bot.User{Platform: Platform, ID: cmd.UserID}
	o := origin{user: cmd.UserID, channel: cmd.ChannelID, trigger: cmd.TriggerID, responseURL: cmd.ResponseURL, answered: ans}
	if r := a.chat.Command(ctx, u, cmd.Command, commandText(cmd.Text)); r != nil {
		return a.commandAck(o, r)
	}
	return nil, nil
}

var (
	// userMention is a mention as Slack sends it in a command whose
	// should_escape is on: <@U123> or <@U123|priya>.
	userMention = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)
	// otherMarkup is the rest of what an escaped command may carry: a
	// channel, a user group, a link or an email address, each shown by
	// its label when it has one.
	otherMarkup = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)
)

// commandText is a command's text as the core reads it. /introduce-me is
// escaped (should_escape in the manifest), so that a mention arrives as
// the person's user ID: that becomes bot.MentionWord, and the rest of
// Slack's markup becomes the words the person typed.
func commandText(s string) string {
	s = userMention.ReplaceAllStringFunc(s, func(m string) string {
		return bot.MentionWord(userMention.FindStringSubmatch(m)[1])
	})
	s = otherMarkup.ReplaceAllStringFunc(s, func(m string) string {
		sub := otherMarkup.FindStringSubmatch(m)
		if sub[2] != "" {
			if strings.HasPrefix(sub[1], "#") {
				return "#" + sub[2] // a channel, typed as #name
			}
			return sub[2]
		}
		target := sub[1]
		switch {
		case strings.HasPrefix(target, "mailto:"):
			return target[len("mailto:"):]
		case strings.HasPrefix(target, "!"):
			// A special mention (<!channel>, <!here>) is what was typed
			// as @channel or @here.
			return "@" + target[1:]
		}
		return target
	})
	return html.UnescapeString(s)
}
