package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
)

// The demo's directory story: after the round, one member ticks "List me
// in the directory" on their profile, another looks for someone who can
// help with what they want to learn, finds them, asks for an intro, and
// the person asked accepts, which introduces the two as a round does.

// demoListed reports whether the i'th demo person lists themselves in the
// directory when they join: about a third do.
func demoListed(i int) bool { return i%3 == 1 }

// directoryStory is who the directory story is about.
type directoryStory struct {
	asker, asked int    // indexes into the demo's people
	topic        string // what the asker searches for, one of their asks
}

// pickDirectoryStory chooses the story: the first member who wants to
// learn something that a member of another organisation, not listed yet,
// offers, and whom the round did not just introduce them to. Diabetes
// comes first when someone wants it, as the directory's plainest example.
func pickDirectoryStory(people []demoPerson, introduced func(a, b string) bool) (directoryStory, bool) {
	for _, preferred := range []bool{true, false} {
		for i, p := range people {
			for _, t := range p.asks {
				if preferred != (t == "Diabetes") {
					continue
				}
				for j, q := range people {
					if j == i || demoListed(j) || q.org.name == p.org.name || !slices.Contains(q.offers, t) || introduced(p.name, q.name) {
						continue
					}
					return directoryStory{asker: i, asked: j, topic: t}, true
				}
			}
		}
	}
	return directoryStory{}, false
}

// openDirectoryStory chooses the directory story and prints its heading
// and how many members are listed, or says why there is none.
func openDirectoryStory(people []demoPerson, introduced func(a, b string) bool, stdout io.Writer) (directoryStory, bool) {
	story, ok := pickDirectoryStory(people, introduced)
	if !ok {
		fmt.Fprintln(stdout, "• Nobody in a network this small wants to learn what another organisation's member offers, so the directory has nothing to show.")
		return story, false
	}
	fmt.Fprintln(stdout, "\nThe directory")
	listed := 0
	for i := range people {
		if demoListed(i) {
			listed++
		}
	}
	fmt.Fprintf(stdout, "• %d of the members ticked %q when they joined.\n", listed, bot.ListedLabel)
	return story, true
}

