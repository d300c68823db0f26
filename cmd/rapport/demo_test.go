package main

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
)

// The README's "try it now" command works with no set-up: members join
// through the form, a round runs, and the output shows the intros they
// received and the admin's figures; then one member lists themselves in
// the directory, another finds them and asks for an intro, which they
// accept.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errs syncBuffer
	if code := run(ctx, []string{"demo", "--members", "21"}, func(string) string { return "" }, &out, &errs); code != 0 {
		t.Fatalf("demo exited with %d:\n%s\n%s", code, out.String(), errs.String())
	}
	text := out.String()
	for _, want := range []string{
		"21 members joined through /introduce-me",
		"Round 1 is under way: 10 introductions for 21 members",
		"── Introduction 10 of 10 ──",
		"Why we introduced you",
		"A first question",
		"would you start?",
		"Rapport in numbers",
		"Across organisations: 100%",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(text, "Introduction 11 of") {
		t.Errorf("more intros than members allow")
	}
	checkStory(t, text, 10)
	checkDirectoryStory(t, text)
}

// checkDirectoryStory checks the demo's directory story, after the
// round: some members are listed, one more ticks the box, another finds
// them and asks for an intro, and the person asked accepts, which
// introduces them with reasons and a first question.
func checkDirectoryStory(t *testing.T, text string) {
	t.Helper()
	_, story, ok := strings.Cut(text, "\nThe directory\n")
	if !ok {
		t.Fatalf("the demo tells no directory story:\n%s", text)
	}
	m := regexp.MustCompile(`(?m)^• (\d+) of the members ticked "List me in the directory, so members can find me by what I can help with" when they joined\.$`).FindStringSubmatch(story)
	if m == nil || m[1] == "0" {
		t.Errorf("the demo does not say that some members are listed:\n%s", story)
	}
	asked := regexp.MustCompile(`(?m)^• (.+) \(.+\) (?:opened /introduce-me|typed introduce-me), ticked the box`).FindStringSubmatch(story)
	find := regexp.MustCompile(`(?m)^• (.+) \(.+\), who wants to learn about (.+), typed (?:/introduce-me )?find (.+?)(?: to the bot)? and saw:$`).FindStringSubmatch(story)
	if asked == nil || find == nil {
		t.Fatalf("the demo does not say who listed themselves and who searched:\n%s", story)
	}
	if find[2] != find[3] {
		t.Errorf("%s wants to learn about %s but searched for %s", find[1], find[2], find[3])
	}
	results, rest, _ := strings.Cut(story[strings.Index(story, find[0]):], "pressed \"Ask for an intro\"")
	mustShow(t, "the search results", results, asked[1], "[Ask for an intro]")
	request, intro, _ := strings.Cut(rest, "pressed Accept")
	mustShow(t, "the request", request, "the bot answered: I've asked "+asked[1]+" whether they would like to talk about "+find[3],
		asked[1]+" received a ", find[1]+" (", "would like to talk about "+find[3], "[Accept]", "[Not now]")
	_, intro, ok = strings.Cut(intro, "── The introduction "+find[1]+" asked for")
	if !ok {
		t.Fatalf("the demo does not show the introduction that was asked for:\n%s", story)
	}
	mustShow(t, "the requested introduction", intro, "Meet ", asked[1], find[1], "Why we introduced you", "A first question")
}

