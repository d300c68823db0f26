package bot

import "time"

// homeExamples are the home summary, words typed to the bot, and the
// invitation, with sample data.
func homeExamples(loc *time.Location, now time.Time, priya, tom *Member) []Example {
	next := time.Date(2026, 12, 7, 9, 0, 0, 0, loc)
	listed := *priya
	listed.Profile.Listed = true
	paused := listed
	paused.Paused = true
	met := Intro{ID: 7, Members: []IntroMember{{Member: listed, Answer: AnswerYes}, {Member: *tom}}, CreatedAt: now.AddDate(0, 0, -14), Status: IntroSent}
	gone := Intro{ID: 5, Members: []IntroMember{{Member: listed, Answer: AnswerArranged}, {Member: Member{Name: LeftMemberName, Status: StatusLeft}, Left: true}}, CreatedAt: now.AddDate(0, 0, -28), Status: IntroSent}
	return []Example{
		{Name: "home_member", Message: homeMessage(memberHome{Status: &Status{Member: &listed, NextRound: next}, Recent: []Intro{met, gone}}, loc, now)},
		{Name: "home_paused", Message: homeMessage(memberHome{Status: &Status{Member: &paused}, Lead: homePausedLead()}, loc, now)},
		{Name: "home_admin", Message: homeMessage(memberHome{Status: &Status{Member: &listed, NextRound: next}, Admin: true}, loc, now)},
		{Name: "home_stranger", Message: strangerHomeMessage(nil)},
		{Name: "status_not_joined", Message: strangerHomeMessage(notJoinedLead())},
		{Name: "home_failed", Message: homeFailedMessage()},
		{Name: "typed_hello", Message: typedHelpMessage("hello", false)},
		{Name: "typed_unknown", Message: typedHelpMessage("paws for a bit", true)},
		{Name: "invite_confirm", Message: inviteConfirmMessage("C0NETWORK1", false)},
		{Name: "invite_confirm_team", Message: inviteConfirmMessage("", true)},
		{Name: "invite_not_set_up", Message: inviteNotSetUpMessage("slack")},
		{Name: "invite_not_set_up_teams", Message: inviteNotSetUpMessage(invitePlatformTeams)},
		{Name: "invite_post_failed", Message: invitePostFailedMessage("slack", "C0NETWORK1")},
		{Name: "invitation", Message: invitationMessage()},
		{Name: "invitation_personal", Message: personalInvitationMessage()},
		{Name: "invite_posted", Message: invitePostedMessage("C0NETWORK1", false, 0, false)},
		{Name: "invite_posted_team", Message: invitePostedMessage("19:general@thread.tacv2", true, 12, false)},
		{Name: "invite_posted_team_incomplete", Message: invitePostedMessage("19:general@thread.tacv2", true, 3, true)},
	}
}