// demoDirectory tells the directory story and prints each step, and what
// the members saw. ids are the people's user IDs; introduced says whether
// the round introduced two people, by name.
func demoDirectory(ctx context.Context, ws *slacktest.Workspace, people []demoPerson, ids []string, names map[string]string, introduced func(a, b string) bool, stdout io.Writer) error {
	step := func(format string, a ...any) { fmt.Fprintf(stdout, "• "+format+"\n", a...) }
	story, ok := openDirectoryStory(people, introduced, stdout)
	if !ok {
		return nil
	}
	asker, asked := people[story.asker], people[story.asked]
	askerID, askedID := ids[story.asker], ids[story.asked]
	topic := strings.ToLower(story.topic)

	// The form opens with the profile as saved; ticking the box is the
	// only change.
	if err := demoJoin(ctx, ws, askedID, map[string]any{bot.FieldListed: []string{"yes"}}); err != nil {
		return fmt.Errorf("%s could not list themselves: %w", asked.name, err)
	}
	step("%s (%s) opened /introduce-me, ticked the box and saved: members can now find them by what they offer (%s).",
		asked.name, asked.org.name, strings.Join(asked.offers, ", "))

	before := len(ws.Ephemerals(askerID))
	if _, err := ws.SlashCommand(ctx, askerID, bot.CommandName, "find "+topic); err != nil {
		return err
	}
	var found slacktest.EphemeralMessage
	err := ws.Wait(ctx, func() bool {
		all := ws.Ephemerals(askerID)
		for _, e := range all[min(before, len(all)):] {
			if strings.Contains(e.Text+string(e.Blocks), asked.name) {
				found = e
				return true
			}
		}
		return false
	})
	if err != nil {
		last, _ := ws.LastEphemeral(askerID)
		return fmt.Errorf("the search did not find %s: %w; it said:\n%s", asked.name, err, readableBlocks(last.Text, last.Blocks, names))
	}
	step("%s (%s), who wants to learn about %s, typed /introduce-me find %s and saw:", asker.name, asker.org.name, topic, topic)
	fmt.Fprintf(stdout, "\n%s\n\n", indent(readableBlocks(found.Text, found.Blocks, names)))

	value, ok := buttonNear(found.Blocks, bot.ActionDirectoryAsk, asked.name)
	if !ok {
		return fmt.Errorf("the search shows no %q button for %s", bot.ActionDirectoryAsk, asked.name)
	}
	before = len(ws.DMs(askedID))
	seen := len(ws.Ephemerals(askerID))
	if _, err := ws.ClickButton(ctx, askerID, found.Channel, found.MessageTS, bot.ActionDirectoryAsk, value); err != nil {
		return err
	}
	sent, err := waitEphemeralSince(ctx, ws, askerID, seen, "I've asked ")
	if err != nil {
		return fmt.Errorf("%s was not told the request was sent: %w", asker.name, err)
	}
	var request slacktest.Message
	if err := ws.Wait(ctx, func() bool {
		dms := ws.DMs(askedID)
		for _, m := range dms[min(before, len(dms)):] {
			if strings.Contains(m.Text+string(m.Blocks), "would like to talk about") {
				request = m
				return true
			}
		}
		return false
	}); err != nil {
		return fmt.Errorf("%s was not asked: %w", asked.name, err)
	}
	step("%s pressed \"Ask for an intro\" beside %s, and the bot answered: %s", asker.name, asked.name, plainText(sent.Text, names))
	step("%s received a direct message:", asked.name)
	fmt.Fprintf(stdout, "\n%s\n\n", indent(readableBlocks(request.Text, request.Blocks, names)))

	intros := len(demoIntros(ws))
	if _, err := ws.ClickButton(ctx, askedID, request.Channel, request.TS, bot.ActionRequestAccept, ""); err != nil {
		return err
	}
	if err := ws.Wait(ctx, func() bool { return len(demoIntros(ws)) > intros }); err != nil {
		return fmt.Errorf("accepting introduced nobody: %w", err)
	}
	intro := demoIntros(ws)[intros]
	step("%s pressed Accept, and the bot introduced them both in a group message, as a round does:", asked.name)
	fmt.Fprintf(stdout, "\n── The introduction %s asked for ──\n%s\n", asker.name, readable(intro, names))
	return nil
}

// buttonNear returns the value of the button with the action ID that
// belongs to the result naming who: in the section that names them, or
// in the first actions block after it.
func buttonNear(raw json.RawMessage, actionID, who string) (string, bool) {
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", false
	}
	near := false
	button := func(el any) (string, bool) {
		m, ok := el.(map[string]any)
		if ok && m["type"] == "button" && m["action_id"] == actionID {
			v, _ := m["value"].(string)
			return v, true
		}
		return "", false
	}
	for _, b := range blocks {
		if t, ok := b["text"].(map[string]any); ok {
			near = strings.Contains(fmt.Sprint(t["text"]), who)
		}
		if !near {
			continue
		}
		if v, ok := button(b["accessory"]); ok {
			return v, true
		}
		if els, ok := b["elements"].([]any); ok && b["type"] == "actions" {
			for _, el := range els {
				if v, ok := button(el); ok {
					return v, true
				}
			}
		}
	}
	return "", false
}

// indent sets text off from the demo's own lines.
func indent(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n")
}

