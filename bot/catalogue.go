package bot

import "time"

// Example is one kind of message or form Rapport shows, filled with
// sample data. The examples are the golden files of each renderer, and
// let anyone read every word Rapport says in one place
// (bot/testdata/messages).
type Example struct {
	Name    string
	Message *Message
	Form    *Form
}

// sampleMembers are the people of the examples. Their profiles go
// through the profile form's own checks, so they hold only what a member
// could save.
func sampleMembers(orgs []Organisation) (priya, tom *Member) {
	profile := func(f ProfileForm) Profile {
		p, err := f.validate(orgs)
		if err != nil {
			panic("an example profile does not validate: " + err.Error())
		}
		return p
	}
	priya = &Member{ID: 1, Platform: "slack", UserID: "U0PRIYA01", Name: "Priya Shah", FirstName: "Priya", Status: StatusActive,
		Profile: profile(ProfileForm{Organisation: "Riverside Surgery", Sector: "gp_practice", Role: "practice_nurse", CareerStage: "established",
			Interests: []string{"Diabetes"}, InterestsOther: "Sea swimming", Offers: []string{"Diabetes"}, Asks: []string{"Social prescribing"},
			Frequency: "fortnightly", Mentoring: "mentor", Meeting: "either", Bio: "Practice nurse & diabetes lead <she/her>"})}
	tom = &Member{ID: 2, Platform: "slack", UserID: "U0TOM0002", Name: "Tom Reid", FirstName: "Tom", Status: StatusActive,
		Profile: profile(ProfileForm{Organisation: "Northfield Pharmacy", Sector: "community_pharmacy", Role: "clinical_pharmacist", CareerStage: "first_five",
			Interests: []string{"Diabetes"}, Offers: []string{"Social prescribing"}, Asks: []string{"Diabetes"},
			Frequency: "weekly", Mentoring: "mentee", Meeting: "video"})}
	return priya, tom
}

