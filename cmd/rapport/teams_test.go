package main

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// teamsAdmin is the network admin in the Teams tests, named in
// RAPPORT_ADMINS by user principal name.
const teamsAdmin = "helen.ashworth@nhs.net"

// teamsHarness is one running "rapport serve" with Teams set up, against
// the Teams stand-in.
type teamsHarness struct {
	t   testing.TB
	s   *teamstest.Server
	log *syncBuffer
}

// teamsEnv is the environment that points serve at the stand-in s.
func teamsEnv(s *teamstest.Server, target storagetest.Target) map[string]string {
	return map[string]string{
		"TEAMS_APP_ID":              s.AppID(),
		"TEAMS_APP_PASSWORD":        s.AppPassword(),
		"TEAMS_TENANT_ID":           s.TenantID(),
		"TEAMS_OPENID_METADATA_URL": s.MetadataURL(),
		"TEAMS_TOKEN_URL":           s.TokenURL(),
		"RAPPORT_TEAMS_ADDR":        "127.0.0.1:0",
		"DATABASE_URL":              target.URL,
		"RAPPORT_DATA_DIR":          target.DataDir,
		"RAPPORT_HTTP_ADDR":         "127.0.0.1:0",
		"RAPPORT_ADMINS":            teamsAdmin,
		"RAPPORT_LOG_LEVEL":         "debug",
	}
}

// listening finds the messaging endpoint's address in serve's log.
var listening = regexp.MustCompile(`msg="Teams messaging endpoint listening" addr=(\S+)`)

// startTeamsServe runs the real serve command with env (teamsEnv and
// more), points the stand-in at its messaging endpoint once it listens,
// and stops it when the test ends, checking that the log holds no secret.
func startTeamsServe(t testing.TB, s *teamstest.Server, env map[string]string) *teamsHarness {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, logs, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				t.Errorf("serve exited with %d; log:\n%s", code, logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not stop")
		}
		for _, secret := range teamsSecrets(t, s) {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log contains the app's password or an access token")
			}
		}
		for _, p := range s.Problems() {
			t.Errorf("Teams would not show this as meant: %s", p)
		}
	})

	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	var addr string
	err := logs.wait(wctx, func(text string) bool {
		if m := listening.FindStringSubmatch(text); m != nil {
			addr = m[1]
			return true
		}
		select {
		case <-exit:
			return true
		default:
			return false
		}
	})
	if err != nil || addr == "" {
		t.Fatalf("the Teams endpoint never listened: %v; log:\n%s", err, logs.String())
	}
	s.SetBot("http://" + addr + "/api/messages")
	return &teamsHarness{t: t, s: s, log: logs}
}

// teamsSecrets returns the app's password and every access token the
// stand-in issued.
func teamsSecrets(t testing.TB, s *teamstest.Server) []string {
	out := []string{s.AppPassword()}
	for _, r := range s.RequestsTo("token") {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(r.Response, &tok) == nil && tok.AccessToken != "" {
			out = append(out, tok.AccessToken)
		}
	}
	if len(out) == 1 {
		t.Errorf("the stand-in issued no token, so the log check proves little")
	}
	return out
}

