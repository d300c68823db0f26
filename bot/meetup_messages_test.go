package bot

import (
	"strings"
	"testing"
	"time"
)

func lunch() *Meetup {
	london, _ := time.LoadLocation("Europe/London")
	start := time.Date(2026, 6, 3, 12, 30, 0, 0, london).UTC()
	return &Meetup{ID: 12, Title: "Practice managers' lunch", Purpose: "practice managers", Place: "Riverside Surgery",
		Link: "https://meet.example.org/pm", StartsAt: start, EndsAt: start.Add(90 * time.Minute), Food: true, Capacity: 20,
		HostUserID: "U0HOST001", HostName: "Hana Host", Status: MeetupScheduled, Roles: []string{"salaried_gp", "gp_trainee"}}
}

func hasButton(m *Message, action string) bool {
	for _, s := range m.Sections {
		for _, b := range s.Buttons {
			if b.Action == action {
				return true
			}
		}
	}
	return false
}

// What each meetup notice says, as a member reads it.
func TestMeetupNoticeWords(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	tests := []struct {
		name   string
		notice NoticeMessage
		says   []string
		cantGo bool // offers "I can't go any more"
	}{
		{"promoted", NoticeMessage{Kind: NoticeMeetupPromoted},
			[]string{"Good news: a place has opened up at Practice managers' lunch (Wednesday 3 June, 12:30 to 14:00), so you're now going.", "Where: Riverside Surgery, or by video link (https://meet.example.org/pm)", "Food: provided 🍽️", "Host: Hana Host"}, true},
		{"changed", NoticeMessage{Kind: NoticeMeetupChanged, Changed: []string{"place", "capacity"}, TitleBefore: "PM lunch"},
			[]string{"The host has changed the place and the number of places of PM lunch, which you answered.", "Practice managers' lunch\nWhen: Wednesday 3 June, 12:30 to 14:00", "Places: 20"}, true},
		{"changed, nothing named", NoticeMessage{Kind: NoticeMeetupChanged, TitleBefore: "PM lunch"},
			[]string{"The host has changed some details of PM lunch"}, true},
		{"cancelled", NoticeMessage{Kind: NoticeMeetupCancelled},
			[]string{"Sorry: Practice managers' lunch on Wednesday 3 June, 12:30 to 14:00 has been cancelled. See what else is coming up with /meetup list."}, false},
		{"the day before", NoticeMessage{Kind: NoticeMeetupReminder, Reminder: ReminderDayBefore},
			[]string{"Reminder: Practice managers' lunch is tomorrow, Wednesday 3 June, 12:30 to 14:00. Where: Riverside Surgery, or by video link", "If you can't make it now, please say so"}, true},
		{"an hour before", NoticeMessage{Kind: NoticeMeetupReminder, Reminder: ReminderHourBefore},
			[]string{"Practice managers' lunch starts in an hour, at 12:30. Where: Riverside Surgery"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.notice
			n.Meetup = lunch()
			m := meetupNotice(&n, london)
			text := PlainText(m)
			for _, want := range tt.says {
				if !strings.Contains(text, want) {
					t.Errorf("lacks %q:\n%s", want, text)
				}
			}
			if hasButton(m, ActionMeetupNotGoing) != tt.cantGo {
				t.Errorf("can't-go button %v, want %v:\n%s", !tt.cantGo, tt.cantGo, text)
			}
			if strings.Contains(text, ":knife_fork_plate:") || strings.Contains(text, "*") || strings.Contains(text, "`") {
				t.Errorf("markup in the words:\n%s", text)
			}
		})
	}
}

// The announcement as the channel reads it, live and cancelled.
func TestAnnouncementWords(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	m := lunch()
	m.Counts = RSVPCounts{Going: 3, Maybe: 1, NotGoing: 2}
	text := PlainText(announcementMessage(m, london))
	for _, want := range []string{"📅 Practice managers' lunch", "When: Wednesday 3 June, 12:30 to 14:00", "Who it's for: Salaried GP, GP trainee",
		"Places: 20", "3 going · 1 maybe · 2 can't go\n17 of 20 places left.", "[Going] [Maybe] [Can't go] [⋯ Manage]"} {
		if !strings.Contains(text, want) {
			t.Errorf("announcement lacks %q:\n%s", want, text)
		}
	}
	m.Status = MeetupCancelled
	cancelled := announcementMessage(m, london)
	if text := PlainText(cancelled); !strings.Contains(text, "Cancelled: Practice managers' lunch") || !strings.Contains(text, "has been cancelled") || hasButton(cancelled, ActionMeetupGoing) {
		t.Errorf("cancelled announcement:\n%s", text)
	}
}