// Examples returns every kind of message and form, with sample data, in a
// fixed order.
func Examples() []Example {
	// London's winter time, fixed so the examples read the same on any
	// machine.
	loc := time.FixedZone("GMT", 0)
	now := time.Date(2026, 12, 1, 9, 30, 0, 0, loc)
	next := time.Date(2026, 12, 7, 9, 0, 0, 0, loc)
	until := time.Date(2026, 12, 22, 0, 0, 0, 0, loc)
	orgs := []Organisation{{ID: 1, Name: "Riverside Surgery"}, {ID: 2, Name: "Northfield Pharmacy"}}
	priya, tom := sampleMembers(orgs)
	intro := Intro{ID: 7, Members: []IntroMember{{Member: *priya, Answer: AnswerYes}, {Member: *tom}}, CreatedAt: now.AddDate(0, 0, -14), Status: IntroSent}
	paused := *priya
	paused.Paused, paused.PausedUntil = true, &until
	export, _ := exportMessages(&MemberExport{Member: *priya, ExportedAt: now})

	ex := []Example{
		{Name: "help", Message: helpMessage(nil, false)},
		{Name: "help_admin_after_unknown_word", Message: helpMessage(P("I don't know the command “paws”. Did you mean ", Cmd("pause"), "?"), true)},
		{Name: "status", Message: homeMessage(memberHome{Status: &Status{Member: priya, NextRound: next}, Recent: []Intro{intro}}, loc, now)},
		{Name: "paused", Message: pausedMessage(&Status{Member: &paused, NextRound: next}, loc)},
		{Name: "resumed", Message: resumedMessage(&Status{Member: priya, NextRound: next}, true, loc)},
		{Name: "welcome", Message: welcomeMessage(&Status{Member: priya, NextRound: next}, true, loc)},
		{Name: "leave_confirm", Message: leaveConfirmMessage()},
		{Name: "admin_practices", Message: adminMessage(&AdminReply{Title: "The network's list has 2 practices and organisations", Lines: []Text{P("Riverside Surgery"), P("Northfield Pharmacy")}})},
		{Name: "export_intro", Message: export[0]},
		{Name: "export_data", Message: export[1]},
		{Name: "profile_form_new", Form: ProfileFormFor(&ProfileDraft{Organisations: orgs, Form: ProfileForm{Frequency: "fortnightly", Mentoring: "neither", Meeting: "either"}})},
		{Name: "profile_form_saved", Form: ProfileFormFor(&ProfileDraft{Organisations: orgs, Joined: true, Form: FormFromProfile(priya.Profile, orgs)})},
	}

	plan := &RoundPlan{Eligible: 5, Method: "exact",
		Intros: []PlannedIntro{{MemberIDs: []int64{1, 2}, Explanation: "Tom can help with social prescribing, which Priya wants to learn; Priya brings a view from general practice and Tom from community pharmacy."},
			{MemberIDs: []int64{3, 4, 5}, Explanation: "Three people from different organisations who have not been introduced yet."}},
		LeftOut: []LeftOut{{Member: Member{Name: "Sam Okafor"}, Reason: "everyone else taking part is from Riverside Surgery, and colleagues are never paired"}},
		Skipped: []LeftOut{{Member: Member{Name: "Ana Silva"}, Reason: "paused until Monday 4 January 2027"}}}
	ex = append(ex,
		Example{Name: "round_preview", Message: previewMessage(plan, next, loc)},
		Example{Name: "round_run_confirm", Message: runNowConfirmMessage(false)},
		Example{Name: "round_run_confirm_force", Message: runNowConfirmMessage(true)},
		Example{Name: "admin_dashboard_link", Message: dashboardLinkMessage("https://rapport.example.nhs.uk/admin/sign-in/EXAMPLE-TOKEN", now.Add(SignInLinkTTL), loc)},
		Example{Name: "admin_paused_you", Message: pausedByAdminNotice()},
		Example{Name: "admin_resumed_you", Message: resumedByAdminNotice()},
		Example{Name: "admin_removed_you", Message: removedByAdminNotice()},
		Example{Name: "round_started", Message: roundStartedMessage(&Round{Number: 12, Intros: 2, LeftOut: 1}, plan)},
		Example{Name: "round_stats", Message: statsMessage(&Stats{Active: 48, Paused: 3, Inactive: 1, Rounds: 12, Intros: 250,
			CrossOrganisation: 0.96, CrossSector: 0.71, MetRate: 0.62, ArrangedRate: 0.12,
			Recent: []RoundStats{{Round: Round{Number: 12, CreatedAt: next.AddDate(0, 0, -7), Intros: 24, LeftOut: 0}, Trios: 1, Delivered: 24, Met: 9, Arranged: 6}},
			Gaps:   []LearningGap{{Topic: "QOF", Wanting: 12}, {Topic: "Social prescribing", Wanting: 1}}}, loc)},
	)
	posted := Intro{ID: 8, StarterID: 2, Status: IntroSent, Members: []IntroMember{{Member: *priya}, {Member: *tom}},
		Explanation: "Tom can help with social prescribing, which Priya wants to learn; both are interested in diabetes; Priya brings a view from general practice and Tom from community pharmacy.",
		Question:    "Priya, what has worked for you with diabetes?"}
	afterLeave := posted
	afterLeave.Members = []IntroMember{{Member: *priya}, {Member: Member{Name: LeftMemberName}, Left: true}}
	ex = append(ex,
		Example{Name: "intro", Message: introMessage(&posted)},
		Example{Name: "intro_follow_up", Message: followUpMessage(&posted, &posted.Members[0], false)},
		Example{Name: "intro_follow_up_second", Message: followUpMessage(&posted, &posted.Members[0], true)},
		Example{Name: "intro_after_a_member_left", Message: leftIntroMessage(&afterLeave)},
		Example{Name: "notice_left_out", Message: leftOutNotice()},
		Example{Name: "notice_undelivered", Message: undeliveredNotice()},
		Example{Name: "notice_partner_left", Message: partnerLeftNotice()},
		Example{Name: "notice_partner_unreachable", Message: partnerUnreachableNotice([]string{"Tom Reid"})},
		Example{Name: "notice_auto_paused", Message: autoPausedNotice(3)},
	)
	sam := Member{ID: 3, Name: "Sam Okafor"}
	trio := posted
	trio.Members = []IntroMember{{Member: *priya}, {Member: *tom}, {Member: sam}}
	ex = append(ex,
		Example{Name: "block_done", Message: blockedMessage("")},
		Example{Name: "block_done_named", Message: blockedMessage("Tom Reid")},
		Example{Name: "block_self", Message: blockSelfMessage()},
		Example{Name: "unblock_done", Message: unblockedMessage("", true)},
		Example{Name: "unblock_nothing_to_undo", Message: unblockedMessage("", false)},
		Example{Name: "blocks_list", Message: blockListMessage(nil, true, []Block{{MemberID: 2, Name: "Tom Reid", Since: now}}, []Member{sam})},
		Example{Name: "blocks_list_empty", Message: blockListMessage(nil, true, nil, nil)},
		Example{Name: "block_who_do_you_mean", Message: blockListMessage(P("I couldn't tell who you mean by “tom”. ", nameSomeoneHint("block")), false, nil, []Member{*tom, sam})},
		Example{Name: "block_no_email_here", Message: blockListMessage(noEmailHere("block"), false, nil, []Member{*tom})},
		Example{Name: "intro_not_a_good_match_which", Message: whichMemberMessage(trio.ID, trio.Members[1:])},
		Example{Name: "intro_not_a_good_match_done", Message: notAGoodMatchMessage([]string{"Tom Reid"})},
	)
	ex = append(ex, meetupExamples(loc, now, priya, tom)...)
	ex = append(ex, homeExamples(loc, now, priya, tom)...)
	ex = append(ex, directoryExamples(now, loc, priya, tom)...)
	// What only a platform where the bot speaks first, and has no group
	// chats, shows (Teams).
	ex = append(ex,
		Example{Name: "install_welcome", Message: WelcomeMessage()},
		Example{Name: "install_team_welcome", Message: TeamWelcomeMessage()},
		Example{Name: "meetups_here", Message: MeetupsHereMessage()},
		Example{Name: "meetups_here_refused", Message: MeetupsHereRefusedMessage()},
		Example{Name: "intro_with_chat_links", Message: &Message{Title: "Links", Sections: []Section{{Buttons: ChatLinks([]string{"tom.reid@nhs.net"})}}}},
		Example{Name: "export_download", Message: DownloadMessage("https://rapport.example.nhs.uk/download/TOKEN", now.Add(15*time.Minute), loc)},
	)
	return ex
}
