package slack

// Render tests of the parts of the adapter not yet moved into bot's
// conversation core. They go when those parts do.

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// Every message the adapter renders shows member text as text, and keeps
// within Slack's limits however long that text is once escaped.
func TestRenderedMessagesEscapeMemberText(t *testing.T) {
	loc := time.UTC
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	long := strings.Repeat("&<>", 50)
	member := func(id int64, user string) *bot.Member {
		return &bot.Member{ID: id, UserID: user, Name: hostileText, Status: bot.StatusActive, Profile: bot.Profile{
			Organisation: hostileText, Sector: "gp_practice", Role: "salaried_gp", CareerStage: "first_five",
			Interests: []string{hostileText, long}, Offers: []string{hostileText}, Asks: []string{long},
			Frequency: "weekly", Mentoring: "mentor", Meeting: "video", Bio: hostileText + long,
		}}
	}
	a, b := member(1, "U0AAAAAAA1"), member(2, "U0BBBBBBB2")
	in := &bot.Intro{ID: 7, StarterID: 1, Explanation: hostileText, Question: hostileText, CreatedAt: now,
		Members: []bot.IntroMember{{Member: *a}, {Member: *b}}}
	meetup := &bot.Meetup{ID: 3, Title: hostileText, Purpose: hostileText, Place: hostileText + long, Link: "https://meet.example.org/x?a=1&b=2",
		HostUserID: "U0AAAAAAA1", Channel: "C0MEETUPS1", StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: 1}
	meetup.Counts.Going = 1

	type rendered struct {
		text   md
		blocks []slack.Block
	}
	fromReply := func(r *reply) rendered { return rendered{r.Text, r.Blocks} }
	msgs := map[string]rendered{}
	pair := func(text md, blocks []slack.Block) rendered { return rendered{text, blocks} }
	msgs["intro"] = pair(introMessage(in))
	msgs["follow-up"] = pair(followUpMessage(in, &in.Members[0], false))
	msgs["second follow-up"] = pair(followUpMessage(in, &in.Members[0], true))
	msgs["announcement"] = pair(announcementMessage(meetup, loc))
	msgs["promoted"] = pair(promotedMessage(meetup, loc))
	msgs["changed"] = pair(changedMessage(&bot.MeetupChange{Before: meetup, After: meetup, Changed: []string{"title", "place"}}, loc))
	msgs["reminder"] = pair(reminderMessage(bot.DueReminder{Meetup: meetup}, loc))
	msgs["cancelled"] = rendered{cancelledMessage(meetup, loc), nil}
	msgs["host announced"] = rendered{hostAnnouncedMessage(meetup), nil}
	msgs["manage"] = fromReply(manageReply(meetup, []bot.Attendee{{UserID: "U0BBBBBBB2", Status: bot.RSVPGoing}}, loc))
	msgs["cancel confirm"] = fromReply(cancelConfirmReply(meetup, loc))
	msgs["list"] = fromReply(meetupListReply([]bot.Meetup{*meetup}, loc))
	msgs["mine"] = fromReply(meetupMineReply([]bot.MemberMeetup{{Meetup: *meetup, Hosting: true}}, loc))
	msgs["error"] = fromReply(errorReply(bot.Errorf(bot.ECONFLICT, "Sorry, “%s” has been cancelled.", hostileText)))
	msgs["rsvp"] = rendered{rsvpReply(&bot.RSVPOutcome{Meetup: meetup, Status: bot.RSVPGoing, Changed: true}, loc), nil}

	for name, m := range msgs {
		t.Run(name, func(t *testing.T) {
			texts := []string{string(m.text)}
			raw, _ := json.Marshal(m.blocks)
			var v any
			_ = json.Unmarshal(raw, &v)
			collectMrkdwn(v, &texts)
			seen := false
			for _, s := range texts {
				if p := markupIn(s); p != "" {
					t.Errorf("%s in %q", p, s)
				}
				seen = seen || strings.Contains(s, "&lt;!channel&gt;")
			}
			if !seen {
				t.Errorf("member text not shown at all: %q", texts)
			}
			if len(m.blocks) > maxMessageBlocks {
				t.Errorf("%d blocks", len(m.blocks))
			}
			for _, s := range texts[1:] {
				if n := utf8.RuneCountInString(s); n > maxSectionText {
					t.Errorf("a text of %d characters", n)
				}
			}
		})
	}
}

// Counts agree with their nouns wherever they are shown.
func TestCountsAgree(t *testing.T) {
	loc := time.UTC
	start := time.Date(2026, 12, 8, 12, 30, 0, 0, loc)
	m := bot.Meetup{ID: 4, Title: "Lunch", Place: "Room 2", StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 1}
	m.Counts.Going = 1
	one := bot.Meetup{ID: 5, Title: "Walk", Place: "Park", StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 2}
	one.Counts.Going = 1
	tests := []struct {
		name      string
		got       md
		want, not string
	}{
		{"a full meetup", textReply(meetupCounts(&m)).Text, "It's full", ""},
		{"one place", meetupListReply([]bot.Meetup{m}, loc).Text, "1 going of 1 place.", "1 places"},
		{"one place left", meetupCounts(&one), "1 of 2 places left", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(tt.got), tt.want) || (tt.not != "" && strings.Contains(string(tt.got), tt.not)) {
				t.Errorf("%q, want %q", tt.got, tt.want)
			}
		})
	}
}

// Calendar buttons keep within Slack's 3,000 characters a URL, however
// much of the meetup's text percent-encoding multiplies.
func TestCalendarButtonsFit(t *testing.T) {
	start := time.Date(2026, 12, 8, 12, 30, 0, 0, time.UTC)
	m := bot.Meetup{ID: 9, Title: strings.Repeat("🚴", bot.MaxMeetupTitleLen), Purpose: strings.Repeat("é&🚴", bot.MaxMeetupPurposeLen/3),
		Place: strings.Repeat("Łódź 🚴", bot.MaxMeetupPlaceLen/6), Link: "https://meet.example.org/x?" + strings.Repeat("a=1&", 115),
		StartsAt: start, EndsAt: start.Add(time.Hour)}
	r := meetupMineReply([]bot.MemberMeetup{{Meetup: m, RSVP: bot.RSVPGoing}}, time.UTC)
	raw, _ := json.Marshal(r.Blocks)
	var blocks []struct {
		Elements []struct {
			URL string `json:"url"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(raw, &blocks)
	links := 0
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.URL != "" {
				links++
				if len(e.URL) > maxButtonURL {
					t.Errorf("a button URL of %d characters", len(e.URL))
				}
			}
		}
	}
	if links != 2 {
		t.Errorf("%d calendar links, want 2", links)
	}
}
