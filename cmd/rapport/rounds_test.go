package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

var (
	seedOrgs    = []string{"Riverside Surgery", "Hillview Medical Centre", "Northfield Pharmacy", "Brook Lane Practice", "Eastgate Housing", "Oak Tree School", "Parkside Surgery"}
	seedSectors = []string{"gp_practice", "gp_practice", "community_pharmacy", "gp_practice", "housing", "education_training", "gp_practice"}
	seedRoles   = []string{"gp_partner", "practice_nurse", "clinical_pharmacist", "practice_manager", "other", "other", "salaried_gp"}
)

// seedMembers stores n members straight into the target database (as if
// they had joined: their profiles go through the profile form's
// validation) and adds them to the workspace. Member i works at
// organisation i mod 7.
func seedMembers(t testing.TB, ws *slacktest.Workspace, target storagetest.Target, n int) []bot.Member {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, target.URL, target.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	topics := append(append([]string{}, bot.ClinicalTopics...), bot.WorkTopics...)
	var out []bot.Member
	for i := range n {
		o := i % len(seedOrgs)
		m := bottest.Member(t, bottest.UserID(fmt.Sprintf("U%07dX", i)), bottest.Name(fmt.Sprintf("Member%d Surname", i)),
			bottest.Org(seedOrgs[o]), bottest.Sector(seedSectors[o]), bottest.Role(seedRoles[o]),
			bottest.Interests(topics[i%len(topics)], "Cycling"), bottest.Offers(topics[(i+3)%len(topics)]),
			bottest.Asks(topics[(i+5)%len(topics)]), bottest.Bio(fmt.Sprintf("Bio of member %d <!here>", i)))
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		ws.AddUser(slacktest.User{ID: m.UserID, RealName: m.Name})
		out = append(out, *m)
	}
	return out
}

// introPosts returns the successful intro posts, by intro ID.
func introPosts(ws *slacktest.Workspace) map[string][]slacktest.Call {
	out := map[string][]slacktest.Call{}
	for _, c := range ws.CallsTo("chat.postMessage") {
		if !c.OK() || !strings.Contains(c.Params["metadata"], "rapport_intro") {
			continue
		}
		var md struct {
			EventPayload struct {
				IntroID string `json:"intro_id"`
			} `json:"event_payload"`
		}
		_ = json.Unmarshal([]byte(c.Params["metadata"]), &md)
		out[md.EventPayload.IntroID] = append(out[md.EventPayload.IntroID], c)
	}
	return out
}

func (h *harness) waitIntros(n int, within time.Duration) map[string][]slacktest.Call {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := h.ws.Wait(ctx, func() bool { return len(introPosts(h.ws)) >= n }); err != nil {
		h.t.Fatalf("%d of %d intros delivered: %v", len(introPosts(h.ws)), n, err)
	}
	return introPosts(h.ws)
}

