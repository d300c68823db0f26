package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
)

// The README's "try it now" command works with no set-up: members join
// through the form, a round runs, and the output shows the intros they
// received and the admin's figures.
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
// intro card, with its link to start the group chat, is what they saw.
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
