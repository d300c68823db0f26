package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// Member text written to take over Slack's markup: a mention that pings
// everyone, a disguised link, a bare ampersand and bold.
const (
	hostile      = "<!channel> <https://evil.example/x|Open Rapport> & *bold*"
	hostileTopic = "<!here> <https://evil.example|x> &"
	hostileOffer = "<!everyone> help & <b>"
	hostileAsk   = "<https://evil.example|learn> & more"
)

// allowedMarkup is the markup the bot itself writes: mentions, channel
// references, and the video link of a meetup, whose URL is validated.
var allowedMarkup = regexp.MustCompile(`<@[A-Z0-9]+>|<#[A-Z0-9]+>|<https://meet\.example\.org/[^|<> ]*\|video link>|&(amp|lt|gt);`)

// markupProblem says how s, mrkdwn the bot sent, lets member text act as
// markup, or returns "".
func markupProblem(s string) string {
	rest := allowedMarkup.ReplaceAllString(s, "")
	switch {
	case strings.Contains(s, "<!"):
		return "a <! mention"
	case strings.Contains(rest, "<http"):
		return "a live link"
	case strings.ContainsAny(rest, "<>"):
		return "an unescaped < or >"
	case strings.Contains(rest, "&"):
		return "an unescaped &"
	}
	return ""
}

