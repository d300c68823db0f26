package bot

import (
	"strings"
	"time"
)

// The words of the home summary (Slack's Home tab, the Teams welcome card
// and "status"), and of words typed to the bot that are not a command.

// memberHome is what a member's home shows.
type memberHome struct {
	Status *Status
	// Recent are the member's latest intros, newest first.
	Recent []Intro
	// Admin offers the admin pages: the member is an admin, and the pages
	// can be signed into from the chat.
	Admin bool
	// Lead, when set, comes first: what the member just did.
	Lead Text
}

// homeMessage is a member's home: their profile in short, whether they
// are paused, their next round and latest intros, and what they can do.
func homeMessage(h memberHome, loc *time.Location, now time.Time) *Message {
	m := h.Status.Member
	text := standing(h.Status, loc, now)
	msg := &Message{Summary: text}
	if !h.Lead.Empty() {
		msg.Summary = h.Lead
		msg.Add(Section{Text: h.Lead})
	}
	msg.Add(
		Section{Heading: "Your Rapport profile", Fields: homeFields(m)},
		Section{Text: text},
		recentSection(m, h.Recent, loc),
	)
	buttons := []Button{{Action: ActionProfileOpen, Value: "edit", Label: "Edit profile"}}
	switch {
	case m.Status == StatusInactive:
		// Saving the profile again is what brings them back.
	case m.PausedAt(now):
		buttons = append(buttons, Button{Action: ActionHomeResume, Value: "resume", Label: "Resume", Style: StylePrimary})
	default:
		buttons = append(buttons, Button{Action: ActionHomePause, Value: "pause", Label: "Pause"})
	}
	buttons = append(buttons, Button{Action: ActionDirectoryFind, Value: "find", Label: "Find someone"})
	msg.Add(Section{Text: P("Looking for someone who can help with something? Find them by topic, and ask for an introduction."), Buttons: buttons})
	if h.Admin {
		msg.Add(Section{Rule: true, Heading: "For network admins",
			Text:    P("The admin pages show the network map, members by practice, rounds and meetups. I'll send you a one-time sign-in link in a direct message."),
			Buttons: []Button{{Action: ActionAdminDashboard, Value: "dashboard", Label: "Admin pages"}}})
	}
	return msg.Add(Section{Note: P("See everything you can do with ", Cmd("help"), ".")})
}

// homeFields are a member's profile in short.
func homeFields(m *Member) []Field {
	p := m.Profile
	role := Label(Roles, p.Role)
	if stage := Label(CareerStages, p.CareerStage); stage != "" && role != "" {
		role += ", " + strings.ToLower(stage)
	}
	fields := []Field{
		{"Organisation", P(p.Organisation)},
		{"Role", P(role)},
	}
	if len(p.Interests) > 0 {
		fields = append(fields, Field{"Interests", P(strings.Join(p.Interests, ", "))})
	}
	if len(p.Offers) > 0 {
		fields = append(fields, Field{"Can help with", P(strings.Join(p.Offers, ", "))})
	}
	if len(p.Asks) > 0 {
		fields = append(fields, Field{"Would like to learn about", P(strings.Join(p.Asks, ", "))})
	}
	fields = append(fields, Field{"Introductions", P(strings.ToLower(Label(Frequencies, p.Frequency)))})
	listed := P("not listed (turn it on with Edit profile, and members can find you by what you can help with)")
	if p.Listed {
		listed = P("listed, so members can find you by what you can help with")
	}
	return append(fields, Field{"Directory", listed})
}

// recentSection lists a member's latest intros: who, when, and how it
// went for them. A member who has left shows as LeftMemberName.
func recentSection(me *Member, recent []Intro, loc *time.Location) Section {
	s := Section{Heading: "Your recent introductions", Text: P("None yet.")}
	if len(recent) == 0 {
		return s
	}
	s.Text = nil
	for _, in := range recent {
		var others []string
		var answer string
		for _, im := range in.Members {
			switch {
			case im.Member.ID == me.ID && !im.Left:
				answer = im.Answer
			case im.Left:
				others = append(others, LeftMemberName)
			default:
				others = append(others, im.Member.Name)
			}
		}
		s.Items = append(s.Items, P(shortDay(in.CreatedAt, loc), ": ", AndNames(others), " (", answerLabel(in.Status, answer), ")"))
	}
	return s
}

