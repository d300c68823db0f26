package bot

import "time"

// dashboardLinkMessage carries an admin's one-time link to the admin
// pages. Chat platforms open links to show a preview, so the link itself
// only shows a Sign in button; pressing it spends the link.
func dashboardLinkMessage(link string, expires time.Time, loc *time.Location) *Message {
	return &Message{
		Summary: P("Your link to Rapport's admin pages"),
		Sections: []Section{{
			Text: P(Strong("Your link to Rapport's admin pages"), ": the network map, members by practice and sector, rounds, meetups and the practice list."),
		}, {
			Text:    P("It works once, until ", expires.In(loc).Format("15:04"), ": open it and press ", Strong("Sign in"), ". Please don't forward it; anyone with it could sign in as you. Your session lasts while you use it, and ends after 8 hours without."),
			Buttons: []Button{{Label: "Open the admin pages", URL: link, Style: StylePrimary}},
		}},
	}
}
