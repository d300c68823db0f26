package bot

import (
	"fmt"
	"net/url"
	"time"
)

// ActionProfileOpen is the button that opens the profile form, on
// platforms where a form is not opened by a command (the Teams welcome).
const ActionProfileOpen = "profile_open"

// WelcomeMessage greets someone who has just added Rapport for
// themselves, on a platform where the bot can speak first (Teams).
func WelcomeMessage() *Message {
	return &Message{
		Title:   "Hello, I'm Rapport",
		Summary: P("Rapport introduces people across the practices of your network."),
		Sections: []Section{
			{Text: P("I introduce people across the practices and organisations of your Primary Care Network, a few at a time, with a reason to talk and a first question.")},
			{Text: P("Set up your profile to take part: your practice, your role, what you can offer and what you'd like to learn. It takes about a minute, and you can pause or leave at any time.")},
			{Buttons: []Button{{Action: ActionProfileOpen, Label: "Set up my profile", Style: StylePrimary}}},
			{Note: P("Type ", Cmd("help"), " to see everything I can do.")},
		},
	}
}

// TeamWelcomeMessage is posted once in the channel chosen when Rapport is
// added to a team.
func TeamWelcomeMessage() *Message {
	return &Message{
		Title:   "Rapport has joined the team",
		Summary: P("Rapport introduces people across the practices of your network."),
		Sections: []Section{
			{Text: P("I introduce people across the practices and organisations of the network, so that colleagues who would never otherwise meet get talking. Nobody takes part until they set up a profile.")},
			{Buttons: []Button{{Action: ActionProfileOpen, Label: "Set up my profile", Style: StylePrimary}}},
			{Note: P("Network admins: mention me with ", Code("meetups here"), " in the channel where meetups should be announced.")},
		},
	}
}

// MeetupsHereMessage answers an admin who chose the channel meetups are
// announced in.
func MeetupsHereMessage() *Message {
	return Say("Done: new meetups will be announced in this channel. Members answer on the announcement, and I keep its counts up to date.")
}

// MeetupsHereRefusedMessage answers someone who is not an admin.
func MeetupsHereRefusedMessage() *Message {
	return Say("Only network admins can choose where meetups are announced. Please ask your network manager.")
}

// FormSavedMessage takes the place of a form card in the chat once it is
// saved; FormClosedMessage once it is cancelled.
const (
	FormSavedMessage  = "Saved. Thank you!"
	FormClosedMessage = "Closed without saving."
)

// Labels of the links each member's intro card carries on a platform where
// the bot cannot start a group chat (Teams).
const (
	StartChatLabel      = "Start a chat"
	ProposeMeetingLabel = "Propose a meeting"
	// IntroChatTopic names the group chat the link starts (three or more
	// people) and the meeting it proposes.
	IntroChatTopic = "Rapport introduction"
	// IntroChatOpening is the first message the link suggests; the member
	// can change it before sending.
	IntroChatOpening = "Hello! Rapport introduced us. When would suit you for a quick chat?"
)

// ChatLinks returns the "Start a chat" and "Propose a meeting" buttons of
// an intro for a member, naming the others by principal name.
func ChatLinks(others []string) []Button {
	if len(others) == 0 {
		return nil
	}
	users := ""
	for i, o := range others {
		if i > 0 {
			users += ","
		}
		users += o
	}
	chat := url.Values{"users": {users}, "message": {IntroChatOpening}}
	if len(others) >= 2 {
		chat.Set("topicName", IntroChatTopic)
	}
	meet := url.Values{"subject": {IntroChatTopic}, "attendees": {users}, "content": {IntroChatOpening}}
	return []Button{
		{Label: StartChatLabel, URL: "https://teams.microsoft.com/l/chat/0/0?" + encode(chat)},
		{Label: ProposeMeetingLabel, URL: "https://teams.microsoft.com/l/meeting/new?" + encode(meet)},
	}
}

// encode encodes query values with %20 for spaces, which Teams' deep
// links expect, and keeps the commas between people as they are.
func encode(v url.Values) string {
	s := v.Encode()
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '+':
			out = append(out, "%20"...)
		case s[i] == '%' && i+2 < len(s) && s[i+1] == '2' && (s[i+2] == 'C' || s[i+2] == 'c'):
			out = append(out, ',')
			i += 2
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}

// DownloadMessage offers a member a file too long for a chat message, by
// a link that works once and until expires.
func DownloadMessage(link string, expires time.Time, loc *time.Location) *Message {
	return &Message{
		Summary: P("Your Rapport data"),
		Sections: []Section{
			{Text: P("Your data is too long for a chat message, so here is a link to download it as a file. The link works once, until ", when(expires, loc), ". To erase your data, use ", Cmd("leave"), ".")},
			{Buttons: []Button{{Label: "Download my data", URL: link}}},
		},
	}
}

// The page a download link opens, and the page of one used or expired.
const (
	DownloadPageTitle = "Your Rapport data"
	DownloadPageText  = "Press the button to download everything Rapport stores about you, as a JSON file. The link works once."
	DownloadButton    = "Download my data"
	DownloadGoneTitle = "This link has been used or has expired"
	DownloadGoneText  = "For your privacy a download link works once, for 15 minutes. Ask Rapport for your data again (export) for a new one."
)

// ChannelWords names the channel meetups are announced in where a
// platform's channel IDs mean nothing to a reader (Teams).
const ChannelWords = "the team's meetups channel"

// RequiredInputMessage is shown under a required input left empty, on a
// platform whose forms do not say it themselves (Teams).
const RequiredInputMessage = "Please answer this."

// MaxItemsHint says how many options a multi-choice input takes, on a
// platform whose inputs cannot limit it themselves (Teams).
func MaxItemsHint(n int) string {
	if n == 1 {
		return "Choose one at most."
	}
	return fmt.Sprintf("Choose up to %d.", n)
}

// UnreadableActionMessage answers a card button whose data Rapport cannot
// read (a card from an older version, say).
const UnreadableActionMessage = "Sorry, I couldn't read that. Please type help to start again."
