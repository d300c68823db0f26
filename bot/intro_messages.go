package bot

import (
	"strconv"
)

// This file holds what members read about their introductions: the intro
// itself, the follow-up that asks whether they met, the intro as it is
// edited after a member has left, and the notices about an intro that
// could not go ahead. The answers to the intro's and the follow-up's
// buttons are in chat_intros.go.

// Action IDs of the intro's and the follow-up's buttons. Their values
// carry the intro's ID.
const (
	actionIntroArranged = "intro_arranged"
	actionIntroPause    = "intro_pause"
	actionIntroBlock    = "intro_block"
	actionFollowYes     = "followup_yes"
	actionFollowNotYet  = "followup_not_yet"
	actionFollowNo      = "followup_no"
)

// takingPart reports whether an intro's member receives it: one who
// cannot be reached or is no longer active is left out of it.
func takingPart(im IntroMember) bool {
	return !im.Unreachable && im.Member.Status == StatusActive
}

// IntroFootnote is the small print under an intro posted where its
// members can all reply; IntroCopyFootnote replaces it under a copy sent
// to each member on their own (Teams), where a reply reaches only Rapport,
// and IntroCopyNoLinkFootnote when the copy has no link to start a chat.
const (
	IntroFootnote     = "Rapport introduces people across the network, at the pace each person chose. Reply here to say hello."
	IntroCopyFootnote = "Rapport introduces people across the network, at the pace each person chose. Each of you has this message in your own chat with Rapport: use Start a chat to say hello."
	// LeftIntroFootnote ends an intro a member has left; LeftIntroCopyFootnote
	// replaces it under a copy in a member's own chat with Rapport.
	LeftIntroFootnote       = "Rapport keeps nothing about people who leave. You can still reply here."
	LeftIntroCopyFootnote   = "Rapport keeps nothing about people who leave. You can still use Start a chat to talk to the others."
	IntroCopyNoLinkFootnote = "Rapport introduces people across the network, at the pace each person chose. Each of you has this message in your own chat with Rapport: find the others in Teams by name to say hello."
)

// introMessage is an intro: who each person is, why they were introduced,
// a first question, who might start, and buttons to say how it went.
func introMessage(in *Intro) *Message {
	var names []string
	var people []Section
	var starter *Member
	for _, im := range in.Members {
		if !takingPart(im) {
			continue
		}
		m := im.Member
		names = append(names, m.Name)
		where := m.Profile.Organisation + " · " + Label(Sectors, m.Profile.Sector)
		if m.Profile.Role != "" && m.Profile.Role != "other" {
			where = Label(Roles, m.Profile.Role) + ", " + where
		}
		t := P(Strong(m.Name), " (", Mention(m.UserID, m.Name), ")\n", where)
		if m.Profile.Bio != "" {
			t = P(t, "\n", Italic(m.Profile.Bio))
		}
		people = append(people, Section{Text: t})
		if m.ID == in.StarterID {
			starter = &m
		}
	}
	why := in.Explanation
	if why == "" {
		why = "You work in different parts of the network, which is reason enough."
	}
	title := "Meet " + AndNames(names)
	msg := &Message{Title: title, Summary: P(title, ". ", why), Sections: people}
	msg.Add(Section{Rule: true, Heading: "Why we introduced you", Text: P(why)})
	if in.Question != "" {
		msg.Add(Section{Heading: "A first question", Text: P(in.Question)})
	}
	if starter != nil {
		you := "you both"
		if len(names) > 2 {
			you = "you all"
		}
		msg.Add(Section{Text: P(Mention(starter.UserID, starter.Name), ", would you start? Suggest a time that suits ", you, ", ", howToMeet(in), ".")})
	}
	id := strconv.FormatInt(in.ID, 10)
	return msg.Add(
		Section{Buttons: []Button{
			{Action: actionIntroArranged, Value: id, Label: "We've arranged to meet", Style: StylePrimary},
			{Action: actionIntroPause, Value: id, Label: "Pause my intros"},
			{Action: actionIntroBlock, Value: id, Label: "Not a good match", Confirm: &Confirm{
				Title: "Not a good match?",
				Text:  notAGoodMatchConfirm(len(names)),
				Yes:   "Yes", No: "Cancel",
			}},
		}},
		Section{Note: P(IntroFootnote)},
	)
}

// howToMeet suggests a way of meeting that suits everyone's preference.
func howToMeet(in *Intro) string {
	inPerson, video := true, true
	for _, im := range in.Members {
		switch im.Member.Profile.Meeting {
		case "in_person":
			video = false
		case "video":
			inPerson = false
		}
	}
	switch {
	case inPerson && !video:
		return "in person (a coffee or a walk works well)"
	case video && !inPerson:
		return "on a video call"
	}
	return "in person or on a video call"
}

