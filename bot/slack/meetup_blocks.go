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
	blocks := []slack.Block{
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
	}
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
func meetupMessageView(text string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: meetupEditCallback,
		Title:      plain("Edit meetup"),
		Close:      plain("Close"),
		Blocks:     slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}},
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

// meetupWhere is the place and the video link, as mrkdwn.
func meetupWhere(m *bot.Meetup) string {
	var parts []string
	if m.Place != "" {
		parts = append(parts, escape(m.Place))
	}
	if m.Link != "" {
		// Validated: http(s), no spaces and no < > |.
		parts = append(parts, "<"+escape(m.Link)+"|video link>")
	}
	return strings.Join(parts, ", or by ")
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
func meetupDetails(m *bot.Meetup, loc *time.Location) string {
	lines := []string{
		"*When:* " + meetupWhen(m, loc),
		"*Where:* " + meetupWhere(m),
		"*What it's for:* " + escape(m.Purpose),
		"*Who it's for:* " + meetupAudience(m),
	}
	if m.Food {
		lines = append(lines, "*Food:* provided :knife_fork_plate:")
	} else {
		lines = append(lines, "*Food:* not provided")
	}
	if m.Capacity > 0 {
		lines = append(lines, fmt.Sprintf("*Places:* %d", m.Capacity))
	}
	if m.RSVPBy != nil {
		lines = append(lines, "*Answer by:* "+m.RSVPBy.Add(-time.Second).In(loc).Format("Monday 2 January"))
	}
	if m.HostUserID != "" {
		lines = append(lines, "*Host:* <@"+m.HostUserID+">")
	}
	return strings.Join(lines, "\n")
}

// meetupCounts is the live count line of an announcement.
func meetupCounts(m *bot.Meetup) string {
	c := m.Counts
	s := fmt.Sprintf("*%d going* · %d maybe · %d can't go", c.Going, c.Maybe, c.NotGoing)
	if c.Waiting > 0 || m.Full() {
		s += fmt.Sprintf(" · %d on the waiting list", c.Waiting)
	}
	switch {
	case m.Full():
		s += "\nIt's full: press *Going* to join the waiting list."
	case m.Capacity > 0:
		s += fmt.Sprintf("\n%d of %d places left.", m.Capacity-c.Going, m.Capacity)
	}
	return s
}

// announcementMessage is the announcement in the network's channel, as it
// stands: details, counts and the answer buttons, or a cancellation.
func announcementMessage(m *bot.Meetup, loc *time.Location) (string, []slack.Block) {
	id := strconv.FormatInt(m.ID, 10)
	if m.Status == bot.MeetupCancelled {
		text := "Cancelled: " + m.Title + ", " + meetupWhen(m, loc)
		return escape(text), []slack.Block{
			slack.NewHeaderBlock(plain(truncateRunes("Cancelled: "+m.Title, 150))),
			slack.NewSectionBlock(mrkdwn("~"+meetupWhen(m, loc)+"~\nThis meetup has been cancelled. Everyone who had answered has been told."), nil, nil),
		}
	}
	going := slack.NewButtonBlockElement(actionMeetupGoing, id, plain("Going"))
	going.Style = slack.StylePrimary
	text := fmt.Sprintf("Meetup: %s, %s (%d going)", m.Title, meetupWhen(m, loc), m.Counts.Going)
	return escape(text), []slack.Block{
		slack.NewHeaderBlock(plain(truncateRunes(":calendar: "+m.Title, 150))),
		slack.NewSectionBlock(mrkdwn(meetupDetails(m, loc)), nil, nil),
		slack.NewContextBlock("meetup_counts", mrkdwn(meetupCounts(m))),
		slack.NewActionBlock("meetup_answer",
			going,
			slack.NewButtonBlockElement(actionMeetupMaybe, id, plain("Maybe")),
			slack.NewButtonBlockElement(actionMeetupNotGoing, id, plain("Can't go")),
			slack.NewButtonBlockElement(actionMeetupManage, id, plain("⋯ Manage")),
		),
	}
}

// rsvpReply is the private answer to a click on Going, Maybe or Can't go.
func rsvpReply(out *bot.RSVPOutcome, loc *time.Location) string {
	m := out.Meetup
	title := "*" + escape(m.Title) + "*"
	switch {
	case out.Status == bot.RSVPGoing && !out.Changed:
		return "You're already down as going to " + title + ". See you there!"
	case out.Status == bot.RSVPGoing:
		return "You're going to " + title + " on " + meetupWhen(m, loc) + ". See you there! `" + bot.MeetupCommandName + " mine` has links to add it to your calendar."
	case out.Status == bot.RSVPWaiting && !out.Changed:
		return fmt.Sprintf("You're still number %d on the waiting list for %s. I'll tell you in a direct message if a place frees up.", out.Position, title)
	case out.Status == bot.RSVPWaiting:
		return fmt.Sprintf("%s is full, so you're number %d on the waiting list. If a place frees up, I'll move you up and tell you in a direct message.", title, out.Position)
	case out.Status == bot.RSVPMaybe:
		return "Noted: maybe for " + title + ". Press *Going* when you know, to be sure of a place."
	}
	if out.Previous == bot.RSVPGoing || out.Previous == bot.RSVPWaiting {
		return "Thanks for letting the host know you can't make " + title + " any more. Your place goes to the next person waiting, if anyone is."
	}
	return "Thanks for letting the host know you can't make " + title + "."
}

// cantGoButton lets someone reached by a direct message drop out.
func cantGoButton(id int64) slack.Block {
	return slack.NewActionBlock("meetup_answer",
		slack.NewButtonBlockElement(actionMeetupNotGoing, strconv.FormatInt(id, 10), plain("I can't go any more")))
}

// promotedMessage tells someone on the waiting list that they have a place.
func promotedMessage(m *bot.Meetup, loc *time.Location) (string, []slack.Block) {
	text := "Good news: a place has opened up at *" + escape(m.Title) + "* (" + meetupWhen(m, loc) + "), so you're now going."
	return text, []slack.Block{
		slack.NewSectionBlock(mrkdwn(text+"\n"+meetupDetails(m, loc)), nil, nil),
		cantGoButton(m.ID),
	}
}

// changeWords describes what changed, for the people coming.
var changeWords = map[string]string{
	"title": "the title", "purpose": "what it's for", "when": "the time", "place": "the place",
	"link": "the video link", "audience": "who it's for", "food": "the food",
	"capacity": "the number of places", "rsvp_by": "when answers close",
}

// changedMessage tells attendees what the host changed.
func changedMessage(c *bot.MeetupChange, loc *time.Location) (string, []slack.Block) {
	var what []string
	for _, f := range c.Changed {
		if w, ok := changeWords[f]; ok {
			what = append(what, w)
		}
	}
	head := "The host has changed " + meetupAnd(what) + " of *" + escape(c.Before.Title) + "*, which you answered. Here are the details now:"
	return head, []slack.Block{
		slack.NewSectionBlock(mrkdwn(head), nil, nil),
		slack.NewSectionBlock(mrkdwn("*"+escape(c.After.Title)+"*\n"+meetupDetails(c.After, loc)), nil, nil),
		cantGoButton(c.After.ID),
	}
}

// cancelledMessage tells attendees the meetup is off.
func cancelledMessage(m *bot.Meetup, loc *time.Location) string {
	return "Sorry: *" + escape(m.Title) + "* on " + meetupWhen(m, loc) + " has been cancelled. See what else is coming up with `" + bot.MeetupCommandName + " list`."
}

// reminderMessage is a reminder to someone going.
func reminderMessage(r bot.DueReminder, loc *time.Location) (string, []slack.Block) {
	m := r.Meetup
	var head string
	if r.Kind == bot.ReminderDayBefore {
		head = "Reminder: *" + escape(m.Title) + "* is tomorrow, " + meetupWhen(m, loc) + "."
	} else {
		head = "*" + escape(m.Title) + "* starts in an hour, at " + m.StartsAt.In(loc).Format("15:04") + "."
	}
	text := head + " Where: " + meetupWhere(m) + "."
	return text, []slack.Block{
		slack.NewSectionBlock(mrkdwn(text+"\nIf you can't make it now, please say so: your place can go to someone else."), nil, nil),
		cantGoButton(m.ID),
	}
}

// hostAnnouncedMessage tells the host where their meetup went and how to
// manage it.
func hostAnnouncedMessage(m *bot.Meetup) string {
	return fmt.Sprintf("Your meetup *%s* is announced in <#%s>. To see who's coming, edit it or cancel it, press *⋯ Manage* on the announcement (only you and network admins can use it), or use `%s edit %d` and `%s cancel %d`.",
		escape(m.Title), m.Channel, bot.MeetupCommandName, m.ID, bot.MeetupCommandName, m.ID)
}

// manageReply is what the host (or an admin) sees privately after ⋯ Manage.
func manageReply(m *bot.Meetup, as []bot.Attendee, loc *time.Location) *reply {
	lists := map[string][]string{}
	for _, a := range as {
		name := "<@" + a.UserID + ">"
		if a.Status == bot.RSVPWaiting {
			name = fmt.Sprintf("%d. %s", a.Position, name)
		}
		lists[a.Status] = append(lists[a.Status], name)
	}
	list := func(label, status string) string {
		names := lists[status]
		if len(names) == 0 {
			return "*" + label + ":* nobody yet"
		}
		more := ""
		if len(names) > maxNamesListed {
			more = fmt.Sprintf(" and %d more", len(names)-maxNamesListed)
			names = names[:maxNamesListed]
		}
		return fmt.Sprintf("*%s (%d):* %s%s", label, len(lists[status]), strings.Join(names, ", "), more)
	}
	id := strconv.FormatInt(m.ID, 10)
	cancel := slack.NewButtonBlockElement(actionMeetupCancel, id, plain("Cancel meetup"))
	cancel.Style = slack.StyleDanger
	cancel.Confirm = slack.NewConfirmationBlockObject(plain("Cancel this meetup?"),
		plain("Everyone who answered will get a message saying it's off. This can't be undone."),
		plain("Cancel it"), plain("Keep it"))
	text := fmt.Sprintf("*Managing #%d %s* (%s). Only you can see this.", m.ID, escape(m.Title), meetupWhen(m, loc))
	body := strings.Join([]string{list("Going", bot.RSVPGoing), list("Waiting list", bot.RSVPWaiting), list("Maybe", bot.RSVPMaybe), list("Can't go", bot.RSVPNotGoing)}, "\n")
	return ephemeral(text,
		slack.NewSectionBlock(mrkdwn(text), nil, nil),
		slack.NewSectionBlock(mrkdwn(body), nil, nil),
		slack.NewActionBlock("meetup_manage",
			slack.NewButtonBlockElement(actionMeetupEdit, id, plain("Edit details")),
			cancel),
	)
}

// cancelConfirmReply asks before /meetup cancel tells everyone.
func cancelConfirmReply(m *bot.Meetup, loc *time.Location) *reply {
	id := strconv.FormatInt(m.ID, 10)
	yes := slack.NewButtonBlockElement(actionMeetupCancel, id, plain("Yes, cancel it"))
	yes.Style = slack.StyleDanger
	no := slack.NewButtonBlockElement(actionMeetupKeep, id, plain("No, keep it"))
	text := fmt.Sprintf("Cancel *%s* on %s? Everyone who answered (%d going, %d maybe, %d waiting) will get a message saying it's off. This can't be undone.",
		escape(m.Title), meetupWhen(m, loc), m.Counts.Going, m.Counts.Maybe, m.Counts.Waiting)
	return ephemeral(text, slack.NewSectionBlock(mrkdwn(text), nil, nil), slack.NewActionBlock("meetup_cancel", yes, no))
}

// meetupListReply is /meetup list.
func meetupListReply(ms []bot.Meetup, loc *time.Location) *reply {
	if len(ms) == 0 {
		return textReply("No meetups are coming up. Why not host one? Run `" + bot.MeetupCommandName + "` to announce it.")
	}
	var b strings.Builder
	b.WriteString("*Coming up*")
	for _, m := range ms {
		fmt.Fprintf(&b, "\n• *#%d %s*: %s, %s. %d going", m.ID, escape(m.Title), meetupWhen(&m, loc), meetupWhere(&m), m.Counts.Going)
		if m.Capacity > 0 {
			fmt.Fprintf(&b, " of %d places", m.Capacity)
		}
		if m.Food {
			b.WriteString(", food provided")
		}
		b.WriteString(".")
	}
	b.WriteString("\nAnswer with the buttons on each announcement. `" + bot.MeetupCommandName + " mine` shows the ones you're going to.")
	return textReply(b.String())
}

// maxMineListed keeps /meetup mine within Slack's 50 blocks a message.
const maxMineListed = 15

// meetupMineReply is /meetup mine, with calendar links.
func meetupMineReply(ms []bot.MemberMeetup, loc *time.Location) *reply {
	if len(ms) == 0 {
		return textReply("You're not going to or hosting any upcoming meetups. See what's on with `" + bot.MeetupCommandName + " list`.")
	}
	text := "*Your meetups*"
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}
	for i, mm := range ms {
		if i == maxMineListed {
			blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("And %d more.", len(ms)-maxMineListed))))
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
		line := fmt.Sprintf("*#%d %s* (%s)\n%s, %s. %d going.", m.ID, escape(m.Title), meetupAnd(standing), meetupWhen(&m, loc), meetupWhere(&m), m.Counts.Going)
		text += "\n" + line
		google, outlook := bot.CalendarLinks(&m)
		id := strconv.FormatInt(m.ID, 10)
		buttons := []slack.BlockElement{
			slack.NewButtonBlockElement(actionMeetupCalendar+"_google", id, plain("Add to Google Calendar")).WithURL(google),
			slack.NewButtonBlockElement(actionMeetupCalendar+"_outlook", id, plain("Add to Outlook")).WithURL(outlook),
		}
		if mm.Hosting {
			buttons = append(buttons, slack.NewButtonBlockElement(actionMeetupManage, id, plain("⋯ Manage")))
		}
		blocks = append(blocks,
			slack.NewSectionBlock(mrkdwn(line), nil, nil),
			slack.NewActionBlock("meetup_mine_"+id, buttons...))
	}
	return ephemeral(text, blocks...)
}

func meetupHelpReply(prefix string) *reply {
	c := bot.MeetupCommandName
	lines := []string{
		"*Host a meetup for the network.* Here's what you can do:",
		"• `" + c + "`: announce a meetup (a form opens)",
		"• `" + c + " list`: see the meetups coming up",
		"• `" + c + " mine`: the ones you're going to or hosting, with calendar links",
		"• `" + c + " edit 12`: change meetup #12 (hosts and network admins)",
		"• `" + c + " cancel 12`: cancel meetup #12 and tell everyone who answered",
		"Answer with the *Going*, *Maybe* and *Can't go* buttons on an announcement. Hosts manage theirs with *⋯ Manage*.",
	}
	text := strings.Join(lines, "\n")
	if prefix != "" {
		text = prefix + "\n\n" + text
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
