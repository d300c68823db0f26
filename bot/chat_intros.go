package bot

import "context"

// introAction answers the buttons on intros and follow-ups.
func (c *Chat) introAction(ctx context.Context, u User, action, value string) *Reply { return nil }