// waitLog waits until the bot has logged a line containing want.
func (h *harness) waitLog(want string) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(h.log.String(), want) {
		if time.Now().After(deadline) {
			h.t.Fatalf("the log never said %q:\n%s", want, h.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lastResponse waits for a private answer to user containing want.
func (h *harness) waitEphemeral(user, want string) slacktest.EphemeralMessage {
	h.t.Helper()
	var got slacktest.EphemeralMessage
	err := h.ws.Wait(h.ctx(), func() bool {
		for _, e := range h.ws.Ephemerals(user) {
			if strings.Contains(e.Text+blockText(h.t, e.Blocks), want) {
				got = e
				return true
			}
		}
		return false
	})
	if err != nil {
		var seen []string
		for _, e := range h.ws.Ephemerals(user) {
			seen = append(seen, e.Text)
		}
		h.t.Fatalf("no private answer containing %q; saw %q", want, seen)
	}
	return got
}

func TestRoundEndToEnd(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ws := slacktest.New(slacktest.WithPingInterval(500 * time.Millisecond))
			t.Cleanup(ws.Close)
			// Members join after the bot starts, so its catch-up finds
			// nobody and the admin runs the round.
			h := startServeOn(t, ws, target, map[string]string{"RAPPORT_FOLLOW_UP_AFTER": "5s"})
			h.waitLog("why=catch-up")
			members := seedMembers(t, ws, target, 9)

			// The admin previews: nothing is stored or sent.
			h.command(admin, "admin preview")
			h.waitEphemeral(admin, "9* members would take part, in *4* introductions (1 a trio")
			if n := len(introPosts(ws)); n != 0 {
				t.Fatalf("preview sent %d intros", n)
			}

			// run-now asks first, then runs.
			h.command(admin, "admin run-now")
			confirm := h.waitEphemeral(admin, "Run a round of introductions now?")
			if _, err := ws.ClickButton(h.ctx(), admin, confirm.Channel, confirm.MessageTS, "rounds_run_confirm", ""); err != nil {
				t.Fatal(err)
			}
			h.waitEphemeral(admin, "Round 1 is under way: 4 introductions for 9 members")
			posts := h.waitIntros(4, 20*time.Second)

			// Everyone is in exactly one intro, never with a colleague, and
			// the message escapes what people wrote.
			seen := map[string]int{}
			var anIntro slacktest.Call
			for id, calls := range posts {
				if len(calls) != 1 {
					t.Errorf("intro %s posted %d times", id, len(calls))
				}
				c := calls[0]
				text := blockText(t, json.RawMessage(c.Params["blocks"]))
				if strings.Contains(text, "<!here>") || !strings.Contains(text, "&lt;!here&gt;") {
					t.Errorf("intro does not escape bios: %s", text)
				}
				for _, want := range []string{"Meet ", "Why we introduced you", "A first question", "would you start?"} {
					if !strings.Contains(text, want) {
						t.Errorf("intro lacks %q", want)
					}
				}
				orgs := map[string]bool{}
				for _, m := range members {
					if strings.Contains(text, "(<@"+m.UserID+">)") {
						seen[m.UserID]++
						if orgs[m.Profile.Organisation] {
							t.Errorf("two members of %s introduced", m.Profile.Organisation)
						}
						orgs[m.Profile.Organisation] = true
					}
				}
				// A pair, whose "Not a good match" blocks the other at
				// once (a trio's asks which of them).
				if len(orgs) == 2 {
					anIntro = c
				}
			}
			if anIntro.Params == nil {
				t.Fatal("no intro of two among the four")
			}
			for _, m := range members {
				if seen[m.UserID] != 1 {
					t.Errorf("%s is in %d intros, want 1", m.UserID, seen[m.UserID])
				}
			}

			// The same period does not run twice.
			h.command(admin, "admin run-now")
			confirms := ws.Ephemerals(admin)
			again := confirms[len(confirms)-1]
			if _, err := ws.ClickButton(h.ctx(), admin, again.Channel, again.MessageTS, "rounds_run_confirm", ""); err != nil {
				t.Fatal(err)
			}
			h.waitEphemeral(admin, "already run")

			// A member says they have arranged to meet: no "did you meet?"
			// for them. Another says "not a good match".
			introChannel := anIntro.Params["channel"]
			var introTS string
			_ = json.Unmarshal(anIntro.Response, &struct {
				TS *string `json:"ts"`
			}{&introTS})
			var inIntro []string
			for _, m := range members {
				if strings.Contains(blockText(t, json.RawMessage(anIntro.Params["blocks"])), "("+"<@"+m.UserID+">)") {
					inIntro = append(inIntro, m.UserID)
				}
			}
			if len(inIntro) < 2 {
				t.Fatalf("could not find the intro's members")
			}
			arranged, blocker := inIntro[0], inIntro[1]
			if _, err := ws.ClickButton(h.ctx(), arranged, introChannel, introTS, "intro_arranged", ""); err != nil {
				t.Fatal(err)
			}
			h.waitEphemeral(arranged, "enjoy meeting")
			if _, err := ws.ClickButton(h.ctx(), blocker, introChannel, introTS, "intro_block", ""); err != nil {
				t.Fatal(err)
			}
			h.waitEphemeral(blocker, "We won't introduce you to")

			// Follow-ups reach everyone else after the configured delay.
			var others []string
			for _, m := range members {
				if m.UserID != arranged {
					others = append(others, m.UserID)
				}
			}
			err := ws.Wait(h.ctx(), func() bool {
				for _, u := range others {
					if !hasDM(ws, u, "Did you meet") {
						return false
					}
				}
				return true
			})
			if err != nil {
				t.Fatalf("follow-ups did not all arrive: %v", err)
			}
			time.Sleep(500 * time.Millisecond)
			if hasDM(ws, arranged, "Did you meet") {
				t.Errorf("%s said they had arranged to meet but was asked anyway", arranged)
			}

			// "Not yet" asks once more; "Yes" is recorded.
			notYet := others[len(others)-1]
			dm := lastDM(ws, notYet)
			if _, err := ws.ClickButton(h.ctx(), notYet, dm.Channel, dm.TS, "followup_not_yet", ""); err != nil {
				t.Fatal(err)
			}
			if err := ws.Wait(h.ctx(), func() bool { return hasDM(ws, notYet, "Still hoping to meet") }); err != nil {
				var texts []string
				for _, m := range ws.DMs(notYet) {
					texts = append(texts, m.Text)
				}
				t.Fatalf("no second ask after not yet: %v; DMs: %q; log:\n%s", err, texts, grepLines(h.log.String(), "level=WARN", "level=ERROR"))
			}
			dm = lastDM(ws, notYet)
			if _, err := ws.ClickButton(h.ctx(), notYet, dm.Channel, dm.TS, "followup_yes", ""); err != nil {
				t.Fatal(err)
			}
			if err := ws.Wait(h.ctx(), func() bool { return strings.Contains(lastDM(ws, notYet).Text, "Glad you met") }); err != nil {
				t.Fatalf("yes not acknowledged: %v", err)
			}

			// Members see their history; admins the figures.
			if got := h.reply(notYet, "status"); !strings.Contains(got, "Your recent introductions") || !strings.Contains(got, "(met)") {
				t.Errorf("status lacks the intro: %s", got)
			}
			h.command(admin, "admin stats")
			stats := h.waitEphemeral(admin, "Rapport in numbers")
			text := stats.Text + blockText(t, stats.Blocks)
			for _, want := range []string{"*9* taking part", "Rounds: *1*, introductions: *4*", "Across organisations: *100%*"} {
				if !strings.Contains(text, want) {
					t.Errorf("stats lack %q: %s", want, text)
				}
			}
		})
	}
}

