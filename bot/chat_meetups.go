package bot

import "context"

// meetupCommand answers MeetupCommandName.
func (c *Chat) meetupCommand(ctx context.Context, u User, text string) *Reply { return nil }

// meetupAction answers the buttons of meetups.
func (c *Chat) meetupAction(ctx context.Context, u User, action, value string) *Reply { return nil }

// meetupSubmit answers the meetup forms.
func (c *Chat) meetupSubmit(ctx context.Context, u User, form, ref string, v FormValues) *Reply {
	return nil
}
