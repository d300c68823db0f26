package slack

import (
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// The deliverer's notices about meetups, in bot's words, until Delivery
// hands the deliverer finished messages; this file goes then.

func meetupNoticeContent(n *bot.NoticeMessage, loc *time.Location) (md, []slack.Block) {
	text, blocks := renderMessage(bot.MeetupNotice(n, loc))
	return md(text), blocks
}

func promotedMessage(m *bot.Meetup, loc *time.Location) (md, []slack.Block) {
	return meetupNoticeContent(&bot.NoticeMessage{Kind: bot.NoticeMeetupPromoted, Meetup: m}, loc)
}

func changedMessage(c *bot.MeetupChange, loc *time.Location) (md, []slack.Block) {
	return meetupNoticeContent(&bot.NoticeMessage{Kind: bot.NoticeMeetupChanged, Meetup: c.After, Changed: c.Changed, TitleBefore: c.Before.Title}, loc)
}

func cancelledMessage(m *bot.Meetup, loc *time.Location) md {
	text, _ := meetupNoticeContent(&bot.NoticeMessage{Kind: bot.NoticeMeetupCancelled, Meetup: m}, loc)
	return text
}

func reminderMessage(r bot.DueReminder, loc *time.Location) (md, []slack.Block) {
	return meetupNoticeContent(&bot.NoticeMessage{Kind: bot.NoticeMeetupReminder, Meetup: r.Meetup, Reminder: r.Kind}, loc)
}