func mustShow(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// The admin's figures arrive through the response URL after the command's
// ack, and Slack may show them before the ack's own "Gathering the
// figures…": the demo finds them whichever comes last.
func TestDemoFindsAnAnswerShownBeforeTheAck(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := slacktest.New()
	defer ws.Close()
	const admin = "U0DEMOADMN"
	ws.AddUser(slacktest.User{ID: admin, RealName: "Helen Ashworth"})
	api := slack.New(ws.BotToken(), slack.OptionAPIURL(ws.APIURL()))
	for _, text := range []string{"Earlier answer", "*Rapport in numbers*\n• Members: *2*", "Gathering the figures…"} {
		if _, err := api.PostEphemeralContext(ctx, slacktest.DefaultChannelID, admin, slack.MsgOptionText(text, false)); err != nil {
			t.Fatal(err)
		}
	}
	e, err := waitEphemeralSince(ctx, ws, admin, 1, "Rapport in numbers")
	if err != nil || !strings.Contains(e.Text, "Members: *2*") {
		t.Fatalf("found %q, %v; want the figures", e.Text, err)
	}
}

// "rapport demo --platform teams" runs the same story in Teams: members
// add the app and save the profile card, a round runs, and each member's
// intro card, with its link to start the group chat, is what they saw;
// then the directory's story, typed to the bot.
func TestDemoTeams(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errs syncBuffer
	if code := run(ctx, []string{"demo", "--platform", "teams", "--members", "21"}, func(string) string { return "" }, &out, &errs); code != 0 {
		t.Fatalf("demo exited with %d:\n%s\n%s", code, out.String(), errs.String())
	}
	text := out.String()
	for _, want := range []string{
		"21 members added Rapport in Teams",
		"Round 1 is under way: 10 introductions for 21 members",
		"each of the 21 members in them got their own card",
		"── Introduction 10 of 10, as ",
		"Why we introduced you",
		"A first question",
		"would you start?",
		"[" + bot.StartChatLabel + "]",
		"Rapport in numbers",
		"Across organisations: 100%",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(text, "Introduction 11 of") {
		t.Errorf("more intros than members allow:\n%s", text)
	}
	checkStory(t, text, 10)
	checkDirectoryStory(t, text)
	if errs.String() != "" {
		t.Errorf("the demo printed errors:\n%s", errs.String())
	}
}

// An unknown platform is a usage error that names the choices.
func TestDemoRefusesAnUnknownPlatform(t *testing.T) {
	var out, errs syncBuffer
	if code := run(context.Background(), []string{"demo", "--platform", "webex"}, func(string) string { return "" }, &out, &errs); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	if !strings.Contains(errs.String(), "slack or teams") {
		t.Errorf("the error does not name the platforms: %s", errs.String())
	}
}

// introHeading is the first line of an intro: "Meet Amara Okafor and
// Olivia Kowalski", or three names for a trio.
var introHeading = regexp.MustCompile(`(?m)^Meet (.+)$`)

// checkStory checks that the demo's output tells a true story: it shows
// every intro, none joins two people with one surname (they would look
// like relatives), nobody appears twice, and the mentoring intro it names
// is one of those shown, in the explanation's words.
func checkStory(t *testing.T, text string, intros int) {
	t.Helper()
	round, _, _ := strings.Cut(text, "\nWhat the admin saw")
	headings := introHeading.FindAllStringSubmatch(round, -1)
	if len(headings) != intros {
		t.Fatalf("the demo shows %d intros, want %d:\n%s", len(headings), intros, text)
	}
	everyone := map[string]bool{}
	for _, h := range headings {
		names := regexp.MustCompile(`, | and `).Split(h[1], -1)
		surnames := map[string]string{}
		for _, n := range names {
			if everyone[n] {
				t.Errorf("%s is in two intros, or two members share the name", n)
			}
			everyone[n] = true
			last := surname(n)
			if other, ok := surnames[last]; ok {
				t.Errorf("%q introduces %s and %s, who share a surname", h[0], other, n)
			}
			surnames[last] = n
		}
	}
	line := regexp.MustCompile(`(?m)^• .*pair.? a mentor with someone looking for one.*Introduction (\d+): (.+ is happy to mentor and .+ is looking for a mentor)\.$`).FindStringSubmatch(text)
	if line == nil {
		t.Fatalf("the demo names no mentoring intro:\n%s", text)
	}
	shown := regexp.MustCompile(`(?s)── Introduction ` + line[1] + ` of .*?(── Introduction|What the admin saw)`).FindString(text)
	if !strings.Contains(shown, line[2]) {
		t.Errorf("the demo says intro %s is a mentoring one (%q), but it reads:\n%s", line[1], line[2], shown)
	}
}

// The demo's people are plausible: each has a full name and bio of their
// own, no organisation has two people of one surname and, in a network of
// the demo's default size, nobody shares a surname at all; each offers
// and asks for topics of the form's vocabulary, never the same one; and
// mentors are established or senior, mentees in training or their first
// five years.
func TestDemoPeopleArePlausible(t *testing.T) {
	people := demoPeople(200)
	names, bios := map[string]bool{}, map[string]bool{}
	surnames := map[string]map[string]bool{}
	topics := append(slices.Clone(bot.ClinicalTopics), bot.WorkTopics...)
	for i, p := range people {
		if names[p.name] {
			t.Errorf("two members are called %s", p.name)
		}
		names[p.name] = true
		if bios[p.bio] {
			t.Errorf("two members describe themselves as %q", p.bio)
		}
		bios[p.bio] = true
		if surnames[p.org.name] == nil {
			surnames[p.org.name] = map[string]bool{}
		}
		if surnames[p.org.name][surname(p.name)] {
			t.Errorf("%s has two members called %s", p.org.name, surname(p.name))
		}
		surnames[p.org.name][surname(p.name)] = true
		if i < 60 {
			for _, q := range people[:i] {
				if surname(q.name) == surname(p.name) {
					t.Errorf("%s and %s share a surname in a network of 60", q.name, p.name)
				}
			}
		}
		if len(p.offers) == 0 || len(p.asks) == 0 {
			t.Errorf("%s offers %q and asks %q; want something of each", p.name, p.offers, p.asks)
		}
		for _, x := range append(slices.Clone(p.offers), p.asks...) {
			if !slices.Contains(topics, x) {
				t.Errorf("%s's topic %q is not in the form's vocabulary", p.name, x)
			}
		}
		for _, x := range p.offers {
			if slices.Contains(p.asks, x) {
				t.Errorf("%s both offers and asks %q", p.name, x)
			}
		}
		switch {
		case p.mentoring == "mentor" && p.stage != "established" && p.stage != "senior",
			p.mentoring == "mentee" && p.stage != "in_training" && p.stage != "first_five":
			t.Errorf("%s is a %s at career stage %s", p.name, p.mentoring, p.stage)
		}
		if label := bot.Label(bot.Roles, p.role); label == p.role {
			t.Errorf("%s's role %q is not on the form", p.name, p.role)
		}
	}
}