// mrkdwnTexts returns every piece of mrkdwn in a payload: top-level text,
// and the text of every mrkdwn object in blocks or views. plain_text is
// shown as it is, so it is left out.
func mrkdwnTexts(t testing.TB, raw string, topText bool) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				if s, ok := x["text"].(string); ok {
					out = append(out, s)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	if m, ok := v.(map[string]any); ok && topText {
		if s, ok := m["text"].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// sentMrkdwn returns everything the bot sent Slack as mrkdwn, labelled by
// where it went: Web API calls, response_url posts and acks.
func sentMrkdwn(t testing.TB, ws *slacktest.Workspace) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, c := range ws.Calls() {
		switch c.Method {
		case "chat.postMessage", "chat.update", "chat.postEphemeral":
			out[c.Method] = append(out[c.Method], c.Params["text"])
			out[c.Method] = append(out[c.Method], mrkdwnTexts(t, c.Params["blocks"], false)...)
		case "views.open", "views.update", "views.push":
			out[c.Method] = append(out[c.Method], mrkdwnTexts(t, c.Params["view"], false)...)
		case "response_url":
			b, _ := json.Marshal(c.Params)
			var p map[string]string
			_ = json.Unmarshal(b, &p)
			out[c.Method] = append(out[c.Method], p["text"])
			out[c.Method] = append(out[c.Method], mrkdwnTexts(t, p["blocks"], false)...)
		}
	}
	for _, d := range ws.Deliveries() {
		for _, a := range d.Acks {
			if a.Payload != nil {
				out["ack"] = append(out["ack"], mrkdwnTexts(t, string(a.Payload), true)...)
			}
		}
	}
	return out
}

// Names, organisations, topics, bios and meetup titles, places and purposes
// typed to break Slack's markup reach every member as the characters they
// are: in every message, modal and notification text the bot sends, no
// mention pings, no link is live and no < or > comes from a member.
func TestMemberTextIsNeverMarkup(t *testing.T) {
	target := storagetest.Databases(t)[0] // escaping does not depend on the database
	h := startMeetupServe(t, target)
	ws := h.ws
	const mallory, trudy = "U0MALLORY1", "U00TRUDY01"
	ws.AddUser(slacktest.User{ID: mallory, RealName: "Mallory " + hostile})
	ws.AddUser(slacktest.User{ID: trudy, RealName: hostile + " Trudy"})

	// An admin lists an organisation with a hostile name.
	// What the admin typed, as Slack sends an escaped command's text:
	// "&", "<" and ">" as entities, so that markup typed is not markup.
	h.reply(admin, "admin practices add "+strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(hostile))
	if got := h.reply(admin, "admin practices list"); !strings.Contains(got, "&lt;!channel&gt;") {
		t.Errorf("the list does not show the name as text: %s", got)
	}

	profile := func(org map[string]any) map[string]any {
		p := map[string]any{
			"sector": "gp_practice", "role": "practice_nurse", "career_stage": "established",
			"interests": []string{"Cycling"}, "interests_other": hostileTopic,
			"offers_other": hostileOffer, "asks_other": hostileAsk,
			"frequency": "weekly", "mentoring": "mentor", "meeting": "either", "bio": hostile + " bio",
		}
		for k, v := range org {
			p[k] = v
		}
		return p
	}
	for user, org := range map[string]map[string]any{
		mallory: {"organisation": hostile},
		trudy:   {"organisation": bot.OtherOrganisation, "organisation_other": "Trudy's " + hostile},
	} {
		form := h.openProfile(user)
		if errs := fieldErrors(t, h.submit(user, form, profile(org))); errs != nil {
			t.Fatalf("%s's profile refused: %v", user, errs)
		}
		h.waitDMs(user, 1)
		h.openProfile(user) // the form again, filled with what they saved
		for _, cmd := range []string{"status", "pause 2 weeks", "resume", "resume", "help", "leave", "frobnicate <!channel>", "pause until <!channel>", "export"} {
			h.command(user, cmd)
		}
	}
	h.waitDMs(mallory, 3) // the welcome, the export's introduction and the export

	// A round introduces them to the others, who all work at Riverside
	// Surgery.
	h.command(admin, "admin preview")
	h.waitEphemeral(admin, "Preview of the round")
	// The start-up catch-up has had this period's round already.
	h.command(admin, "admin run-now --force")
	confirm := h.waitEphemeral(admin, "it runs even if")
	if _, err := ws.ClickButton(h.ctx(), admin, confirm.Channel, confirm.MessageTS, "rounds_run_confirm", ""); err != nil {
		t.Fatal(err)
	}
	h.waitEphemeral(admin, "is under way")
	posts := h.waitIntros(2, 20*time.Second)
	for _, calls := range posts {
		c := calls[0]
		if !strings.Contains(c.Params["blocks"], "<@"+mallory+">") {
			continue
		}
		var ts string
		_ = json.Unmarshal(c.Response, &struct {
			TS *string `json:"ts"`
		}{&ts})
		if _, err := ws.ClickButton(h.ctx(), mallory, c.Params["channel"], ts, "intro_block", ""); err != nil {
			t.Fatal(err)
		}
		h.waitEphemeral(mallory, "We won't introduce you to")
	}
	h.command(admin, "admin stats")
	h.waitEphemeral(admin, "Rapport in numbers")

	// Mallory hosts a meetup whose every word is hostile.
	h.meetup(mallory, "")
	form := h.waitForm(mallory, "meetup_create")
	values := meetupValues()
	delete(values, "roles")
	values["title"], values["purpose"], values["place"], values["capacity"] = hostile, hostile, hostile, "1"
	values["link"] = "https://meet.example.org/x?a=1&b=2"
	if errs := fieldErrors(t, h.submit(mallory, form, values)); errs != nil {
		t.Fatalf("meetup refused: %v", errs)
	}
	ann := h.announcement(contains("Going"))
	h.waitDM(mallory, "is announced")
	var id int64
	for _, m := range ws.DMs(mallory) {
		if s := meetupNumber.FindStringSubmatch(m.Text); s != nil {
			id, _ = strconv.ParseInt(s[1], 10, 64)
		}
	}
	h.click(bob, meetupChannel, ann.TS, "meetup_going", "")
	h.click(carol, meetupChannel, ann.TS, "meetup_going", "") // the waiting list
	h.click(carol, meetupChannel, ann.TS, "meetup_going", "")
	h.click(dave, meetupChannel, ann.TS, "meetup_maybe", "")
	if got := h.click(bob, meetupChannel, ann.TS, "meetup_manage", ""); !strings.Contains(got, "Only the host of") {
		t.Errorf("bob managing: %q", got)
	}
	h.click(mallory, meetupChannel, ann.TS, "meetup_manage", "")
	h.meetup(bob, "list")
	h.meetup(bob, "mine")
	h.meetup(mallory, "mine")
	h.meetup(mallory, "edit "+strconv.FormatInt(id, 10))
	edit := h.waitForm(mallory, "meetup_edit")
	if errs := fieldErrors(t, h.submit(mallory, edit, map[string]any{"place": hostile + " (moved)"})); errs != nil {
		t.Fatalf("edit refused: %v", errs)
	}
	h.waitDM(bob, "The host has changed")
	h.click(bob, meetupChannel, ann.TS, "meetup_not_going", "")
	h.waitDM(carol, "a place has opened up")
	h.meetup(mallory, "cancel "+strconv.FormatInt(id, 10))
	cancel := h.waitEphemeral(mallory, "Everyone who answered")
	if _, err := ws.ClickButton(h.ctx(), mallory, cancel.Channel, cancel.MessageTS, "meetup_cancel", strconv.FormatInt(id, 10)); err != nil {
		t.Fatal(err)
	}
	h.waitDM(carol, "has been cancelled")
	for _, m := range ws.DMs(carol) {
		if strings.Contains(m.Text, "a place has opened up") {
			if got := h.click(carol, m.Channel, m.TS, "meetup_not_going", ""); !strings.Contains(got, "has been cancelled") {
				t.Errorf("answering a cancelled meetup: %q", got)
			}
		}
	}

	sent := sentMrkdwn(t, ws)
	escaped := 0
	for where, texts := range sent {
		for _, s := range texts {
			if p := markupProblem(s); p != "" {
				t.Errorf("%s carries %s:\n%s", where, p, s)
			}
			escaped += strings.Count(s, "&lt;!channel&gt;")
		}
	}
	// The test means something only if the hostile text was shown.
	for _, where := range []string{"chat.postMessage", "chat.update", "response_url", "ack"} {
		found := false
		for _, s := range sent[where] {
			found = found || strings.Contains(s, "&lt;")
		}
		if !found {
			t.Errorf("no member text reached %s, so it was not checked there", where)
		}
	}
	if escaped < 20 {
		t.Errorf("member text shown escaped only %d times", escaped)
	}
}
