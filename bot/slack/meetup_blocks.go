package slack

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// Callback and action IDs of meetups all start with "meetup", so that
// isMeetupInteraction can tell them from the profile's.
const (
	meetupCreateCallback = "meetup_create"
	meetupEditCallback   = "meetup_edit"

	actionMeetupGoing    = "meetup_going"
	actionMeetupMaybe    = "meetup_maybe"
	actionMeetupNotGoing = "meetup_not_going"
	actionMeetupManage   = "meetup_manage"
	actionMeetupEdit     = "meetup_edit_open"
	actionMeetupCancel   = "meetup_cancel"
	actionMeetupKeep     = "meetup_keep"
	actionMeetupCalendar = "meetup_calendar" // link buttons; Slack still sends the click
)

// maxNamesListed caps each list of people in the host's view, to stay
// within Slack's 3,000 characters a section.
const maxNamesListed = 40

// meetupView is the form for a new meetup (id 0) or for editing one.
func meetupView(f bot.MeetupForm, loc *time.Location, id int64) slack.ModalViewRequest {
	date := slack.NewDatePickerBlockElement(valueActionID)
	date.InitialDate = f.Date
	start := slack.NewTimePickerBlockElement(valueActionID)
	start.InitialTime = f.Start
	end := slack.NewTimePickerBlockElement(valueActionID)
	end.InitialTime = f.End
	link := slack.NewURLTextInputBlockElement(plain("https://…"), valueActionID)
	link.InitialValue = f.Link
	capacity := slack.NewNumberInputBlockElement(plain("No limit"), valueActionID, false)
	capacity.InitialValue = f.Capacity
	rsvpBy := slack.NewDatePickerBlockElement(valueActionID)
	rsvpBy.InitialDate = f.RSVPBy

	optional := func(in *slack.InputBlock, hint string) *slack.InputBlock {
		in.Optional = true
		if hint != "" {
			in.Hint = plain(hint)
		}
		return in
	}
	zone := loc.String()
	blocks := modalBlocks().add(
		textInput(bot.MeetupFieldTitle, "Title", f.Title, bot.MaxMeetupTitleLen, false, "e.g. First5 lunch and learn"),
		textInput(bot.MeetupFieldPurpose, "What it's for", f.Purpose, bot.MaxMeetupPurposeLen, false, "e.g. First5 group, practice managers, PCN lunch"),
		slack.NewInputBlock(bot.MeetupFieldDate, plain("Date"), plain("Times are "+zone+" time."), date),
		slack.NewInputBlock(bot.MeetupFieldStart, plain("Starts at"), nil, start),
		slack.NewInputBlock(bot.MeetupFieldEnd, plain("Ends at"), nil, end),
		textInput(bot.MeetupFieldPlace, "Place", f.Place, bot.MaxMeetupPlaceLen, true, "e.g. Riverside Surgery, meeting room 2"),
		optional(slack.NewInputBlock(bot.MeetupFieldLink, plain("Video link"), nil, link), "For a video meetup, or to join from afar. Give a place, a link, or both."),
		optional(multiChoiceInput(bot.MeetupFieldRoles, "For these roles", bot.Roles, f.Roles), "Leave roles and sectors empty to invite everyone."),
		optional(multiChoiceInput(bot.MeetupFieldSectors, "For these sectors", bot.Sectors, f.Sectors), ""),
		radioInput(bot.MeetupFieldFood, "Food provided?", []bot.Choice{{Code: "yes", Label: "Yes"}, {Code: "no", Label: "No"}}, f.Food),
		optional(slack.NewInputBlock(bot.MeetupFieldCapacity, plain("Places"), nil, capacity), "When it is full, people join a waiting list and move up as places free."),
		optional(slack.NewInputBlock(bot.MeetupFieldRSVPBy, plain("Answers close on"), nil, rsvpBy), "Optional: the last day people can say they're coming."),
	).done()
	v := slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: meetupCreateCallback,
		Title:      plain("New meetup"),
		Submit:     plain("Announce"),
		Close:      plain("Cancel"),
		Blocks:     slack.Blocks{BlockSet: blocks},
	}
	if id > 0 {
		v.CallbackID = meetupEditCallback
		v.Title = plain("Edit meetup")
		v.Submit = plain("Save")
		v.PrivateMetadata = strconv.FormatInt(id, 10)
	}
	return v
}

