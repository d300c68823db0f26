package bot

import (
	"slices"
	"strings"
	"time"
)

// Meter counts what the bot does, for whoever runs it (bot/metrics
// implements it with Prometheus). Labels are names and codes chosen by
// the bot, never member text or IDs. A nil Meter in Network counts
// nothing.
type Meter interface {
	// Command counts a command ("join", "admin stats") or an action (a
	// button's action ID) by its result: ResultOK, ResultRefused (the
	// person was told why) or ResultError.
	Command(platform, kind, name, result string)
	// Latency records how long a platform waited for its answer: kind is
	// LatencyAck (Slack's envelope ack, Teams' HTTP response) or
	// LatencyResponse (until the person's reply was sent).
	Latency(platform, kind string, d time.Duration)
	// Send counts one attempt to send a message: SendOK, SendRateLimited,
	// SendRetried or SendUnreachable.
	Send(platform, result string)
	// Round records a round that ran: its members taking part, intros
	// and how long it took.
	Round(members, intros int, d time.Duration)
	// Meetup counts a meetup announced; RSVP an answer to one (going,
	// maybe, not_going, or waitlist).
	Meetup()
	RSVP(answer string)
	// DBError counts a database call that failed, by what was asked.
	DBError(op string)
}

// Results and kinds a Meter is given.
const (
	ResultOK      = "ok"
	ResultRefused = "refused"
	ResultError   = "error"

	KindCommand = "command"
	KindAction  = "action"
	KindSubmit  = "submit"

	LatencyAck      = "ack"
	LatencyResponse = "response"

	SendOK          = "ok"
	SendRateLimited = "rate_limited"
	SendRetried     = "retried"
	SendUnreachable = "unreachable"
)

// NoMeter counts nothing.
type NoMeter struct{}

func (NoMeter) Command(platform, kind, name, result string)    {}
func (NoMeter) Latency(platform, kind string, d time.Duration) {}
func (NoMeter) Send(platform, result string)                   {}
func (NoMeter) Round(members, intros int, d time.Duration)     {}
func (NoMeter) Meetup()                                        {}
func (NoMeter) RSVP(answer string)                             {}
func (NoMeter) DBError(op string)                              {}

// OtherName is the name a Meter is given for a command, action or form
// the bot does not know: what someone typed never becomes a label.
const OtherName = "other"

// meetupSubcommands are the words after MeetupCommandName that Chat knows.
var meetupSubcommands = []string{"new", "list", "mine", "edit", "cancel", "help"}

// actionNames are the action IDs of every button Chat answers.
var actionNames = []string{
	ActionProfileOpen, ActionLeaveConfirm, ActionLeaveCancel,
	actionRunConfirm, actionRunCancel,
	actionIntroArranged, actionIntroPause, actionIntroBlock, actionIntroBlockOne, actionIntroBlockAll,
	ActionBlockMember, ActionUnblockMember,
	ActionDirectoryAsk, ActionDirectoryMore, ActionDirectoryFind, ActionRequestAccept, ActionRequestNotNow,
	ActionHomePause, ActionHomeResume, ActionAdminDashboard, ActionInviteConfirm, ActionInviteCancel,
	actionFollowYes, actionFollowNotYet, actionFollowNo,
	ActionMeetupGoing, ActionMeetupMaybe, ActionMeetupNotGoing, ActionMeetupManage,
	ActionMeetupEdit, ActionMeetupCancel, ActionMeetupKeep, ActionMeetupCalendar,
}

// formNames are the IDs of every form Chat takes.
var formNames = []string{ProfileFormID, MeetupCreateForm, MeetupEditForm, DirectoryFindForm}

// MeterNames returns every name a Meter may be given for kind
// (KindCommand, KindAction or KindSubmit), OtherName included: a fixed
// list, so a Meter can refuse any other name.
func MeterNames(kind string) []string {
	var names []string
	switch kind {
	case KindCommand:
		names = append(names, "join")
		for _, sc := range Subcommands {
			n := sc.Name
			if sc.Admin {
				n = adminName(sc.Usage)
			}
			if n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		names = append(names, "admin", "meetup")
		for _, sub := range meetupSubcommands[1:] {
			names = append(names, "meetup "+sub)
		}
	case KindAction:
		names = append(names, actionNames...)
	case KindSubmit:
		names = append(names, formNames...)
	}
	return append(names, OtherName)
}

// adminName is "admin" and the admin's subcommand of a usage line:
// "admin practices add|remove|list NAME" is "admin practices".
func adminName(usage string) string {
	words := strings.Fields(usage)
	if len(words) < 2 {
		return "admin"
	}
	return "admin " + words[1]
}

// commandName names a command for a Meter by its command words alone:
// "join", "status", "admin stats", "meetup list", or OtherName.
func commandName(command, text string) string {
	switch strings.ToLower(command) {
	case CommandName, strings.TrimPrefix(CommandName, "/"):
		cmd, err := ParseCommand(text)
		switch {
		case err != nil:
			return OtherName
		case cmd.Name == "":
			return "join"
		case cmd.Name == "admin":
			if len(cmd.Args) == 0 {
				return "admin"
			}
			n := "admin " + strings.ToLower(cmd.Args[0])
			if slices.Contains(MeterNames(KindCommand), n) {
				return n
			}
			return "admin"
		}
		return cmd.Name
	case MeetupCommandName, strings.TrimPrefix(MeetupCommandName, "/"):
		words := strings.Fields(text)
		if len(words) == 0 {
			return "meetup"
		}
		sub := strings.ToLower(words[0])
		switch {
		case sub == "new":
			return "meetup"
		case slices.Contains(meetupSubcommands, sub):
			return "meetup " + sub
		}
	}
	return OtherName
}

// actionName names a button for a Meter: its action ID when Chat knows
// it, the calendar buttons by their common start, else OtherName.
func actionName(action string) string {
	switch {
	case strings.HasPrefix(action, ActionMeetupCalendar):
		return ActionMeetupCalendar
	case slices.Contains(actionNames, action):
		return action
	}
	return OtherName
}

// formName names a submitted form for a Meter.
func formName(form string) string {
	if slices.Contains(formNames, form) {
		return form
	}
	return OtherName
}

// worse returns the worse of two results: an error over a refusal, a
// refusal over success.
func worse(a, b string) string {
	rank := map[string]int{"": 0, ResultOK: 0, ResultRefused: 1, ResultError: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// meterOf returns m, or NoMeter when m is nil.
func meterOf(m Meter) Meter {
	if m == nil {
		return NoMeter{}
	}
	return m
}
