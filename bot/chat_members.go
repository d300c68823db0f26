package bot

import "context"

// ProfileFormID is the ID of the profile form.
const ProfileFormID = "profile"

// memberCommand answers CommandName and its subcommands.
func (c *Chat) memberCommand(ctx context.Context, u User, text string) *Reply { return nil }

// memberAction answers the buttons of the member commands.
func (c *Chat) memberAction(ctx context.Context, u User, action, value string) *Reply { return nil }

// profileSubmit saves a submitted profile form.
func (c *Chat) profileSubmit(ctx context.Context, u User, v FormValues) *Reply { return nil }