// meetupMessageView is a modal with a message only: while the form loads,
// or when it cannot be shown.
func meetupMessageView(text md) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: meetupEditCallback,
		Title:      plain("Edit meetup"),
		Close:      plain("Close"),
		Blocks:     slack.Blocks{BlockSet: modalBlocks().section(text).done()},
	}
}

func multiChoiceInput(block, label string, cs []bot.Choice, initial []string) *slack.InputBlock {
	opts := choiceOptions(cs)
	el := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Everyone"), valueActionID, opts...)
	for _, o := range opts {
		for _, c := range initial {
			if o.Value == c {
				el.InitialOptions = append(el.InitialOptions, o)
			}
		}
	}
	return slack.NewInputBlock(block, plain(label), nil, el)
}

// meetupFormFromState reads the submitted modal into a form.
func meetupFormFromState(state *slack.ViewState) bot.MeetupForm {
	get := func(block string) slack.BlockAction {
		if state == nil {
			return slack.BlockAction{}
		}
		return state.Values[block][valueActionID]
	}
	multi := func(block string) []string {
		var out []string
		for _, o := range get(block).SelectedOptions {
			out = append(out, o.Value)
		}
		return out
	}
	return bot.MeetupForm{
		Title:    get(bot.MeetupFieldTitle).Value,
		Purpose:  get(bot.MeetupFieldPurpose).Value,
		Date:     get(bot.MeetupFieldDate).SelectedDate,
		Start:    get(bot.MeetupFieldStart).SelectedTime,
		End:      get(bot.MeetupFieldEnd).SelectedTime,
		Place:    get(bot.MeetupFieldPlace).Value,
		Link:     get(bot.MeetupFieldLink).Value,
		Roles:    multi(bot.MeetupFieldRoles),
		Sectors:  multi(bot.MeetupFieldSectors),
		Food:     get(bot.MeetupFieldFood).SelectedOption.Value,
		Capacity: get(bot.MeetupFieldCapacity).Value,
		RSVPBy:   get(bot.MeetupFieldRSVPBy).SelectedDate,
	}
}

// meetupWhen is "Tuesday 3 June, 12:30 to 14:00".
func meetupWhen(m *bot.Meetup, loc *time.Location) string {
	s, e := m.StartsAt.In(loc), m.EndsAt.In(loc)
	return s.Format("Monday 2 January, 15:04") + " to " + e.Format("15:04")
}

// meetupWhere is the place and the video link.
func meetupWhere(m *bot.Meetup) md {
	var parts []md
	if m.Place != "" {
		parts = append(parts, esc(m.Place))
	}
	if m.Link != "" {
		parts = append(parts, link(m.Link, "video link"))
	}
	return joinMD(parts, ", or by ")
}

func meetupAudience(m *bot.Meetup) string {
	if m.ForEveryone() {
		return "Everyone"
	}
	var parts []string
	for _, r := range m.Roles {
		parts = append(parts, bot.Label(bot.Roles, r))
	}
	for _, s := range m.Sectors {
		parts = append(parts, bot.Label(bot.Sectors, s))
	}
	return strings.Join(parts, ", ")
}

// meetupDetails is the body of an announcement, as mrkdwn lines.
func meetupDetails(m *bot.Meetup, loc *time.Location) md {
	lines := []md{
		mdf("*When:* %s", meetupWhen(m, loc)),
		mdf("*Where:* %s", meetupWhere(m)),
		mdf("*What it's for:* %s", m.Purpose),
		mdf("*Who it's for:* %s", meetupAudience(m)),
	}
	if m.Food {
		lines = append(lines, "*Food:* provided :knife_fork_plate:")
	} else {
		lines = append(lines, "*Food:* not provided")
	}
	if m.Capacity > 0 {
		lines = append(lines, mdf("*Places:* %d", m.Capacity))
	}
	if m.RSVPBy != nil {
		lines = append(lines, mdf("*Answer by:* %s", m.RSVPBy.Add(-time.Second).In(loc).Format("Monday 2 January")))
	}
	if m.HostUserID != "" {
		lines = append(lines, mdf("*Host:* %s", mention(m.HostUserID)))
	}
	return joinMD(lines, "\n")
}

// meetupCounts is the live count line of an announcement.
func meetupCounts(m *bot.Meetup) md {
	c := m.Counts
	s := mdf("*%d going* · %d maybe · %d can't go", c.Going, c.Maybe, c.NotGoing)
	if c.Waiting > 0 || m.Full() {
		s += mdf(" · %d on the waiting list", c.Waiting)
	}
	switch {
	case m.Full():
		s += "\nIt's full: press *Going* to join the waiting list."
	case m.Capacity > 0:
		s += mdf("\n%d of %s left.", m.Capacity-c.Going, bot.Count(m.Capacity, "place", "places"))
	}
	return s
}