// strangerHomeMessage is the home of someone who has not joined: what
// Rapport is, and a Join button; after lead, when it is set.
func strangerHomeMessage(lead Text) *Message {
	m := &Message{
		Title:   "Welcome to Rapport",
		Summary: P("Rapport introduces people across the practices of your network. Join to take part."),
	}
	if !lead.Empty() {
		m.Summary = P(lead, " ", m.Summary)
		m.Add(Section{Text: lead})
	}
	return m.Add(
		Section{Text: P("Rapport introduces you to people across the practices and organisations of your Primary Care Network, a few at a time, each with a reason to talk and a first question.")},
		Section{Text: P("Say what you can help with and what you'd like to learn, choose weekly, fortnightly or monthly, and pause or leave whenever you like. Setting up your profile takes about a minute.")},
		Section{Buttons: []Button{{Action: ActionProfileOpen, Value: "join", Label: "Join Rapport", Style: StylePrimary}}},
		Section{Note: P("See everything I can do with ", Cmd("help"), ".")},
	)
}

// notJoinedLead tells someone who asked for their status that they have
// not joined.
func notJoinedLead() Text { return P("You haven't joined yet.") }

// homeFailedMessage takes the place of a home that could not be read.
func homeFailedMessage() *Message {
	return Say("Sorry, I couldn't load your Rapport summary just now. Please try again in a minute.")
}

// homePausedLead says a pause from the home's button is done.
func homePausedLead() Text {
	return P("Done: you're paused until you resume. Take all the time you need.")
}

// homeResumedLead says a resume from the home's button is done, or that
// there was no pause to end.
func homeResumedLead(wasPaused bool) Text {
	if !wasPaused {
		return P("You're not paused: you're already taking part in introductions.")
	}
	return P("Welcome back: you're taking part in introductions again.")
}

// formFromMessageLead says why typed words that open a form show the home
// instead.
func formFromMessageLead(command, rest string) Text {
	typed := strings.TrimSpace("/" + strings.TrimPrefix(command, "/") + " " + rest)
	return P("I can't open a form from a message, but a button can: press one below, or type ", Code(typed), " as a command.")
}

// typedHelpMessage answers words typed to the bot that are not a command:
// a greeting back, or a kind word that it did not follow, and what they
// can type.
func typedHelpMessage(text string, admin bool) *Message {
	words := strings.Fields(text)
	items := []Text{
		P(Cmd("status"), ": your profile, the next round and your latest introductions"),
		P(Cmd("find diabetes"), ": members who can help with a topic"),
		P(Cmd("pause"), " or ", Cmd("resume"), ": take a break, or come back"),
		P(Cmd(), ": join, or edit your profile"),
		P(Cmd("help"), ": everything I can do"),
	}
	if admin {
		items = append(items, P(Cmd("admin dashboard"), ": a link to the admin pages"))
	}
	var hello Text
	switch {
	case isThanks(words):
		hello = P("You're welcome!")
	case isGreeting(words) || len(words) == 0:
		hello = P("Hello!")
	default:
		lead := P("I didn't follow that, sorry: I understand only a few words, and nobody else reads this chat.")
		if near := nearestCommand(strings.ToLower(words[0])); near != "" {
			lead = P(lead, " Did you mean ", Cmd(near), "?")
		}
		return &Message{Summary: lead, Sections: []Section{
			{Text: lead},
			{Text: P("Here's what you can type, here or anywhere:"), Items: items},
		}}
	}
	return &Message{Summary: hello, Sections: []Section{
		{Text: P(hello, " I'm Rapport: I introduce people across the network. Here's what you can type, here or anywhere:"), Items: items},
	}}
}
