package bot

import (
	"slices"
	"testing"
)

// A command is named by its command words only, from the fixed list;
// whatever else was typed never reaches a Meter.
func TestCommandNames(t *testing.T) {
	for _, c := range []struct{ command, text, want string }{
		{CommandName, "", "join"},
		{CommandName, "STATUS", "status"},
		{CommandName, "pause until 2027-01-10", "pause"},
		{CommandName, "admin stats", "admin stats"},
		{CommandName, "admin RUN-NOW --force", "admin run-now"},
		{CommandName, "admin practices add Priya Shah's Surgery", "admin practices"},
		{CommandName, "admin Priya", "admin"},
		{CommandName, "find Priya Shah", "find"},
		{CommandName, "lookup Priya Shah", OtherName},
		{CommandName, "admin invite", "admin invite"},
		{"introduce-me", "help", "help"},
		{MeetupCommandName, "", "meetup"},
		{MeetupCommandName, "new", "meetup"},
		{MeetupCommandName, "edit 12", "meetup edit"},
		{MeetupCommandName, "Priya Shah", OtherName},
		{"/priya", "status", OtherName},
	} {
		got := commandName(c.command, c.text)
		if got != c.want {
			t.Errorf("commandName(%q, %q) = %q, want %q", c.command, c.text, got, c.want)
		}
		if !slices.Contains(MeterNames(KindCommand), got) {
			t.Errorf("%q is not among MeterNames", got)
		}
	}
	for action, want := range map[string]string{
		ActionMeetupGoing: ActionMeetupGoing, ActionMeetupCalendar + "_google": ActionMeetupCalendar,
		actionRunConfirm: actionRunConfirm, "U0MEMBER01": OtherName,
	} {
		if got := actionName(action); got != want {
			t.Errorf("actionName(%q) = %q, want %q", action, got, want)
		}
	}
	if got := formName("Priya"); got != OtherName {
		t.Errorf("formName = %q", got)
	}
}

// Every button in every kind of message is counted by its own name, not
// as "other": a new button needs its action ID in actionNames.
func TestEveryButtonHasAMeterName(t *testing.T) {
	names := MeterNames(KindAction)
	for _, ex := range Examples() {
		if ex.Message == nil {
			continue
		}
		for _, sec := range ex.Message.Sections {
			for _, b := range sec.Buttons {
				if b.URL == "" && !slices.Contains(names, b.Action) {
					t.Errorf("%s: button %q (%s) is counted as other", ex.Name, b.Label, b.Action)
				}
			}
		}
	}
}
