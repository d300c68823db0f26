package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file holds every sentence about meetups that a member reads: the
// announcement, the answers to /meetup and its buttons, and the notices.

// Action IDs of the meetup buttons. They all start with "meetup", which
// is how Chat.Action routes them here.
const (
	ActionMeetupGoing    = "meetup_going"
	ActionMeetupMaybe    = "meetup_maybe"
	ActionMeetupNotGoing = "meetup_not_going"
	ActionMeetupManage   = "meetup_manage"
	ActionMeetupEdit     = "meetup_edit_open"
	ActionMeetupCancel   = "meetup_cancel"
	ActionMeetupKeep     = "meetup_keep"
	// ActionMeetupCalendar starts the IDs of the calendar link buttons,
	// which open their URL and need no answer.
	ActionMeetupCalendar = "meetup_calendar"
)

// maxNamesListed caps each list of people in the host's view: past forty
// names, a count reads better than a wall of names.
const maxNamesListed = 40

// maxMineListed caps /meetup mine: each meetup comes with its buttons.
const maxMineListed = 15

// meetupWhen is "Tuesday 3 June, 12:30 to 14:00".
func meetupWhen(m *Meetup, loc *time.Location) string {
	s, e := m.StartsAt.In(loc), m.EndsAt.In(loc)
	return s.Format("Monday 2 January, 15:04") + " to " + e.Format("15:04")
}

// meetupWhere is the place and the video link.
func meetupWhere(m *Meetup) Text {
	var parts []Text
	if m.Place != "" {
		parts = append(parts, P(m.Place))
	}
	if m.Link != "" {
		parts = append(parts, P(Link(m.Link, "video link")))
	}
	return Join(parts, ", or by ")
}

func meetupAudience(m *Meetup) string {
	if m.ForEveryone() {
		return "Everyone"
	}
	var parts []string
	for _, r := range m.Roles {
		parts = append(parts, Label(Roles, r))
	}
	for _, s := range m.Sectors {
		parts = append(parts, Label(Sectors, s))
	}
	return strings.Join(parts, ", ")
}

// meetupDetails are the facts of a meetup, as an announcement shows them.
func meetupDetails(m *Meetup, loc *time.Location) []Field {
	fs := []Field{
		{"When", P(meetupWhen(m, loc))},
		{"Where", meetupWhere(m)},
		{"What it's for", P(m.Purpose)},
		{"Who it's for", P(meetupAudience(m))},
		{"Food", P("not provided")},
	}
	if m.Food {
		fs[4].Value = P("provided 🍽️")
	}
	if m.Capacity > 0 {
		fs = append(fs, Field{"Places", P(m.Capacity)})
	}
	if m.RSVPBy != nil {
		fs = append(fs, Field{"Answer by", P(m.RSVPBy.Add(-time.Second).In(loc).Format("Monday 2 January"))})
	}
	if m.HostUserID != "" {
		fs = append(fs, Field{"Host", P(Mention(m.HostUserID, m.HostName))})
	}
	return fs
}

// meetupCounts is the live count line of an announcement.
func meetupCounts(m *Meetup) Text {
	c := m.Counts
	t := P(Strong(fmt.Sprintf("%d going", c.Going)), fmt.Sprintf(" · %d maybe · %d can't go", c.Maybe, c.NotGoing))
	if c.Waiting > 0 || m.Full() {
		t = P(t, fmt.Sprintf(" · %d on the waiting list", c.Waiting))
	}
	switch {
	case m.Full():
		t = P(t, "\nIt's full: press ", Strong("Going"), " to join the waiting list.")
	case m.Capacity > 0:
		t = P(t, fmt.Sprintf("\n%d of %s left.", m.Capacity-c.Going, Count(m.Capacity, "place", "places")))
	}
	return t
}

func meetupButton(action string, m *Meetup, label string) Button {
	return Button{Action: action, Value: strconv.FormatInt(m.ID, 10), Label: label}
}

// announcementMessage is the announcement in the network's channel, as it
// stands: details, counts and the answer buttons, or a cancellation.
func announcementMessage(m *Meetup, loc *time.Location) *Message {
	when := meetupWhen(m, loc)
	if m.Status == MeetupCancelled {
		return &Message{
			Title:    "Cancelled: " + m.Title,
			Summary:  P("Cancelled: ", m.Title, ", ", when),
			Sections: []Section{{Text: P(Struck(when), "\nThis meetup has been cancelled. Everyone who had answered has been told.")}},
		}
	}
	going := meetupButton(ActionMeetupGoing, m, "Going")
	going.Style = StylePrimary
	return &Message{
		Title:   "📅 " + m.Title,
		Summary: P("Meetup: ", m.Title, ", ", when, fmt.Sprintf(" (%d going)", m.Counts.Going)),
		Sections: []Section{{
			Fields: meetupDetails(m, loc),
			Note:   meetupCounts(m),
			Buttons: []Button{going,
				meetupButton(ActionMeetupMaybe, m, "Maybe"),
				meetupButton(ActionMeetupNotGoing, m, "Can't go"),
				meetupButton(ActionMeetupManage, m, "⋯ Manage"),
			},
		}},
	}
}