// announcementMessage is the announcement in the network's channel, as it
// stands: details, counts and the answer buttons, or a cancellation.
func announcementMessage(m *bot.Meetup, loc *time.Location) (md, []slack.Block) {
	id := strconv.FormatInt(m.ID, 10)
	if m.Status == bot.MeetupCancelled {
		return mdf("Cancelled: %s, %s", m.Title, meetupWhen(m, loc)), messageBlocks().
			header("Cancelled: " + m.Title).
			section(mdf("~%s~\nThis meetup has been cancelled. Everyone who had answered has been told.", meetupWhen(m, loc))).
			done()
	}
	going := button(actionMeetupGoing, id, "Going")
	going.Style = slack.StylePrimary
	return mdf("Meetup: %s, %s (%d going)", m.Title, meetupWhen(m, loc), m.Counts.Going), messageBlocks().
		header(":calendar: "+m.Title).
		section(meetupDetails(m, loc)).
		context("meetup_counts", meetupCounts(m)).
		actions("meetup_answer",
			going,
			button(actionMeetupMaybe, id, "Maybe"),
			button(actionMeetupNotGoing, id, "Can't go"),
			button(actionMeetupManage, id, "⋯ Manage"),
		).
		done()
}

// rsvpReply is the private answer to a click on Going, Maybe or Can't go.
func rsvpReply(out *bot.RSVPOutcome, loc *time.Location) md {
	m := out.Meetup
	title := mdf("*%s*", m.Title)
	switch {
	case out.Status == bot.RSVPGoing && !out.Changed:
		return mdf("You're already down as going to %s. See you there!", title)
	case out.Status == bot.RSVPGoing:
		return mdf("You're going to %s on %s. See you there! `%s mine` has links to add it to your calendar.", title, meetupWhen(m, loc), bot.MeetupCommandName)
	case out.Status == bot.RSVPWaiting && !out.Changed:
		return mdf("You're still number %d on the waiting list for %s. I'll tell you in a direct message if a place frees up.", out.Position, title)
	case out.Status == bot.RSVPWaiting:
		return mdf("%s is full, so you're number %d on the waiting list. If a place frees up, I'll move you up and tell you in a direct message.", title, out.Position)
	case out.Status == bot.RSVPMaybe:
		return mdf("Noted: maybe for %s. Press *Going* when you know, to be sure of a place.", title)
	}
	if out.Previous == bot.RSVPGoing || out.Previous == bot.RSVPWaiting {
		return mdf("Thanks for letting the host know you can't make %s any more. Your place goes to the next person waiting, if anyone is.", title)
	}
	return mdf("Thanks for letting the host know you can't make %s.", title)
}

// cantGoButton lets someone reached by a direct message drop out.
func cantGoButton(id int64) slack.Block {
	return slack.NewActionBlock("meetup_answer",
		button(actionMeetupNotGoing, strconv.FormatInt(id, 10), "I can't go any more"))
}

// promotedMessage tells someone on the waiting list that they have a place.
func promotedMessage(m *bot.Meetup, loc *time.Location) (md, []slack.Block) {
	text := mdf("Good news: a place has opened up at *%s* (%s), so you're now going.", m.Title, meetupWhen(m, loc))
	return text, messageBlocks().section(text + "\n" + meetupDetails(m, loc)).add(cantGoButton(m.ID)).done()
}

// changeWords describes what changed, for the people coming.
var changeWords = map[string]string{
	"title": "the title", "purpose": "what it's for", "when": "the time", "place": "the place",
	"link": "the video link", "audience": "who it's for", "food": "the food",
	"capacity": "the number of places", "rsvp_by": "when answers close",
}

// changedMessage tells attendees what the host changed.
func changedMessage(c *bot.MeetupChange, loc *time.Location) (md, []slack.Block) {
	var what []string
	for _, f := range c.Changed {
		if w, ok := changeWords[f]; ok {
			what = append(what, w)
		}
	}
	head := mdf("The host has changed %s of *%s*, which you answered. Here are the details now:", meetupAnd(what), c.Before.Title)
	return head, messageBlocks().
		section(head).
		section(mdf("*%s*\n%s", c.After.Title, meetupDetails(c.After, loc))).
		add(cantGoButton(c.After.ID)).
		done()
}

