package slack

import (
	"context"
	"errors"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// board posts messages that a whole channel reads (meetup announcements)
// with chat.postMessage, and edits them with chat.update.
type board struct {
	api *slack.Client
}

// Board returns where bot posts and updates the messages a whole channel
// reads. Its client waits out a few 429s by itself; one that outlasts
// them comes back as a *bot.DeliveryError with the RetryAfter Slack asked
// for.
func (a *Adapter) Board() bot.Board { return &board{api: a.api} }

// Post posts m in the channel and returns the channel and the message's
// timestamp, which is how Slack refers to it.
func (b *board) Post(ctx context.Context, channel string, m *bot.Message) (string, string, error) {
	text, blocks := renderMessage(m)
	ch, ts, err := b.api.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	return ch, ts, boardError(err)
}

// Update replaces the message at ref (its timestamp) with m.
func (b *board) Update(ctx context.Context, channelID, ref string, m *bot.Message) error {
	text, blocks := renderMessage(m)
	_, _, _, err := b.api.UpdateMessageContext(ctx, channelID, ref, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
	return boardError(err)
}

func boardError(err error) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &bot.DeliveryError{RetryAfter: rl.RetryAfter, Err: err}
	}
	return err
}