// rsvpMessage is the private answer to a click on Going, Maybe or Can't go.
func rsvpMessage(out *RSVPOutcome, loc *time.Location) *Message {
	m := out.Meetup
	title := Strong(m.Title)
	switch {
	case out.Status == RSVPGoing && !out.Changed:
		return Say("You're already down as going to ", title, ". See you there!")
	case out.Status == RSVPGoing:
		return Say("You're going to ", title, " on ", meetupWhen(m, loc), ". See you there! ", MeetupCmd("mine"), " has links to add it to your calendar.")
	case out.Status == RSVPWaiting && !out.Changed:
		return Say(fmt.Sprintf("You're still number %d on the waiting list for ", out.Position), title, ". I'll tell you in a direct message if a place frees up.")
	case out.Status == RSVPWaiting:
		return Say(title, fmt.Sprintf(" is full, so you're number %d on the waiting list. If a place frees up, I'll move you up and tell you in a direct message.", out.Position))
	case out.Status == RSVPMaybe:
		return Say("Noted: maybe for ", title, ". Press ", Strong("Going"), " when you know, to be sure of a place.")
	}
	if out.Previous == RSVPGoing || out.Previous == RSVPWaiting {
		return Say("Thanks for letting the host know you can't make ", title, " any more. Your place goes to the next person waiting, if anyone is.")
	}
	return Say("Thanks for letting the host know you can't make ", title, ".")
}

// rsvpFailedMessage answers a click that could not be recorded.
const rsvpFailedMessage = "Sorry, I couldn't record that just now. Please press the button again in a minute."

// cantGoButton lets someone reached by a direct message drop out.
func cantGoButton(m *Meetup) []Button {
	return []Button{meetupButton(ActionMeetupNotGoing, m, "I can't go any more")}
}

// promotedMessage tells someone on the waiting list that they have a place.
func promotedMessage(m *Meetup, loc *time.Location) *Message {
	return &Message{Sections: []Section{{
		Text:    P("Good news: a place has opened up at ", Strong(m.Title), " (", meetupWhen(m, loc), "), so you're now going."),
		Fields:  meetupDetails(m, loc),
		Buttons: cantGoButton(m),
	}}}
}

// changeWords describes what changed, for the people coming.
var changeWords = map[string]string{
	"title": "the title", "purpose": "what it's for", "when": "the time", "place": "the place",
	"link": "the video link", "audience": "who it's for", "food": "the food",
	"capacity": "the number of places", "rsvp_by": "when answers close",
}

// changedMessage tells attendees what the host changed of m, which was
// titled titleBefore.
func changedMessage(m *Meetup, changed []string, titleBefore string, loc *time.Location) *Message {
	var what []string
	for _, f := range changed {
		if w, ok := changeWords[f]; ok {
			what = append(what, w)
		}
	}
	words := "some details"
	if len(what) > 0 {
		words = AndNames(what)
	}
	return &Message{Sections: []Section{
		{Text: P("The host has changed ", words, " of ", Strong(titleBefore), ", which you answered. Here are the details now:")},
		{Heading: m.Title, Fields: meetupDetails(m, loc), Buttons: cantGoButton(m)},
	}}
}

// cancelledMessage tells attendees the meetup is off.
func cancelledMessage(m *Meetup, loc *time.Location) *Message {
	return Say("Sorry: ", Strong(m.Title), " on ", meetupWhen(m, loc), " has been cancelled. See what else is coming up with ", MeetupCmd("list"), ".")
}

// reminderMessage reminds someone going that m is near: kind is
// ReminderDayBefore or ReminderHourBefore.
func reminderMessage(m *Meetup, kind string, loc *time.Location) *Message {
	head := P(Strong(m.Title), " starts in an hour, at ", m.StartsAt.In(loc).Format("15:04"), ".")
	if kind == ReminderDayBefore {
		head = P("Reminder: ", Strong(m.Title), " is tomorrow, ", meetupWhen(m, loc), ".")
	}
	head = P(head, " Where: ", meetupWhere(m), ".")
	return &Message{Summary: head, Sections: []Section{{
		Text:    P(head, "\nIf you can't make it now, please say so: your place can go to someone else."),
		Buttons: cantGoButton(m),
	}}}
}