// demoTeamsDirectory tells the directory story in Teams, as
// demoDirectory does in Slack: users are the people's Teams users.
func demoTeamsDirectory(d *teamsDemo, people []demoPerson, users []*teamstest.User, introduced func(a, b string) bool, stdout io.Writer) error {
	step := func(format string, a ...any) { fmt.Fprintf(stdout, "• "+format+"\n", a...) }
	story, ok := openDirectoryStory(people, introduced, stdout)
	if !ok {
		return nil
	}
	asker, asked := people[story.asker], people[story.asked]
	askerU, askedU := users[story.asker], users[story.asked]
	topic := strings.ToLower(story.topic)

	// The card opens with the profile as saved; ticking the box is the
	// only change.
	before := len(askedU.Messages())
	if _, err := askedU.Say("introduce-me"); err != nil {
		return err
	}
	var form teamstest.Message
	if err := d.s.Wait(d.ctx, func() bool {
		ms := askedU.Messages()
		for _, m := range ms[min(before, len(ms)):] {
			if len(m.Inputs()) > 0 {
				form = m
				return true
			}
		}
		return false
	}); err != nil {
		return fmt.Errorf("%s got no profile card: %w", asked.name, err)
	}
	res, err := askedU.Press(form.ID, "Save", map[string]string{bot.FieldListed: "yes"})
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return fmt.Errorf("%s could not list themselves: %w", asked.name, err)
	}
	if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
		return fmt.Errorf("%s's profile was not saved:\n%s", asked.name, teamstest.CardText(res.Card))
	}
	step("%s (%s) typed introduce-me, ticked the box on their profile card and saved: members can now find them by what they offer (%s).",
		asked.name, asked.org.name, strings.Join(asked.offers, ", "))

	found, err := d.say(askerU, "find "+topic, asked.name)
	if err != nil {
		return fmt.Errorf("the search did not find %s: %w", asked.name, err)
	}
	step("%s (%s), who wants to learn about %s, typed find %s to the bot and saw:", asker.name, asker.org.name, topic, topic)
	fmt.Fprintf(stdout, "\n%s\n\n", indent(teamsPlain(found)))

	// Teams' card has one "Ask for an intro" per result; the story's
	// person is the only one who offers what was searched for among
	// those listed, or the first.
	if first, _, _ := strings.Cut(teamsPlain(found), "Ask for an intro"); !strings.Contains(first, asked.name) {
		return fmt.Errorf("%s is not the first result:\n%s", asked.name, teamsPlain(found))
	}
	seen := len(askerU.Messages())
	before = len(askedU.Messages())
	res, err = askerU.Press(found.ID, "Ask for an intro", nil)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return err
	}
	answer := ""
	if res.Card != nil && strings.Contains(teamstest.CardText(res.Card), "I've asked ") {
		answer = teamstest.CardText(res.Card)
	} else if m, err := d.waitFor(askerU, seen, "I've asked "); err == nil {
		answer = teamsPlain(m)
	} else {
		return fmt.Errorf("%s was not told the request was sent: %w", asker.name, err)
	}
	answer = markdownEscape.ReplaceAllString(markdownBold.ReplaceAllString(strings.ReplaceAll(answer, "\u00a0", " "), "$1"), "$1")
	if i := strings.Index(answer, "I've asked "); i >= 0 {
		answer, _, _ = strings.Cut(answer[i:], "\n")
	}
	step("%s pressed \"Ask for an intro\" beside %s, and the bot answered: %s", asker.name, asked.name, answer)

	request, err := d.waitFor(askedU, before, "would like to talk about")
	if err != nil {
		return fmt.Errorf("%s was not asked: %w", asked.name, err)
	}
	step("%s received a message in their chat with Rapport:", asked.name)
	fmt.Fprintf(stdout, "\n%s\n\n", indent(teamsPlain(request)))

	intros := countIntros(askerU)
	res, err = askedU.Press(request.ID, "Accept", nil)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return err
	}
	if err := d.s.Wait(d.ctx, func() bool { return countIntros(askerU) > intros && countIntros(askedU) > 0 }); err != nil {
		return fmt.Errorf("accepting introduced nobody: %w", err)
	}
	intro, _ := lastIntro(askerU)
	step("%s pressed Accept, and the bot introduced them both, each with their own card, as a round does:", asked.name)
	fmt.Fprintf(stdout, "\n── The introduction %s asked for, as %s saw it ──\n%s\n", asker.name, asker.name, teamsPlain(intro))
	return nil
}
