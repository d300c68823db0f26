package slack

import (
	"strings"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// This file stands in for blockkit.go's renderer until it lands on main;
// it is deleted then.

func renderText(t bot.Text) md {
	var out md
	for _, s := range t {
		var part md
		switch {
		case s.User != "":
			part = mention(s.User)
		case s.Channel != "":
			part = channelRef(s.Channel)
		case s.URL != "":
			part = link(s.URL, s.Text)
		default:
			part = esc(s.Text)
		}
		for _, w := range []struct {
			on   bool
			mark md
		}{{s.Code, "`"}, {s.Italic, "_"}, {s.Strike, "~"}, {s.Strong, "*"}} {
			if w.on && strings.TrimSpace(string(part)) != "" {
				part = w.mark + part + w.mark
			}
		}
		out += part
	}
	return out
}

func renderMessage(m *bot.Message) (string, []slack.Block) {
	b := messageBlocks()
	if m.Title != "" {
		b.header(m.Title)
	}
	for _, s := range m.Sections {
		if s.Rule {
			b.divider()
		}
		var text md
		if s.Heading != "" {
			text = "*" + esc(s.Heading) + "*\n"
		}
		text += renderText(s.Text)
		for _, f := range s.Fields {
			text += "\n*" + esc(f.Label) + ":* " + renderText(f.Value)
		}
		for _, it := range s.Items {
			text += "\n• " + renderText(it)
		}
		if s.Pre != "" {
			text += "\n```" + esc(s.Pre) + "```"
		}
		b.section(text)
		if len(s.Note) > 0 {
			b.context("", renderText(s.Note))
		}
		if len(s.Buttons) > 0 {
			var els []slack.BlockElement
			for _, bt := range s.Buttons {
				el := button(bt.Action, bt.Value, bt.Label)
				el.Style = slack.Style(bt.Style)
				el.URL = bt.URL
				if c := bt.Confirm; c != nil {
					el.Confirm = slack.NewConfirmationBlockObject(plain(c.Title), plain(c.Text), plain(c.Yes), plain(c.No))
				}
				els = append(els, el)
			}
			b.actions("", els...)
		}
	}
	return fallback(renderText(m.SummaryText())), b.done()
}
