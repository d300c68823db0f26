package slack

// What the parts of the adapter not yet moved into bot's conversation core
// still use. It goes when they do.

import (
	"context"
	"errors"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// reply is a message answered privately to the person who asked.
type reply struct {
	ResponseType    string        `json:"response_type,omitempty"`
	Text            md            `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
}

func ephemeral(text md, blocks []slack.Block) *reply {
	return &reply{ResponseType: slack.ResponseTypeEphemeral, Text: md(fallback(text)), Blocks: blocks}
}

func textReply(text md) *reply {
	return ephemeral(text, messageBlocks().section(text).done())
}

func plainReply(text string) *reply { return textReply(esc(text)) }

func errorReply(err error) *reply { return textReply(renderText(bot.ErrorText(err))) }

func helpReply(prefix string, admin bool) *reply {
	text, blocks := renderMessage(bot.Say(bot.CommandName + " help"))
	return ephemeral(md(text), blocks)
}

func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January at 15:04")
}

func day(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006")
}

func pauseReply(st *bot.Status, loc *time.Location) *reply {
	text := mdf("Done: you're paused until you resume with `%s resume`. Take all the time you need.", bot.CommandName)
	if st.Member.PausedUntil != nil {
		text = mdf("Done: you're paused until %s. To come back sooner, use `%s resume`.", day(*st.Member.PausedUntil, loc), bot.CommandName)
	}
	return textReply(text)
}

func (a *Adapter) replyErr(action string, err error) *reply {
	if errors.Is(err, context.DeadlineExceeded) {
		a.log.Warn("command ran out of time", "action", action)
		return plainReply(bot.SlowMessage)
	}
	if bot.ErrorCode(err) == bot.EINTERNAL {
		a.log.Error("command failed", "action", action, "err", err)
	}
	return errorReply(err)
}

func (a *Adapter) tellLater(ctx context.Context, cmd slack.SlashCommand, text md) {
	a.tell(ctx, origin{user: cmd.UserID, channel: cmd.ChannelID, responseURL: cmd.ResponseURL}, false, string(text), messageBlocks().section(text).done())
}

func (a *Adapter) replace(ctx context.Context, cb slack.InteractionCallback, text md) {
	a.tell(ctx, originOf(cb), true, fallback(text), messageBlocks().section(text).done())
}

func (a *Adapter) dm(ctx context.Context, userID string, text md, blocks []slack.Block) error {
	if len(blocks) == 0 {
		blocks = messageBlocks().section(text).done()
	}
	return a.postDM(ctx, userID, fallback(text), blocks)
}

func textInput(block, label, initial string, maxLen int, optional bool, placeholder string) *slack.InputBlock {
	return renderInput(bot.Input{ID: block, Label: label, Value: initial, MaxLen: maxLen, Optional: optional, Placeholder: placeholder})
}

func radioInput(block, label string, cs []bot.Choice, initial string) *slack.InputBlock {
	return renderInput(bot.Input{ID: block, Label: label, Kind: bot.InputChoice, Expanded: true, Options: bot.ChoiceOptions(cs), Value: initial})
}

func choiceOptions(cs []bot.Choice) []*slack.OptionBlockObject {
	return options(bot.ChoiceOptions(cs))
}