func (h *teamsHarness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// waitFor waits for a message to u whose card text contains want, and
// returns the latest such.
func (h *teamsHarness) waitFor(u *teamstest.User, want string) teamstest.Message {
	h.t.Helper()
	var found teamstest.Message
	err := h.s.Wait(h.ctx(), func() bool {
		for _, m := range u.Messages() {
			if strings.Contains(displayedText(m), want) {
				found = m
			}
		}
		return found.ID != ""
	})
	if err != nil {
		var seen []string
		for _, m := range u.Messages() {
			seen = append(seen, displayedText(m))
		}
		h.t.Fatalf("%s never saw %q: %v; saw:\n%s", u.Name, want, err, strings.Join(seen, "\n---\n"))
	}
	return found
}

// say sends text from u in their chat with the bot and waits for an
// answer containing want.
func (h *teamsHarness) say(u *teamstest.User, text, want string) teamstest.Message {
	h.t.Helper()
	before := len(u.Messages())
	res, err := u.Say(text)
	if err != nil {
		h.t.Fatalf("%s says %q: %v", u.Name, text, err)
	}
	if res.Err != nil {
		h.t.Fatalf("%s says %q: %v", u.Name, text, res.Err)
	}
	var found teamstest.Message
	err = h.s.Wait(h.ctx(), func() bool {
		ms := u.Messages()
		for _, m := range ms[min(before, len(ms)):] {
			if strings.Contains(displayedText(m), want) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("%s said %q and got no answer with %q: %v", u.Name, text, want, err)
	}
	return found
}

// press presses a button and fails the test on an error.
func (h *teamsHarness) press(u *teamstest.User, m teamstest.Message, title string, inputs map[string]string) *teamstest.Result {
	h.t.Helper()
	res, err := u.Press(m.ID, title, inputs)
	if err != nil {
		h.t.Fatalf("%s presses %q: %v", u.Name, title, err)
	}
	if res.Err != nil {
		h.t.Fatalf("%s presses %q: %v", u.Name, title, res.Err)
	}
	return res
}

// install installs the app for u and returns the welcome.
func (h *teamsHarness) install(u *teamstest.User) teamstest.Message {
	h.t.Helper()
	res, err := u.InstallPersonal()
	if err != nil {
		h.t.Fatalf("%s installs: %v", u.Name, err)
	}
	if res.Err != nil {
		h.t.Fatalf("%s installs: %v", u.Name, res.Err)
	}
	return h.waitFor(u, "Welcome to Rapport")
}

// join installs the app for u and saves a profile through the card.
func (h *teamsHarness) join(u *teamstest.User, inputs map[string]string) {
	h.t.Helper()
	welcome := h.install(u)
	before := len(u.Messages())
	h.press(u, welcome, "Join Rapport", nil)
	var form teamstest.Message
	if err := h.s.Wait(h.ctx(), func() bool {
		ms := u.Messages()
		for _, m := range ms[min(before, len(ms)):] {
			if len(m.Inputs()) > 0 {
				form = m
				return true
			}
		}
		return false
	}); err != nil {
		h.t.Fatalf("no profile form for %s: %v", u.Name, err)
	}
	res := h.press(u, form, "Save", inputs)
	if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
		h.t.Fatalf("%s saved the form and the card shows:\n%s", u.Name, teamstest.CardText(res.Card))
	}
}

// escapedMarkdown matches a Markdown backslash escape.
var escapedMarkdown = regexp.MustCompile(`\\([[:punct:]])`)

// displayedText is a message as Teams shows it: its text and card, with
// Markdown escapes unseen.
func displayedText(m teamstest.Message) string {
	return escapedMarkdown.ReplaceAllString(m.Text()+"\n"+m.CardText(), "$1")
}

func teamsProfile(org, role, bio string) map[string]string {
	return map[string]string{
		bot.FieldOrganisation: org, bot.FieldSector: "gp_practice", bot.FieldRole: role,
		bot.FieldCareerStage: "established", bot.FieldBio: bio,
	}
}

// A member installs Rapport in Teams, is welcomed, sets up a profile
// through the card, and gets an intro card with links to start a chat
// with the other member when an admin runs a round; the log holds no
// secret and no profile text.
func TestTeamsServeEndToEnd(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			s := teamstest.New()
			t.Cleanup(s.Close)
			h := startTeamsServe(t, s, teamsEnv(s, target))
			helen := s.AddUser("Helen Ashworth", teamsAdmin)
			priya := s.AddUser("Priya Shah", "priya.shah@nhs.net")
			tom := s.AddUser("Tom Okafor", "tom.okafor@nhs.net")

			// Only an admin, by UPN, may set up the network's list.
			h.install(priya)
			h.say(priya, "introduce-me admin practices add Riverside Surgery", "Only network admins")
			h.install(helen)
			for _, name := range []string{"Riverside Surgery", "Hillview Medical Centre"} {
				h.say(helen, "/introduce-me admin practices add "+name, "Added "+name)
			}

			const priyaBio = "Nurse & <b>diabetes</b> lead, sea swimmer"
			h.join(priya, teamsProfile("Riverside Surgery", "practice_nurse", priyaBio))
			summary := h.waitFor(priya, "About you:")
			if !strings.Contains(displayedText(summary), "About you: "+priyaBio) {
				t.Errorf("the summary does not show the bio as typed:\n%s", displayedText(summary))
			}
			h.join(tom, teamsProfile("Hillview Medical Centre", "salaried_gp", "Frailty lead and cyclist"))
			h.say(tom, "introduce-me status", "Hillview Medical Centre")

			// An admin runs a round; each member gets their own intro card
			// with a link that starts a chat with the other.
			confirm := h.say(helen, "introduce-me admin run-now", "Run a round of introductions now?")
			res := h.press(helen, confirm, "Run the round now", nil)
			started := res.Shown
			if res.Card != nil {
				started += teamstest.CardText(res.Card)
			}
			if !strings.Contains(started, "Round 1 is under way") {
				h.waitFor(helen, "Round 1 is under way")
			}
			for _, c := range []struct {
				who   *teamstest.User
				other *teamstest.User
			}{{priya, tom}, {tom, priya}} {
				intro := h.waitFor(c.who, bot.StartChatLabel)
				text := displayedText(intro)
				for _, want := range []string{c.other.Name, "Why we introduced you"} {
					if !strings.Contains(text, want) {
						t.Errorf("%s's intro lacks %q:\n%s", c.who.Name, want, text)
					}
				}
				link, err := intro.Link(bot.StartChatLabel)
				if err != nil {
					t.Fatal(err)
				}
				u, err := url.Parse(link)
				if err != nil || u.Host != "teams.microsoft.com" || u.Query().Get("users") != c.other.UPN {
					t.Errorf("%s's chat link is %q, want one to teams.microsoft.com with users=%s", c.who.Name, link, c.other.UPN)
				}
				if n := countMessages(c.who, bot.StartChatLabel); n != 1 {
					t.Errorf("%s got %d intro cards, want 1", c.who.Name, n)
				}
			}
			for _, private := range []string{"diabetes", "sea swimmer", "Frailty lead"} {
				if strings.Contains(h.log.String(), private) {
					t.Errorf("the log contains profile text %q", private)
				}
			}
		})
	}
}

