package bot

import "time"

// meetupExamples are the meetup messages and forms among Examples: a
// meetup priya hosts, tom answers, at now in loc.
func meetupExamples(loc *time.Location, now time.Time, priya, tom *Member) []Example {
	start := time.Date(now.Year(), now.Month(), now.Day()+8, 12, 30, 0, 0, loc)
	by := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc) // answers close at the end of the day before
	m := &Meetup{ID: 12, HostMemberID: priya.ID, HostPlatform: priya.Platform, HostUserID: priya.UserID, HostName: priya.Name,
		Title: "First5 lunch & learn", Purpose: "First5 group", StartsAt: start.UTC(), EndsAt: start.Add(90 * time.Minute).UTC(),
		Place: "Riverside Surgery, meeting room 2", Link: "https://meet.example.org/first5", Roles: []string{"salaried_gp", "gp_trainee"},
		Food: true, Capacity: 20, RSVPBy: &by, Status: MeetupScheduled, Channel: "C0MEETUPS1", Posts: []MeetupPost{{Platform: "slack", Channel: "C0MEETUPS1", MessageRef: "1700000000.000100"}},
		Counts: RSVPCounts{Going: 12, Maybe: 3, NotGoing: 2}}
	full := *m
	full.Counts = RSVPCounts{Going: 20, Maybe: 1, Waiting: 4}
	cancelled := *m
	cancelled.Status = MeetupCancelled
	answers := []Attendee{
		{MemberID: tom.ID, Platform: tom.Platform, UserID: tom.UserID, Name: tom.Name, Status: RSVPGoing},
		{MemberID: 3, Platform: "slack", UserID: "U0AMIR003", Name: "Amir Khan", Status: RSVPWaiting, Position: 1},
		{MemberID: 4, Platform: "slack", UserID: "U0JO00004", Name: "Jo Bell", Status: RSVPMaybe},
	}
	notice := func(kind, reminder string) *Message {
		return meetupNotice(&NoticeMessage{Kind: kind, Meetup: m, Changed: []string{"place", "capacity"}, TitleBefore: "First5 lunch", Reminder: reminder}, loc)
	}
	return []Example{
		{Name: "meetup_announcement", Message: announcementMessage(m, loc)},
		{Name: "meetup_announcement_full", Message: announcementMessage(&full, loc)},
		{Name: "meetup_announcement_cancelled", Message: announcementMessage(&cancelled, loc)},
		{Name: "meetup_going", Message: rsvpMessage(&RSVPOutcome{Meetup: m, Status: RSVPGoing, Changed: true}, loc)},
		{Name: "meetup_waiting", Message: rsvpMessage(&RSVPOutcome{Meetup: &full, Status: RSVPWaiting, Position: 5, Changed: true}, loc)},
		{Name: "meetup_manage", Message: manageMessage(m, answers, loc)},
		{Name: "meetup_cancel_confirm", Message: cancelConfirmMessage(m, loc)},
		{Name: "meetup_list", Message: meetupListMessage([]Meetup{*m}, loc)},
		{Name: "meetup_mine", Message: meetupMineMessage([]MemberMeetup{{Meetup: *m, Hosting: true}}, loc)},
		{Name: "meetup_help", Message: meetupHelpMessage("I don't know that one.")},
		{Name: "meetup_host_announced", Message: hostAnnouncedMessage(m)},
		{Name: "meetup_not_announced", Message: notAnnouncedMessage(m)},
		{Name: "meetup_announced_by_an_admin", Message: adminAnnouncedMessage(m, true)},
		{Name: "meetup_not_announced_by_an_admin", Message: adminAnnouncedMessage(m, false)},
		{Name: "meetup_promoted", Message: notice(NoticeMeetupPromoted, "")},
		{Name: "meetup_changed", Message: notice(NoticeMeetupChanged, "")},
		{Name: "meetup_cancelled", Message: notice(NoticeMeetupCancelled, "")},
		{Name: "meetup_reminder_day_before", Message: notice(NoticeMeetupReminder, ReminderDayBefore)},
		{Name: "meetup_reminder_hour_before", Message: notice(NoticeMeetupReminder, ReminderHourBefore)},
		{Name: "meetup_form_new", Form: meetupForm(MeetupForm{}, loc, 0, "ref")},
		{Name: "meetup_form_edit", Form: meetupForm(FormFromMeetup(m, loc), loc, m.ID, "")},
	}
}
