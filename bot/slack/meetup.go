package slack

import (
	"context"

	"github.com/slack-go/slack"
)

// meetupCommand is the slash command for meetups.
const meetupCommand = "/meetup"

// onMeetupCommand answers /meetup. (Being built; see issue 4.)
func (a *Adapter) onMeetupCommand(ctx context.Context, cmd slack.SlashCommand) (any, func(context.Context)) {
	return textReply("Meetups are coming soon."), nil
}

// isMeetupInteraction reports whether an interaction belongs to meetups.
func isMeetupInteraction(cb slack.InteractionCallback) bool { return false }

// onMeetupInteraction answers a meetup modal or button.
func (a *Adapter) onMeetupInteraction(ctx context.Context, cb slack.InteractionCallback) (any, func(context.Context)) {
	return nil, nil
}

// RunMeetupReminders sends meetup reminders as they fall due, until ctx is
// cancelled.
func (a *Adapter) RunMeetupReminders(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