// countMessages counts the messages to u that show want.
func countMessages(u *teamstest.User, want string) int {
	n := 0
	for _, m := range u.Messages() {
		if strings.Contains(displayedText(m), want) {
			n++
		}
	}
	return n
}

// With neither Slack nor Teams set up, serve stops at once and says how
// to set up each.
func TestServeWithNoPlatformSaysHowToSetUpEach(t *testing.T) {
	var out, errs syncBuffer
	env := map[string]string{"RAPPORT_DATA_DIR": t.TempDir()}
	code := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, &out, &errs)
	if code == 0 {
		t.Fatalf("serve with no platform exited 0")
	}
	for _, want := range []string{"no chat platform is set up", "For Slack, set SLACK_APP_TOKEN", "SLACK_BOT_TOKEN",
		"For Teams, set TEAMS_APP_ID", "TEAMS_APP_PASSWORD or TEAMS_APP_PASSWORD_FILE", "TEAMS_TENANT_ID", "README.md"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("the error lacks %q:\n%s", want, errs.String())
		}
	}
}

// One process serves Slack and Teams: a meetup made in Slack is announced
// in Slack's channel and in the Teams channel an admin chose, and answers
// from both count against one capacity, shown alike in both.
func TestServeSlackAndTeamsShareMeetups(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			s := teamstest.New()
			t.Cleanup(s.Close)
			ws := slacktest.New(slacktest.WithPingInterval(500 * time.Millisecond))
			t.Cleanup(ws.Close)
			ws.AddChannel(meetupChannel, "pcn-meetups")
			helen := s.AddUser("Helen Ashworth", teamsAdmin)
			priya := s.AddUser("Priya Shah", "priya.shah@nhs.net")

			db := storagetest.MustOpenDB(t, target)
			for _, id := range []string{alice, bob} {
				joinNetwork(t, db, id)
			}
			m := bottest.Member(t, bottest.Platform("teams"), bottest.UserID(priya.ID), bottest.Name(priya.Name), bottest.Org("Riverside Surgery"),
				bottest.Role("salaried_gp"), bottest.CareerStage("first_five"))
			if err := db.SaveMember(context.Background(), m); err != nil {
				t.Fatal(err)
			}

			env := teamsEnv(s, target)
			env["RAPPORT_ADMINS"] = admin + "," + teamsAdmin
			env["RAPPORT_ANNOUNCE_CHANNEL"] = meetupChannel
			sh := startServeOn(t, ws, target, env)
			th := &teamsHarness{t: t, s: s, log: sh.log}
			t.Cleanup(func() {
				for _, secret := range teamsSecrets(t, s) {
					if strings.Contains(sh.log.String(), secret) {
						t.Errorf("the log contains the app's password or an access token")
					}
				}
				for _, p := range s.Problems() {
					t.Errorf("Teams would not show this as meant: %s", p)
				}
			})
			var addr string
			if err := sh.log.wait(th.ctx(), func(text string) bool {
				if m := listening.FindStringSubmatch(text); m != nil {
					addr = m[1]
				}
				return addr != ""
			}); err != nil {
				t.Fatalf("the Teams endpoint never listened: %v\n%s", err, sh.log.String())
			}
			s.SetBot("http://" + addr + "/api/messages")

			// The Teams admin adds the app to a team and chooses a channel.
			team := s.AddTeam("Northfield PCN", helen, priya)
			events := team.AddChannel("Events")
			if res, err := team.Install(""); err != nil || res.Err != nil {
				t.Fatalf("team install: %v %v", err, res)
			}
			if res, err := helen.SayIn(events, "meetups here", true); err != nil || res.Err != nil {
				t.Fatalf("meetups here: %v %v", err, res)
			}
			if err := s.Wait(th.ctx(), func() bool { return len(events.Messages()) > 0 }); err != nil {
				t.Fatalf("no answer in the channel to meetups here: %v", err)
			}

			// A meetup made in Slack, with one place.
			mh := &meetupHarness{harness: sh, db: db}
			mh.meetup(alice, "")
			form := mh.waitForm(alice, "meetup_create")
			values := meetupValues()
			values["capacity"] = "1"
			if errs := fieldErrors(t, mh.submit(alice, form, values)); errs != nil {
				t.Fatalf("meetup refused: %v", errs)
			}
			ann := mh.announcement(contains("First5 lunch &amp; learn", "0 going"))
			teamsAnnouncement := func(cond func(string) bool) teamstest.Message {
				t.Helper()
				var found teamstest.Message
				if err := s.Wait(th.ctx(), func() bool {
					for _, m := range events.Messages() {
						if text := displayedText(m); strings.Contains(text, "First5 lunch & learn") && cond(text) {
							found = m
							return true
						}
					}
					return false
				}); err != nil {
					var seen []string
					for _, m := range events.Messages() {
						seen = append(seen, displayedText(m))
					}
					t.Fatalf("the Teams announcement never matched: %v; channel:\n%s", err, strings.Join(seen, "\n---\n"))
				}
				return found
			}
			card := teamsAnnouncement(contains("0 going"))

			// Bob, in Slack, takes the place; Priya, in Teams, is waitlisted.
			if got := mh.click(bob, meetupChannel, ann.TS, "meetup_going", ""); !strings.Contains(got, "You're going") {
				t.Errorf("bob going: %q", got)
			}
			res := th.press(priya, card, "Going", nil)
			shown := res.Shown
			if res.Card != nil {
				shown += teamstest.CardText(res.Card)
			}
			if !strings.Contains(shown, "waiting list") {
				th.waitFor(priya, "waiting list")
			}
			slackText := blockText(t, mh.announcement(contains("*1 going*", "1 on the waiting list")).Blocks)
			teamsText := displayedText(teamsAnnouncement(contains("1 going", "1 on the waiting list")))
			for _, text := range []string{slackText, teamsText} {
				if strings.Contains(text, "2 going") {
					t.Errorf("two going for one place:\n%s", text)
				}
			}
			attendees, err := db.MeetupAttendees(context.Background(), meetupID(t, mh))
			if err != nil {
				t.Fatal(err)
			}
			if countStatus(attendees, bot.RSVPGoing) != 1 || countStatus(attendees, bot.RSVPWaiting) != 1 {
				t.Errorf("attendees %+v; want one going and one waiting", attendees)
			}
		})
	}
}