// cancelledMessage tells attendees the meetup is off.
func cancelledMessage(m *bot.Meetup, loc *time.Location) md {
	return mdf("Sorry: *%s* on %s has been cancelled. See what else is coming up with `%s list`.", m.Title, meetupWhen(m, loc), bot.MeetupCommandName)
}

// reminderMessage is a reminder to someone going.
func reminderMessage(r bot.DueReminder, loc *time.Location) (md, []slack.Block) {
	m := r.Meetup
	var head md
	if r.Kind == bot.ReminderDayBefore {
		head = mdf("Reminder: *%s* is tomorrow, %s.", m.Title, meetupWhen(m, loc))
	} else {
		head = mdf("*%s* starts in an hour, at %s.", m.Title, m.StartsAt.In(loc).Format("15:04"))
	}
	text := head + mdf(" Where: %s.", meetupWhere(m))
	return text, messageBlocks().
		section(text + "\nIf you can't make it now, please say so: your place can go to someone else.").
		add(cantGoButton(m.ID)).
		done()
}

// hostAnnouncedMessage tells the host where their meetup went and how to
// manage it.
func hostAnnouncedMessage(m *bot.Meetup) md {
	return mdf("Your meetup *%s* is announced in %s. To see who's coming, edit it or cancel it, press *⋯ Manage* on the announcement (only you and network admins can use it), or use `%s edit %d` and `%s cancel %d`.",
		m.Title, channelRef(m.Channel), bot.MeetupCommandName, m.ID, bot.MeetupCommandName, m.ID)
}

// manageReply is what the host (or an admin) sees privately after ⋯ Manage.
func manageReply(m *bot.Meetup, as []bot.Attendee, loc *time.Location) *reply {
	lists := map[string][]md{}
	for _, a := range as {
		name := mention(a.UserID)
		if a.Status == bot.RSVPWaiting {
			name = mdf("%d. %s", a.Position, name)
		}
		lists[a.Status] = append(lists[a.Status], name)
	}
	list := func(label, status string) md {
		names := lists[status]
		if len(names) == 0 {
			return mdf("*%s:* nobody yet", label)
		}
		var more md
		if len(names) > maxNamesListed {
			more = mdf(" and %d more", len(names)-maxNamesListed)
			names = names[:maxNamesListed]
		}
		return mdf("*%s (%d):* %s%s", label, len(lists[status]), joinMD(names, ", "), more)
	}
	id := strconv.FormatInt(m.ID, 10)
	cancel := button(actionMeetupCancel, id, "Cancel meetup")
	cancel.Style = slack.StyleDanger
	cancel.Confirm = slack.NewConfirmationBlockObject(plain("Cancel this meetup?"),
		plain("Everyone who answered will get a message saying it's off. This can't be undone."),
		plain("Cancel it"), plain("Keep it"))
	text := mdf("*Managing #%d %s* (%s). Only you can see this.", m.ID, m.Title, meetupWhen(m, loc))
	body := joinMD([]md{list("Going", bot.RSVPGoing), list("Waiting list", bot.RSVPWaiting), list("Maybe", bot.RSVPMaybe), list("Can't go", bot.RSVPNotGoing)}, "\n")
	return ephemeral(text, messageBlocks().
		section(text).
		section(body).
		actions("meetup_manage", button(actionMeetupEdit, id, "Edit details"), cancel).
		done())
}

// cancelConfirmReply asks before /meetup cancel tells everyone.
func cancelConfirmReply(m *bot.Meetup, loc *time.Location) *reply {
	id := strconv.FormatInt(m.ID, 10)
	yes := button(actionMeetupCancel, id, "Yes, cancel it")
	yes.Style = slack.StyleDanger
	no := button(actionMeetupKeep, id, "No, keep it")
	text := mdf("Cancel *%s* on %s? Everyone who answered (%d going, %d maybe, %d waiting) will get a message saying it's off. This can't be undone.",
		m.Title, meetupWhen(m, loc), m.Counts.Going, m.Counts.Maybe, m.Counts.Waiting)
	return ephemeral(text, messageBlocks().section(text).actions("meetup_cancel", yes, no).done())
}

