package slack

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

const hostileText = "<!channel> <https://evil.example/x|Open Rapport> & *bold*"

func TestEscapeAndFormat(t *testing.T) {
	tests := []struct {
		name string
		got  md
		want md
	}{
		{"plain text is escaped", esc("a & <b> <!here>"), "a &amp; &lt;b&gt; &lt;!here&gt;"},
		{"string arguments are escaped", mdf("*%s* said %q", "<!channel>", "x"), `*&lt;!channel&gt;* said "x"`},
		{"markup arguments are kept", mdf("%s: %s", md("*bold*"), "<i>"), "*bold*: &lt;i&gt;"},
		{"numbers are formatted", mdf("%d of %s", 3, "5 & more"), "3 of 5 &amp; more"},
		{"mentions of Slack IDs", mention("U0123ABC"), "<@U0123ABC>"},
		{"anything else is text", mention("<!channel>"), "&lt;!channel&gt;"},
		{"a link", link("https://x.example/a?b=1&c=2", "go <now>"), "<https://x.example/a?b=1&amp;c=2|go &lt;now&gt;>"},
		{"a link that would break out", link("https://x.example/|<!channel>", "go"), "https://x.example/|&lt;!channel&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// Cutting escaped text never leaves half an entity, half a reference or
// half a character, and never goes over the limit.
func TestSplitAndTruncateKeepEntitiesWhole(t *testing.T) {
	entity := regexp.MustCompile(`&(amp|lt|gt);`)
	whole := func(t *testing.T, s md) {
		t.Helper()
		if !utf8.ValidString(string(s)) {
			t.Errorf("invalid UTF-8: %q", s)
		}
		rest := entity.ReplaceAllString(string(s), "")
		rest = regexp.MustCompile(`<@[A-Z0-9]+>`).ReplaceAllString(rest, "")
		if strings.ContainsAny(rest, "&<>") {
			t.Errorf("a cut entity or reference in %q", s)
		}
	}
	inputs := map[string]md{
		"entities":   esc(strings.Repeat("&<>é", 2000)),
		"mentions":   md(strings.Repeat("<@U0123ABC> ", 700)),
		"one line":   esc(strings.Repeat("🚴&", 3000)),
		"many lines": esc(strings.Repeat("a line with & in it\n", 400)),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			parts := splitMD(in, maxSectionText)
			var joined int
			for _, p := range parts {
				if n := utf8.RuneCountInString(string(p)); n > maxSectionText || n == 0 {
					t.Errorf("a part of %d characters", n)
				}
				joined += utf8.RuneCountInString(string(p))
				whole(t, p)
			}
			if joined < utf8.RuneCountInString(string(in))-len(parts)*2 {
				t.Errorf("split lost text: %d of %d characters", joined, utf8.RuneCountInString(string(in)))
			}
			for _, n := range []int{1, 2, 3, 4, 5, 150, 3000} {
				cut := truncMD(in, n)
				if got := utf8.RuneCountInString(string(cut)); got > n {
					t.Errorf("truncMD(%d) gave %d characters", n, got)
				}
				whole(t, cut)
			}
		})
	}
}

// A message with more blocks than Slack allows is cut, keeping its buttons.
func TestBlocksKeepToTheLimit(t *testing.T) {
	b := messageBlocks()
	for range 60 {
		b.section("a line")
	}
	b.actions("answer", button("a", "1", strings.Repeat("long label ", 20)))
	got := b.done()
	if len(got) != maxMessageBlocks {
		t.Fatalf("%d blocks", len(got))
	}
	last, ok := got[len(got)-1].(*slack.ActionBlock)
	if !ok {
		t.Fatalf("the buttons were dropped")
	}
	if n := utf8.RuneCountInString(last.Elements.ElementSet[0].(*slack.ButtonBlockElement).Text.Text); n > maxButtonText {
		t.Errorf("button label of %d characters", n)
	}
	if empty := messageBlocks().section(" \n").done(); len(empty) != 0 {
		t.Errorf("empty section: %d blocks", len(empty))
	}
}

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
	st := &bot.Status{Member: a, NextRound: now.Add(24 * time.Hour)}
	plan := &bot.RoundPlan{Eligible: 1, LeftOut: []bot.LeftOut{{Member: *a, Reason: hostileText}}, Skipped: []bot.LeftOut{{Member: *b, Reason: hostileText}}}

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
	msgs["welcome"] = pair(welcomeMessage(st, true, loc))
	msgs["announcement"] = pair(announcementMessage(meetup, loc))
	msgs["promoted"] = pair(promotedMessage(meetup, loc))
	msgs["changed"] = pair(changedMessage(&bot.MeetupChange{Before: meetup, After: meetup, Changed: []string{"title", "place"}}, loc))
	msgs["reminder"] = pair(reminderMessage(bot.DueReminder{Meetup: meetup}, loc))
	msgs["cancelled"] = rendered{cancelledMessage(meetup, loc), nil}
	msgs["host announced"] = rendered{hostAnnouncedMessage(meetup), nil}
	msgs["preview"] = rendered{"", messageBlocks().section(previewText(plan, "Monday")).done()}
	msgs["status"] = fromReply(statusReply(st, []bot.Intro{*in}, loc, now))
	msgs["manage"] = fromReply(manageReply(meetup, []bot.Attendee{{UserID: "U0BBBBBBB2", Status: bot.RSVPGoing}}, loc))
	msgs["cancel confirm"] = fromReply(cancelConfirmReply(meetup, loc))
	msgs["list"] = fromReply(meetupListReply([]bot.Meetup{*meetup}, loc))
	msgs["mine"] = fromReply(meetupMineReply([]bot.MemberMeetup{{Meetup: *meetup, Hosting: true}}, loc))
	msgs["admin"] = fromReply(adminReply(&bot.AdminReply{Title: hostileText, Lines: []string{hostileText}}))
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

func collectMrkdwn(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "mrkdwn" {
			if s, ok := x["text"].(string); ok {
				*out = append(*out, s)
			}
		}
		for _, c := range x {
			collectMrkdwn(c, out)
		}
	case []any:
		for _, c := range x {
			collectMrkdwn(c, out)
		}
	}
}