// meetupNotice puts a notice about a meetup (promoted, changed, cancelled,
// a reminder) into words, with the meetup as it is now.
func meetupNotice(n *NoticeMessage, loc *time.Location) *Message {
	switch n.Kind {
	case NoticeMeetupPromoted:
		return promotedMessage(n.Meetup, loc)
	case NoticeMeetupChanged:
		return changedMessage(n.Meetup, n.Changed, n.TitleBefore, loc)
	case NoticeMeetupCancelled:
		return cancelledMessage(n.Meetup, loc)
	}
	return reminderMessage(n.Meetup, n.Reminder, loc)
}

// hostAnnouncedMessage tells the host where their meetup went and how to
// manage it.
func hostAnnouncedMessage(m *Meetup) *Message {
	id := strconv.FormatInt(m.ID, 10)
	return Say("Your meetup ", Strong(m.Title), " is announced in ", ChannelLink(m.AnnouncedIn(m.HostPlatform)),
		". To see who's coming, edit it or cancel it, press ", Strong("⋯ Manage"),
		" on the announcement (only you and network admins can use it), or use ", MeetupCmd("edit", id), " and ", MeetupCmd("cancel", id), ".")
}

// adminAnnouncedMessage tells an admin who saved someone else's meetup
// whether it is announced now; its host is told too.
func adminAnnouncedMessage(m *Meetup, posted bool) *Message {
	if !posted {
		return Say("Sorry, I couldn't post the meetup ", Strong(m.Title), " in ", ChannelLink(m.AnnouncedIn(m.HostPlatform)),
			" either. If it's a private channel, please invite me to it (", Code("/invite @Rapport"), "), then save the meetup again.")
	}
	return Say("The meetup ", Strong(m.Title), " is announced in ", ChannelLink(m.AnnouncedIn(m.HostPlatform)), ". I've told its host.")
}

// notAnnouncedMessage tells the host their meetup could not be posted,
// and how to try again.
func notAnnouncedMessage(m *Meetup) *Message {
	return Say("Sorry, I couldn't post your meetup ", Strong(m.Title), " in ", ChannelLink(m.AnnouncedIn(m.HostPlatform)),
		", so nobody has seen it yet. If it's a private channel, please invite me to it (", Code("/invite @Rapport"),
		"). Then open ", MeetupCmd("edit", strconv.FormatInt(m.ID, 10)), " and press Save: I'll announce it then.")
}

// manageMessage is what the host (or an admin) sees privately after
// ⋯ Manage: who answered what, and the buttons to edit or cancel.
func manageMessage(m *Meetup, as []Attendee, loc *time.Location) *Message {
	lists := map[string][]Text{}
	for _, a := range as {
		name := P(Mention(a.UserID, a.Name))
		if a.Status == RSVPWaiting {
			name = P(fmt.Sprintf("%d. ", a.Position), name)
		}
		lists[a.Status] = append(lists[a.Status], name)
	}
	list := func(label, status string) Field {
		names := lists[status]
		if len(names) == 0 {
			return Field{label, P("nobody yet")}
		}
		var more string
		if len(names) > maxNamesListed {
			more = fmt.Sprintf(" and %d more", len(names)-maxNamesListed)
			names = names[:maxNamesListed]
		}
		return Field{fmt.Sprintf("%s (%d)", label, len(lists[status])), P(Join(names, ", "), more)}
	}
	cancel := meetupButton(ActionMeetupCancel, m, "Cancel meetup")
	cancel.Style = StyleDanger
	cancel.Confirm = &Confirm{Title: "Cancel this meetup?",
		Text: "Everyone who answered will get a message saying it's off. This can't be undone.",
		Yes:  "Cancel it", No: "Keep it"}
	return &Message{Sections: []Section{
		{Text: P(Strong(fmt.Sprintf("Managing #%d %s", m.ID, m.Title)), " (", meetupWhen(m, loc), "). Only you can see this.")},
		{
			Fields:  []Field{list("Going", RSVPGoing), list("Waiting list", RSVPWaiting), list("Maybe", RSVPMaybe), list("Can't go", RSVPNotGoing)},
			Buttons: []Button{meetupButton(ActionMeetupEdit, m, "Edit details"), cancel},
		},
	}}
}

// cancelConfirmMessage asks before /meetup cancel tells everyone.
func cancelConfirmMessage(m *Meetup, loc *time.Location) *Message {
	yes := meetupButton(ActionMeetupCancel, m, "Yes, cancel it")
	yes.Style = StyleDanger
	return &Message{Sections: []Section{{
		Text: P("Cancel ", Strong(m.Title), " on ", meetupWhen(m, loc),
			fmt.Sprintf("? Everyone who answered (%d going, %d maybe, %d waiting) will get a message saying it's off. This can't be undone.", m.Counts.Going, m.Counts.Maybe, m.Counts.Waiting)),
		Buttons: []Button{yes, meetupButton(ActionMeetupKeep, m, "No, keep it")},
	}}}
}