// meetupListReply is /meetup list.
func meetupListReply(ms []bot.Meetup, loc *time.Location) *reply {
	if len(ms) == 0 {
		return textReply(mdf("No meetups are coming up. Why not host one? Run `%s` to announce it.", bot.MeetupCommandName))
	}
	lines := []md{"*Coming up*"}
	for _, m := range ms {
		line := mdf("• *#%d %s*: %s, %s. %d going", m.ID, m.Title, meetupWhen(&m, loc), meetupWhere(&m), m.Counts.Going)
		if m.Capacity > 0 {
			line += mdf(" of %s", bot.Count(m.Capacity, "place", "places"))
		}
		if m.Food {
			line += ", food provided"
		}
		lines = append(lines, line+".")
	}
	lines = append(lines, mdf("Answer with the buttons on each announcement. `%s mine` shows the ones you're going to.", bot.MeetupCommandName))
	return textReply(joinMD(lines, "\n"))
}

// maxButtonURL is Slack's limit on a link button's URL.
const maxButtonURL = 3000

// calendarLinks returns the meetup's calendar links within Slack's limit
// on a button's URL. Percent-encoding can make a long title, purpose or
// place (in accents or emoji, say) too long for it, so they are shortened
// in the calendar entry until it fits; when nothing fits (a very long
// video link), there are no links.
func calendarLinks(m bot.Meetup) (google, outlook string) {
	for _, n := range []int{0, 40, 20, 8} {
		c := m
		if n > 0 {
			c.Title, c.Purpose, c.Place = truncateRunes(m.Title, n), truncateRunes(m.Purpose, n), truncateRunes(m.Place, n)
		}
		google, outlook = bot.CalendarLinks(&c)
		if len(google) <= maxButtonURL && len(outlook) <= maxButtonURL {
			return google, outlook
		}
	}
	return "", ""
}

// maxMineListed keeps /meetup mine within Slack's 50 blocks a message.
const maxMineListed = 15

// meetupMineReply is /meetup mine, with calendar links.
func meetupMineReply(ms []bot.MemberMeetup, loc *time.Location) *reply {
	if len(ms) == 0 {
		return textReply(mdf("You're not going to or hosting any upcoming meetups. See what's on with `%s list`.", bot.MeetupCommandName))
	}
	text := md("*Your meetups*")
	b := messageBlocks().section(text)
	for i, mm := range ms {
		if i == maxMineListed {
			b.context("", mdf("And %d more.", len(ms)-maxMineListed))
			break
		}
		m := mm.Meetup
		var standing []string
		if mm.Hosting {
			standing = append(standing, "you're hosting")
		}
		switch mm.RSVP {
		case bot.RSVPGoing:
			standing = append(standing, "you're going")
		case bot.RSVPMaybe:
			standing = append(standing, "you said maybe")
		case bot.RSVPWaiting:
			standing = append(standing, fmt.Sprintf("you're number %d on the waiting list", mm.Position))
		}
		line := mdf("*#%d %s* (%s)\n%s, %s. %d going.", m.ID, m.Title, meetupAnd(standing), meetupWhen(&m, loc), meetupWhere(&m), m.Counts.Going)
		text += "\n" + line
		google, outlook := calendarLinks(m)
		id := strconv.FormatInt(m.ID, 10)
		var buttons []slack.BlockElement
		if google != "" {
			buttons = append(buttons,
				button(actionMeetupCalendar+"_google", id, "Add to Google Calendar").WithURL(google),
				button(actionMeetupCalendar+"_outlook", id, "Add to Outlook").WithURL(outlook))
		}
		if mm.Hosting {
			buttons = append(buttons, button(actionMeetupManage, id, "⋯ Manage"))
		}
		b.section(line).actions("meetup_mine_"+id, buttons...)
	}
	return ephemeral(text, b.done())
}

func meetupHelpReply(prefix string) *reply {
	c := bot.MeetupCommandName
	lines := []md{
		"*Host a meetup for the network.* Here's what you can do:",
		mdf("• `%s`: announce a meetup (a form opens)", c),
		mdf("• `%s list`: see the meetups coming up", c),
		mdf("• `%s mine`: the ones you're going to or hosting, with calendar links", c),
		mdf("• `%s edit 12`: change meetup #12 (hosts and network admins)", c),
		mdf("• `%s cancel 12`: cancel meetup #12 and tell everyone who answered", c),
		"Answer with the *Going*, *Maybe* and *Can't go* buttons on an announcement. Hosts manage theirs with *⋯ Manage*.",
	}
	text := joinMD(lines, "\n")
	if prefix != "" {
		text = esc(prefix) + "\n\n" + text
	}
	return textReply(text)
}

// meetupAnd joins words as "a, b and c".
func meetupAnd(words []string) string {
	switch len(words) {
	case 0:
		return "some details"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
