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
	msgs["error"] = fromReply(errorReply(bot.Errorf(bot.ECONFLICT, "Sorry, “%s” has been cancelled.", hostileText)))

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