var ownMarkup = regexp.MustCompile(`<@[A-Z0-9]+>|<#[A-Z0-9]+>|<https://meet\.example\.org/[^|<> ]*\|video link>|&(amp|lt|gt);`)

// markupIn says how s lets member text act as markup, or returns "".
func markupIn(s string) string {
	rest := ownMarkup.ReplaceAllString(s, "")
	switch {
	case strings.Contains(s, "<!"):
		return "a <! mention"
	case strings.ContainsAny(rest, "<>"):
		return "an unescaped < or >"
	case strings.Contains(rest, "&"):
		return "an unescaped &"
	}
	return ""
}

// Counts agree with their nouns wherever they are shown.
func TestCountsAgree(t *testing.T) {
	loc := time.UTC
	start := time.Date(2026, 12, 8, 12, 30, 0, 0, loc)
	m := bot.Meetup{ID: 4, Title: "Lunch", Place: "Room 2", StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 1}
	m.Counts.Going = 1
	one := bot.Meetup{ID: 5, Title: "Walk", Place: "Park", StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 2}
	one.Counts.Going = 1
	plan := &bot.RoundPlan{Eligible: 1, Intros: []bot.PlannedIntro{{MemberIDs: []int64{1, 2, 3}, Explanation: "x"}}}
	tests := []struct {
		name      string
		got       md
		want, not string
	}{
		{"a full meetup", textReply(meetupCounts(&m)).Text, "It's full", ""},
		{"one place", meetupListReply([]bot.Meetup{m}, loc).Text, "1 going of 1 place.", "1 places"},
		{"one place left", meetupCounts(&one), "1 of 2 places left", ""},
		{"one member, one introduction, one trio", previewText(plan, "Monday"), "*1* member would take part, in *1* introduction (1 a trio", "*1* introductions"},
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
