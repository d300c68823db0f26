package bot

import "context"

// Action IDs of the buttons of the home summary.
const (
	ActionHomePause      = "home_pause"
	ActionHomeResume     = "home_resume"
	ActionAdminDashboard = "admin_dashboard"
)

// Home is what a person sees on the bot's home (Slack's Home tab, the
// Teams welcome card and "status"): for a member, their profile in short,
// the next round, recent intros and buttons to edit, pause or resume, and
// find someone (and, for an admin, the admin pages); for someone who has
// not joined, what Rapport is and a Join button.
func (c *Chat) Home(ctx context.Context, u User) *Message {
	return Say("Rapport")
}

// homeAction answers the home summary's buttons.
func (c *Chat) homeAction(ctx context.Context, u User, action, value string) *Reply {
	return nil
}

// Typed answers words typed to the bot in a direct message (Slack's
// Messages tab): a command's words run that command, anything else gets a
// helpful answer.
func (c *Chat) Typed(ctx context.Context, u User, text string) *Reply {
	return c.Command(ctx, u, CommandName, text)
}