// followUpMessage asks one member of an intro whether they met the
// others; second is the ask after an earlier "not yet".
func followUpMessage(in *Intro, m *IntroMember, second bool) *Message {
	q := "Did you meet " + AndNames(others(in, m.Member.ID)) + "?"
	if second {
		q = "Still hoping to meet " + AndNames(others(in, m.Member.ID)) + "? Did you manage it?"
	}
	id := strconv.FormatInt(in.ID, 10)
	return &Message{Summary: P(q), Sections: []Section{{
		Text: P(q, "\nYour answer helps us make better introductions. Only Rapport sees it."),
		Buttons: []Button{
			{Action: actionFollowYes, Value: id, Label: "Yes", Style: StylePrimary},
			{Action: actionFollowNotYet, Value: id, Label: "Not yet"},
			{Action: actionFollowNo, Value: id, Label: "No"},
		},
	}}}
}

// others returns the names of an intro's members other than the one with
// memberID who could be reached.
func others(in *Intro, memberID int64) []string {
	var names []string
	for _, o := range in.Members {
		if o.Member.ID != memberID && !o.Unreachable {
			names = append(names, o.Member.Name)
		}
	}
	return names
}

// leftIntroMessage is a posted intro as it is edited after a member has
// left Rapport: who is still there, and that what it said about the
// others is gone.
func leftIntroMessage(in *Intro) *Message {
	var names []Text
	left := 0
	for _, im := range in.Members {
		if im.Left {
			left++
			continue
		}
		names = append(names, P(Strong(im.Member.Name), " (", Mention(im.Member.UserID, im.Member.Name), ")"))
	}
	gone := "a member who has since left Rapport"
	if left > 1 {
		gone = "members who have since left Rapport"
	}
	body := P("Everyone in this introduction has since left Rapport.")
	if len(names) > 0 {
		body = P("This introduction was between ", AndList(names), " and ", gone, ". What it said about them has been removed.")
	}
	title := "An introduction from Rapport"
	return &Message{Title: title, Summary: P(title, ". ", body), Sections: []Section{
		{Text: body},
		{Note: P(LeftIntroFootnote)},
	}}
}

// LeftOutForMember is how a member's export gives the reason they were
// left out of a round. The reason admins see may be that someone chose not
// to be paired with them, which a member is never told.
const LeftOutForMember = "There was no one we could introduce you to in this round."

// The notices about intros. A member is never told why the hard rules
// left them out: the reason may be that someone chose not to be paired
// with them.

// leftOutNotice tells a member there was no one to introduce them to.
func leftOutNotice() *Message {
	return Say("There was no one we could introduce you to this round, sorry: sometimes the numbers don't quite work out. You'll go first in the next round.")
}

// undeliveredNotice tells a member their intro could not go out.
func undeliveredNotice() *Message {
	return Say("Sorry: we couldn't deliver your introduction this round. It's not you: something went wrong on our side. You'll be first in line in the next round.")
}

// partnerLeftNotice tells a member their partner left before the intro
// was sent.
func partnerLeftNotice() *Message {
	return Say("The person we were about to introduce you to is no longer taking part, so this round's introduction is off. Sorry about that: you'll be first in line in the next round.")
}

// partnerUnreachableNotice tells a member that the partners named could
// not receive their intro.
func partnerUnreachableNotice(names []string) *Message {
	return Say("Sorry: this round we introduced you to ", AndNames(names), ", but their account can no longer receive messages, so the introduction couldn't go ahead. You'll be first in line in the next round.")
}

// autoPausedNotice tells a member their intros are paused after n that
// went unanswered.
func autoPausedNotice(n int) *Message {
	return Say("We haven't heard back about your last ", n, " introductions, so we've paused yours for now: no more will come until you're ready. ",
		"Whenever you'd like to meet people again, type ", Cmd("resume"), ". Thank you for being part of the network.")
}

// pausedByAdminNotice tells a member a network admin paused their intros.
func pausedByAdminNotice() *Message {
	return Say("A network admin has paused your introductions for now, so no new ones will come. Your profile and your past introductions are just as they were. ",
		"If you'd like to know why, or you're ready to meet people again, have a word with your PCN's network manager; you can also type ", Cmd("resume"), " yourself at any time.")
}

// resumedByAdminNotice tells a member a network admin resumed their intros.
func resumedByAdminNotice() *Message {
	return Say("Good news: a network admin has resumed your introductions, so you'll be in the next round. If you'd rather take a break, type ", Cmd("pause"), ".")
}

// removedByAdminNotice is the goodbye to a member a network admin removes,
// sent just before their data is erased.
func removedByAdminNotice() *Message {
	return Say("A network admin has removed you from Rapport, so everything Rapport kept about you (your profile and your introductions) is being erased, and no more introductions will come. ",
		"Thank you for taking part. If this is a mistake, have a word with your PCN's network manager; you're welcome to join again at any time with ", Cmd("join"), ".")
}
