package slack

import (
	"testing"

	"github.com/rapport-pcn/rapport/bot"
)

// An escaped command's text reads as the person typed it: mentions become
// the core's mention word, Slack's markup its words, and entities the
// characters typed, so markup typed literally stays text.
func TestCommandTextReadsAsTyped(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"block <@U0BOB1234|bob>", "block " + bot.MentionWord("U0BOB1234")},
		{"block <@U0BOB1234>", "block " + bot.MentionWord("U0BOB1234")},
		{"admin practices add Smith &amp; Jones", "admin practices add Smith & Jones"},
		{"admin practices add &lt;!channel&gt; &lt;b&gt;", "admin practices add <!channel> <b>"},
		{"find <!channel> now", "find @channel now"},
		{"block <mailto:priya@nhs.net|priya@nhs.net>", "block priya@nhs.net"},
		{"see <https://example.org/x|the page>", "see the page"},
		{"in <#C0123|general>", "in #general"},
	} {
		if got := commandText(c.in); got != c.want {
			t.Errorf("commandText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