// Counts read as English: one place, a full meetup, the waiting list.
func TestMeetupCountsWords(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		counts   RSVPCounts
		says     string
		not      string
	}{
		{"a full meetup", 1, RSVPCounts{Going: 1}, "1 going · 0 maybe · 0 can't go · 0 on the waiting list\nIt's full: press Going to join the waiting list.", ""},
		{"one place left", 2, RSVPCounts{Going: 1}, "1 of 2 places left.", "waiting"},
		{"no limit", 0, RSVPCounts{Going: 5}, "5 going · 0 maybe · 0 can't go", "left"},
		{"people waiting", 2, RSVPCounts{Going: 2, Waiting: 3}, "· 3 on the waiting list", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Meetup{Capacity: tt.capacity, Counts: tt.counts}
			got := meetupCounts(m).Plain()
			if !strings.Contains(got, tt.says) || (tt.not != "" && strings.Contains(got, tt.not)) {
				t.Errorf("counts %q, want %q and not %q", got, tt.says, tt.not)
			}
		})
	}
	one := &Meetup{ID: 4, Title: "Lunch", Place: "Room 2", Capacity: 1, Counts: RSVPCounts{Going: 1}}
	if got := PlainText(meetupListMessage([]Meetup{*one}, time.UTC)); !strings.Contains(got, "1 going of 1 place.") || strings.Contains(got, "1 places") {
		t.Errorf("list: %s", got)
	}
}

// Calendar links keep within 3,000 characters (Slack's limit on a button's
// URL, the smallest of the platforms'), however much of the meetup's
// text percent-encoding multiplies, and /meetup mine offers both.
func TestCalendarLinksFit(t *testing.T) {
	start := time.Date(2026, 12, 8, 12, 30, 0, 0, time.UTC)
	m := Meetup{ID: 9, Title: strings.Repeat("🚴", MaxMeetupTitleLen), Purpose: strings.Repeat("é&🚴", MaxMeetupPurposeLen/3),
		Place: strings.Repeat("Łódź 🚴", MaxMeetupPlaceLen/6), Link: "https://meet.example.org/x?" + strings.Repeat("a=1&", 115),
		StartsAt: start, EndsAt: start.Add(time.Hour)}
	links := 0
	for _, s := range meetupMineMessage([]MemberMeetup{{Meetup: m, RSVP: RSVPGoing}}, time.UTC).Sections {
		for _, b := range s.Buttons {
			if b.URL != "" {
				links++
				if len(b.URL) > MaxCalendarURL {
					t.Errorf("a calendar link of %d characters", len(b.URL))
				}
			}
		}
	}
	if links != 2 {
		t.Errorf("%d calendar links, want 2", links)
	}
	m.Link = "https://meet.example.org/x?" + strings.Repeat("a=1&", 1000)
	if g, o := CalendarLinks(&m); g != "" || o != "" {
		t.Errorf("links that cannot fit: %d and %d characters", len(g), len(o))
	}
}

// The host's view lists who answered, the waiting list in order, and
// cuts a long list short with a count.
func TestManageWords(t *testing.T) {
	m := lunch()
	as := []Attendee{{UserID: "U1", Name: "Ann", Status: RSVPGoing}, {UserID: "U2", Name: "Bo", Status: RSVPWaiting, Position: 1}}
	for i := range maxNamesListed + 3 {
		as = append(as, Attendee{UserID: "U9", Name: "N" + string(rune('a'+i%26)), Status: RSVPNotGoing})
	}
	msg := manageMessage(m, as, time.UTC)
	text := PlainText(msg)
	for _, want := range []string{"Managing #12 Practice managers' lunch", "Only you can see this.", "Going (1): Ann", "Waiting list (1): 1. Bo",
		"Maybe: nobody yet", "Can't go (43): ", " and 3 more", "[Edit details] [Cancel meetup]"} {
		if !strings.Contains(text, want) {
			t.Errorf("manage view lacks %q:\n%s", want, text)
		}
	}
	for _, s := range msg.Sections {
		for _, b := range s.Buttons {
			if b.Action == ActionMeetupCancel && (b.Confirm == nil || b.Style != StyleDanger) {
				t.Errorf("cancel button without its confirmation: %+v", b)
			}
		}
	}
}
