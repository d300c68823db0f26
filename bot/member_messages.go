package bot

import (
	"encoding/json"
	"strings"
	"time"
)

// The words of the member commands: help, pause, resume, the
// welcome after a profile is saved, export and leave.

// helpMessage lists the commands, after prefix (why help is shown).
func helpMessage(prefix Text, admin bool) *Message {
	var items []Text
	for _, sc := range Subcommands {
		if sc.Admin && !admin {
			continue
		}
		items = append(items, P(Code(strings.TrimSpace(CommandName+" "+sc.Usage)), ": ", sc.Help))
	}
	m := &Message{}
	if !prefix.Empty() {
		m.Add(Section{Text: prefix})
	}
	m.Add(Section{Text: P(Strong("Rapport introduces you to people across the network."), " Here's what you can do:"), Items: items})
	// Where commands are typed to the bot rather than chosen from a list
	// of slash commands (Teams), this is the one list people see.
	return m.Add(Section{Text: P(Strong("Meetups"), " for the network:"), Items: meetupCommandItems()})
}

// profileFields are a profile as labelled fields.
func profileFields(m *Member) []Field {
	p := m.Profile
	fields := []Field{
		{"Organisation", P(p.Organisation)},
		{"Sector", P(Label(Sectors, p.Sector))},
		{"Role", P(Label(Roles, p.Role), ", ", strings.ToLower(Label(CareerStages, p.CareerStage)))},
	}
	list := func(label string, xs []string) {
		if len(xs) > 0 {
			fields = append(fields, Field{label, P(strings.Join(xs, ", "))})
		}
	}
	list("Interests", p.Interests)
	list("Can help with", p.Offers)
	list("Would like to learn about", p.Asks)
	fields = append(fields,
		Field{"Introductions", P(strings.ToLower(Label(Frequencies, p.Frequency)))},
		Field{"Mentoring", P(Label(MentoringChoices, p.Mentoring))},
		Field{"Meeting", P(Label(MeetingChoices, p.Meeting))},
	)
	if p.Bio != "" {
		fields = append(fields, Field{"About you", P(p.Bio)})
	}
	return append(fields, Field{"Directory", listedText(p.Listed)})
}

// standing says whether the member is paused and when their next round
// is.
func standing(st *Status, loc *time.Location, now time.Time) Text {
	m := st.Member
	var t Text
	switch {
	case m.Status == StatusInactive:
		t = P("We couldn't reach you with your last introduction, so you are not in rounds for now. Save your profile again with ", Cmd(), " to rejoin.")
	case m.PausedAt(now) && m.PausedUntil == nil:
		t = P("You are ", Strong("paused"), " until you resume with ", Cmd("resume"), ".")
	case m.PausedAt(now):
		t = P("You are ", Strong("paused"), " until ", day(*m.PausedUntil, loc), ".")
	default:
		t = P("You are ", Strong("taking part"), " in introductions.")
	}
	if !st.NextRound.IsZero() && m.Status != StatusInactive {
		t = P(t, " The next round you can be part of is on ", when(st.NextRound, loc), ".")
	}
	return t
}

func answerLabel(status, answer string) string {
	if status == IntroFailed {
		return "could not be delivered"
	}
	switch answer {
	case AnswerArranged:
		return "arranged to meet"
	case AnswerYes:
		return "met"
	case AnswerNotYet:
		return "not met yet"
	case AnswerNo:
		return "didn't meet"
	}
	return "no answer yet"
}

// pausedMessage answers a pause.
func pausedMessage(st *Status, loc *time.Location) *Message {
	m := st.Member
	if m.PausedUntil == nil {
		return Say("Done: you're paused until you resume with ", Cmd("resume"), ". Take all the time you need.")
	}
	t := P("Done: you're paused until ", day(*m.PausedUntil, loc), ". You'll be back in rounds from then")
	if !st.NextRound.IsZero() {
		t = P(t, ", starting with the one on ", when(st.NextRound, loc))
	}
	return Say(t, ". To come back sooner, use ", Cmd("resume"), ".")
}

// resumedMessage answers resume; wasPaused says whether there was a pause
// to end, so a member who was taking part is not welcomed back.
func resumedMessage(st *Status, wasPaused bool, loc *time.Location) *Message {
	t := P("Welcome back: you're taking part in introductions again.")
	if !wasPaused {
		t = P("You're not paused: you're already taking part in introductions.")
	}
	if !st.NextRound.IsZero() {
		t = P(t, " The next round is on ", when(st.NextRound, loc), ".")
	}
	return Say(t)
}

// welcomeMessage is the direct message sent when someone saves their
// profile.
func welcomeMessage(st *Status, joined bool, loc *time.Location) *Message {
	m := st.Member
	head := "Thanks, your profile is updated."
	if joined {
		head = "Welcome to Rapport! Your profile is saved."
		if name := FirstName(*m); name != "" {
			head = "Welcome to Rapport, " + name + "! Your profile is saved."
		}
	}
	next := P("Your introductions will come in a direct message like this one.")
	if !st.NextRound.IsZero() {
		next = P("The next round is on ", when(st.NextRound, loc), ": I'll message you and the person you're introduced to, with why you should talk.")
	}
	if m.Paused && st.NextRound.IsZero() {
		next = P("You're paused at the moment, so no introductions will come until you resume with ", Cmd("resume"), ".")
	}
	return &Message{Summary: P(head, " ", next), Sections: []Section{
		{Heading: head, Fields: profileFields(m)},
		{Text: next},
		{Note: P("Change anything with ", Cmd(), ". Take a break with ", Cmd("pause"), ". See everything we store with ", Cmd("export"), ", or erase it with ", Cmd("leave"), ".")},
	}}
}

// leaveConfirmMessage asks before erasing anything.
func leaveConfirmMessage() *Message {
	text := "Leaving erases your profile and everything Rapport holds about you, and you won't be introduced to anyone again. The people you were introduced to keep their own record, which will say they met a member who has left, with nothing about you. This can't be undone."
	return &Message{Summary: P(text), Sections: []Section{{
		Heading: "Are you sure you want to leave Rapport?",
		Text:    P(text),
		Buttons: []Button{
			{Action: ActionLeaveConfirm, Value: "leave", Label: "Yes, erase my data", Style: StyleDanger},
			{Action: ActionLeaveCancel, Value: "stay", Label: "No, keep me in"},
		},
	}}}
}

// adminMessage is the outcome of an admin command.
func adminMessage(r *AdminReply) *Message {
	return &Message{Sections: []Section{{Heading: r.Title, Items: r.Lines}}}
}

// exportMessages are a member's export: a message saying what it is, then
// the data as JSON, which the platform splits as its limits require.
func exportMessages(x *MemberExport) ([]*Message, error) {
	// Platforms escape the text themselves, so JSON's own HTML escaping
	// (\u003c) would only make the export harder to read.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return []*Message{
		Say("Here is everything Rapport stores about you, as JSON. To erase it, use ", Cmd("leave"), "."),
		{Summary: P("Your Rapport data"), Sections: []Section{{Pre: strings.TrimSpace(b.String())}}},
	}, nil
}