// keptMessage answers "No, keep it".
const keptMessage = "Nothing has changed: the meetup is still on."

// cancelledDoneMessage tells the host their meetup is cancelled.
func cancelledDoneMessage(m *Meetup) *Message {
	return Say("Done: ", Strong(m.Title), " is cancelled. I'm letting everyone who answered know.")
}

// meetupListMessage is /meetup list.
func meetupListMessage(ms []Meetup, loc *time.Location) *Message {
	if len(ms) == 0 {
		return Say("No meetups are coming up. Why not host one? Run ", MeetupCmd(), " to announce it.")
	}
	var items []Text
	for _, m := range ms {
		line := P(Strong(fmt.Sprintf("#%d %s", m.ID, m.Title)), ": ", meetupWhen(&m, loc), ", ", meetupWhere(&m), fmt.Sprintf(". %d going", m.Counts.Going))
		if m.Capacity > 0 {
			line = P(line, " of ", Count(m.Capacity, "place", "places"))
		}
		if m.Food {
			line = P(line, ", food provided")
		}
		items = append(items, P(line, "."))
	}
	return &Message{Sections: []Section{
		{Heading: "Coming up", Items: items},
		{Text: P("Answer with the buttons on each announcement. ", MeetupCmd("mine"), " shows the ones you're going to.")},
	}}
}

// meetupMineMessage is /meetup mine, with calendar links.
func meetupMineMessage(ms []MemberMeetup, loc *time.Location) *Message {
	if len(ms) == 0 {
		return Say("You're not going to or hosting any upcoming meetups. See what's on with ", MeetupCmd("list"), ".")
	}
	out := &Message{Summary: P("Your meetups"), Sections: []Section{{Heading: "Your meetups"}}}
	for i, mm := range ms {
		if i == maxMineListed {
			out.Add(Section{Note: P(fmt.Sprintf("And %d more.", len(ms)-maxMineListed))})
			break
		}
		m := mm.Meetup
		var standing []string
		if mm.Hosting {
			standing = append(standing, "you're hosting")
		}
		switch mm.RSVP {
		case RSVPGoing:
			standing = append(standing, "you're going")
		case RSVPMaybe:
			standing = append(standing, "you said maybe")
		case RSVPWaiting:
			standing = append(standing, fmt.Sprintf("you're number %d on the waiting list", mm.Position))
		}
		s := Section{Text: P(Strong(fmt.Sprintf("#%d %s", m.ID, m.Title)), " (", AndNames(standing), ")\n",
			meetupWhen(&m, loc), ", ", meetupWhere(&m), fmt.Sprintf(". %d going.", m.Counts.Going))}
		if google, outlook := CalendarLinks(&m); google != "" {
			g := meetupButton(ActionMeetupCalendar+"_google", &m, "Add to Google Calendar")
			g.URL = google
			o := meetupButton(ActionMeetupCalendar+"_outlook", &m, "Add to Outlook")
			o.URL = outlook
			s.Buttons = append(s.Buttons, g, o)
		}
		if mm.Hosting {
			s.Buttons = append(s.Buttons, meetupButton(ActionMeetupManage, &m, "⋯ Manage"))
		}
		out.Add(s)
	}
	return out
}

// meetupCommandItems list the meetup commands, for help.
func meetupCommandItems() []Text {
	return []Text{
		P(MeetupCmd(), ": announce a meetup (a form opens)"),
		P(MeetupCmd("list"), ": see the meetups coming up"),
		P(MeetupCmd("mine"), ": the ones you're going to or hosting, with calendar links"),
		P(MeetupCmd("edit", "12"), ": change meetup #12 (hosts and network admins)"),
		P(MeetupCmd("cancel", "12"), ": cancel meetup #12 and tell everyone who answered"),
	}
}

// meetupHelpMessage is /meetup help; prefix, when set, comes first (why
// the help is shown).
func meetupHelpMessage(prefix string) *Message {
	out := &Message{}
	if prefix != "" {
		out.Add(Section{Text: P(prefix)})
	}
	return out.Add(
		Section{
			Text:  P(Strong("Host a meetup for the network."), " Here's what you can do:"),
			Items: meetupCommandItems(),
		},
		Section{Text: P("Answer with the ", Strong("Going"), ", ", Strong("Maybe"), " and ", Strong("Can't go"),
			" buttons on an announcement. Hosts manage theirs with ", Strong("⋯ Manage"), ".")},
	)
}
