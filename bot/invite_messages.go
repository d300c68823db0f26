package bot

// The words of "admin invite": the confirmation, the invitation posted in
// the network's channel, the personal invitation and the outcome.

// invitePlatformTeams is the platform whose invitations go to the team
// Rapport was added to, rather than to a configured channel.
const invitePlatformTeams = "teams"

// inviteWhere names the channel an invitation goes to: its link, or, when
// the board chooses the channel (Teams), the channel in words.
func inviteWhere(channel string) Text {
	if channel == "" {
		return P(ChannelWords)
	}
	return P(ChannelLink(channel))
}

// inviteConfirmMessage asks an admin before anything is posted; team says
// that the team's members who have not joined are invited personally too.
func inviteConfirmMessage(channel string, team bool) *Message {
	text := P("I'll post an invitation to join Rapport in ", inviteWhere(channel), ", where everyone in it can read it. It says what Rapport is, and its Join button opens the profile form.")
	if team {
		text = P(text, " Each member of the team who hasn't joined also gets one personal invitation from me, never a second.")
	}
	return &Message{Summary: text, Sections: []Section{{
		Heading: "Post an invitation to join?",
		Text:    text,
		Buttons: []Button{
			{Action: ActionInviteConfirm, Value: "post", Label: "Post invitation", Style: StylePrimary},
			{Action: ActionInviteCancel, Value: "cancel", Label: "Cancel"},
		},
	}}}
}

// inviteNotSetUpMessage says there is nowhere to post an invitation, and
// which setting gives one.
func inviteNotSetUpMessage(platform string) *Message {
	if platform == invitePlatformTeams {
		return Say("There's no team channel to post the invitation in yet: add Rapport to the network's team in Teams, then try ", Cmd("admin invite"), " again.")
	}
	return Say("There's no network channel to post the invitation in yet: whoever runs Rapport needs to set ", Code("RAPPORT_ANNOUNCE_CHANNEL"), " to the channel (the same one meetups are announced in).")
}

// invitePostFailedMessage says the invitation could not be posted.
func invitePostFailedMessage(platform, channel string) *Message {
	if platform == invitePlatformTeams {
		return Say("Sorry, I couldn't post the invitation: I need a team channel. Add Rapport to the network's team, or mention me with ", Code("meetups here"), " in the channel you'd like, then try ", Cmd("admin invite"), " again. Nobody was invited.")
	}
	return Say("Sorry, I couldn't post the invitation in ", inviteWhere(channel), ". If it's a private channel, add Rapport to it first; then try ", Cmd("admin invite"), " again.")
}

// invitePostedMessage tells the admin the invitation is out; for a team,
// how many people were invited personally, and whether some could not be.
func invitePostedMessage(channelID string, team bool, invited int, incomplete bool) *Message {
	if !team {
		return Say("Posted in ", inviteWhere(channelID), ". Anyone there can join with its button.")
	}
	t := P("Posted in ", inviteWhere(channelID), "; ", Count(invited, "person", "people"), " got a personal invitation.")
	if incomplete {
		t = P(t, " I couldn't reach everyone in the team just now: run ", Cmd("admin invite"), " again later, and only those not yet invited will get one.")
	}
	return Say(t)
}

// invitationText is what Rapport is and why to join, for those who have
// not.
var invitationText = []Text{
	P("Rapport introduces people across the practices and organisations of the network: every so often it puts you in touch with someone you'd be unlikely to meet otherwise, with a reason to talk and a first question."),
	P("Knowing who to ask makes the work easier: the pharmacist who knows the formulary, the practice nurse who has run a diabetes clinic for years, the social prescriber who knows what's on locally. Say what you can help with and what you'd like to learn; choose weekly, fortnightly or monthly; pause or leave any time."),
}

// invitationMessage is posted in the network's channel.
func invitationMessage() *Message {
	return &Message{
		Title:   "Join Rapport",
		Summary: P("Rapport introduces people across the practices of the network. Join in a minute."),
		Sections: []Section{
			{Text: invitationText[0]},
			{Text: invitationText[1]},
			{Text: P("Setting up your profile takes about a minute."),
				Buttons: []Button{{Action: ActionProfileOpen, Value: "join", Label: "Join Rapport", Style: StylePrimary}}},
		},
	}
}

// personalInvitationMessage is sent, once, to each person of a team who
// has not joined.
func personalInvitationMessage() *Message {
	return &Message{
		Title:   "You're invited to Rapport",
		Summary: P("You're invited to Rapport, which introduces people across the practices of the network."),
		Sections: []Section{
			{Text: invitationText[0]},
			{Text: invitationText[1]},
			{Text: P("Setting up your profile takes about a minute. This is the only invitation I'll send you: if it's not for you, there's nothing to do."),
				Buttons: []Button{{Action: ActionProfileOpen, Value: "join", Label: "Join Rapport", Style: StylePrimary}}},
		},
	}
}