func hasDM(ws *slacktest.Workspace, user, want string) bool {
	for _, m := range ws.DMs(user) {
		if strings.Contains(m.Text, want) {
			return true
		}
	}
	return false
}

func lastDM(ws *slacktest.Workspace, user string) slacktest.Message {
	dms := ws.DMs(user)
	if len(dms) == 0 {
		return slacktest.Message{}
	}
	return dms[len(dms)-1]
}

// A round missed while the bot was down runs when it starts, once.
func TestMissedRoundRunsOnStart(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ws := slacktest.New(slacktest.WithPingInterval(500 * time.Millisecond))
			t.Cleanup(ws.Close)
			seedMembers(t, ws, target, 6)
			h := startServeOn(t, ws, target, nil)
			h.waitIntros(3, 20*time.Second)

			// A restart in the same period runs nothing more.
			h2 := startServeOn(t, ws, target, nil)
			time.Sleep(time.Second)
			if n := len(introPosts(ws)); n != 3 {
				t.Errorf("after a restart, %d intros were posted, want 3", n)
			}
			h2.command(admin, "admin stats")
			h2.waitEphemeral(admin, "Rounds: *1*, introductions: *3*")
		})
	}
}

// grepLines returns the lines of s that contain any of words.
func grepLines(s string, words ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
