package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// nextMonday is a schedule of rounds on Mondays at 09:00 UTC.
func nextMonday(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, time.UTC)
	for !d.After(t) || d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// homeNetwork is a whole core on db, with rounds on Mondays, the admin
// pages at publicURL ("" for none), adminID its one admin, and Priya
// (listed in the directory) and Tom as members.
func homeNetwork(t *testing.T, db *storage.DB, clock *time.Time, publicURL string) *bot.Core {
	t.Helper()
	ctx := context.Background()
	core := bot.NewCore(bot.Network{
		Store: db, Now: func() time.Time { return *clock }, NextRound: nextMonday, PublicURL: publicURL,
		IsAdmin: func(u bot.User) bool { return u.ID == adminID },
	})
	core.Delivery.Platforms = map[string]bot.Deliverer{"slack": &dmBox{}}
	priya := bottest.Member(t, bottest.UserID(priyaID), bottest.Name("Priya Shah"), bottest.Org("Riverside <b>Surgery</b> & *Co*"),
		bottest.Role("practice_nurse"), bottest.Offers("Diabetes"), bottest.Asks("Social prescribing"), bottest.Frequency("fortnightly"))
	priya.Profile.Listed = true
	tom := bottest.Member(t, bottest.UserID(tomID), bottest.Name("Tom Reid"), bottest.Org("Northfield Pharmacy"))
	admin := bottest.Member(t, bottest.UserID(adminID), bottest.Name("Ada Admin"), bottest.Org("Hillside Physio"))
	for _, m := range []*bot.Member{priya, tom, admin} {
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return core
}

// buttonActions are the actions of a message's buttons, by label.
func buttonActions(m *bot.Message) map[string]string {
	out := map[string]string{}
	for _, s := range m.Sections {
		for _, b := range s.Buttons {
			out[b.Label] = b.Action
		}
	}
	return out
}

func readsAll(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// A member's home says where they stand: their profile in short, whether
// they are listed, the next round as their pace allows, their latest
// intros and what they can do; "status" says the same.
func TestHomeShowsAMemberWhereTheyStand(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) // a Monday
			core := homeNetwork(t, db, &clock, "https://rapport.example.nhs.uk")
			if !introduced(t, core, db, clock, priyaID, tomID) {
				t.Skip("the round did not introduce Priya to Tom")
			}
			clock = clock.Add(2 * time.Hour)

			home := core.Chat.Home(ctx, user(priyaID))
			got := bot.PlainText(home)
			readsAll(t, "Priya's home", got,
				"Organisation: Riverside <b>Surgery</b> & *Co*",
				"Role: Practice nurse",
				"Can help with: Diabetes",
				"Would like to learn about: Social prescribing",
				"Introductions: every two weeks",
				"You are taking part in introductions.",
				// Fortnightly, introduced today: not next Monday, the one after.
				"The next round you can be part of is on Monday 15 June at 09:00.",
				"Your recent introductions\n• 1 Jun: Tom Reid",
				"(no answer yet)",
			)
			// Whether she is listed is as the database keeps it.
			if m, err := db.FindMember(ctx, "slack", priyaID); err != nil {
				t.Fatal(err)
			} else if want := map[bool]string{true: "Directory: listed, so members can find you", false: "Directory: not listed"}[m.Profile.Listed]; !strings.Contains(got, want) {
				t.Errorf("Priya's home lacks %q:\n%s", want, got)
			}
			want := map[string]string{"Edit profile": bot.ActionProfileOpen, "Pause": bot.ActionHomePause, "Find someone": bot.ActionDirectoryFind}
			if b := buttonActions(home); len(b) != len(want) || b["Edit profile"] != want["Edit profile"] || b["Pause"] != want["Pause"] || b["Find someone"] != want["Find someone"] {
				t.Errorf("Priya's buttons: %v, want %v", b, want)
			}
			// What she typed is data: one plain span, never markup.
			for _, s := range home.Sections {
				for _, f := range s.Fields {
					if f.Label == "Organisation" && (len(f.Value) != 1 || f.Value[0] != (bot.Span{Text: "Riverside <b>Surgery</b> & *Co*"})) {
						t.Errorf("organisation spans: %+v", f.Value)
					}
				}
			}

			if s := say(t, core, priyaID, "status"); s != got {
				t.Errorf("status differs from the home:\n%s\n--- home\n%s", s, got)
			}
			if got := bot.PlainText(core.Chat.Home(ctx, user(tomID))); !strings.Contains(got, "Directory: not listed") || !strings.Contains(got, "• 1 Jun: Priya Shah") {
				t.Errorf("Tom's home:\n%s", got)
			}
		})
	}
}

// The home's Pause button pauses until the member resumes, as "pause" on
// its own does; the fresh home then offers Resume, which undoes it.
func TestHomePauseThenResume(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
			core := homeNetwork(t, db, &clock, "")

			r := core.Chat.Action(ctx, user(tomID), bot.ActionHomePause, "pause")
			if r == nil || !r.Replace || r.Answer == nil {
				t.Fatalf("pause from the home: %+v; want the home in place of the old one", r)
			}
			got := bot.PlainText(r.Answer)
			readsAll(t, "the home after Pause", got, "Done: you're paused until you resume.", "You are paused until you resume with /introduce-me resume.", "[Resume]")
			if strings.Contains(got, "[Pause]") || strings.Contains(got, "next round") {
				t.Errorf("a paused member is offered Pause or a round:\n%s", got)
			}
			m, err := db.FindMember(ctx, "slack", tomID)
			if err != nil || !m.Paused || m.PausedUntil != nil {
				t.Fatalf("Tom after Pause: %+v, %v; want paused until he resumes", m, err)
			}
			if b := buttonActions(core.Chat.Home(ctx, user(tomID))); b["Resume"] != bot.ActionHomeResume {
				t.Errorf("a paused member's buttons: %v", b)
			}
			if got := say(t, core, tomID, "status"); !strings.Contains(got, "You are paused until you resume") {
				t.Errorf("status while paused: %q", got)
			}

			s := press(t, core, tomID, bot.ActionHomeResume, "resume")
			readsAll(t, "the home after Resume", s.answer, "Welcome back: you're taking part in introductions again.", "You are taking part", "The next round you can be part of is on Monday 8 June at 09:00.", "[Pause]")
			if !s.replaced {
				t.Error("Resume did not replace the home")
			}
			if m, _ := db.FindMember(ctx, "slack", tomID); m.Paused {
				t.Error("Tom is still paused after Resume")
			}
			if s := press(t, core, tomID, bot.ActionHomeResume, "resume"); !strings.Contains(s.answer, "You're not paused: you're already taking part") {
				t.Errorf("Resume when not paused: %q", s.answer)
			}

			// A pause with an end says until when.
			say(t, core, tomID, "pause until 2026-07-01")
			if got := bot.PlainText(core.Chat.Home(ctx, user(tomID))); !strings.Contains(got, "You are paused until Wednesday 1 July 2026.") {
				t.Errorf("home while paused until a date:\n%s", got)
			}

			// Someone who has not joined, pressing a forged Pause.
			if s := press(t, core, guestID, bot.ActionHomePause, "pause"); !strings.Contains(s.answer, "haven't joined") {
				t.Errorf("a stranger's Pause: %q", s.answer)
			}
		})
	}
}

// An admin's home offers the admin pages when they can be signed into,
// and pressing it sends the one-time link; a member who forges the button
// gets nothing.
func TestHomeAdminPages(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
			core := homeNetwork(t, db, &clock, "https://rapport.example.nhs.uk")

			home := core.Chat.Home(ctx, user(adminID))
			if b := buttonActions(home); b["Admin pages"] != bot.ActionAdminDashboard {
				t.Fatalf("the admin's buttons: %v", b)
			}
			if b := buttonActions(core.Chat.Home(ctx, user(tomID))); b["Admin pages"] != "" {
				t.Errorf("a member is offered the admin pages: %v", b)
			}
			s := press(t, core, adminID, bot.ActionAdminDashboard, "dashboard")
			if len(s.dms) != 1 || !strings.Contains(s.answer, "direct message") {
				t.Fatalf("Admin pages: answer %q, DMs %q; want the link in one DM", s.answer, s.dms)
			}
			r := core.Chat.Action(ctx, user(adminID), bot.ActionAdminDashboard, "dashboard")
			if token := linkToken(t, r); token == "" {
				t.Fatal("no sign-in link")
			}

			forged := press(t, core, tomID, bot.ActionAdminDashboard, "dashboard")
			if len(forged.dms) != 0 || !strings.Contains(forged.answer, "Only network admins") {
				t.Errorf("a member pressed Admin pages: answer %q, DMs %q", forged.answer, forged.dms)
			}

			// No public address: no links, so no button.
			noPages := homeNetwork(t, storagetest.MustOpenDB(t, target), &clock, "")
			if b := buttonActions(noPages.Chat.Home(ctx, user(adminID))); b["Admin pages"] != "" {
				t.Errorf("the admin pages are offered without an address: %v", b)
			}
		})
	}
}

// Someone who has not joined, or has left, is told what Rapport is and
// can join; those who were introduced to a member who left see "a member
// who has left".
func TestHomeOfSomeoneWhoHasNotJoined(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core := homeNetwork(t, db, &clock, "https://rapport.example.nhs.uk")

			stranger := func(id string) {
				t.Helper()
				home := core.Chat.Home(ctx, user(id))
				got := bot.PlainText(home)
				readsAll(t, "a stranger's home", got, "Welcome to Rapport", "Rapport introduces you to people across the practices", "[Join Rapport]")
				if b := buttonActions(home); len(b) != 1 || b["Join Rapport"] != bot.ActionProfileOpen {
					t.Errorf("a stranger's buttons: %v", b)
				}
				if s := say(t, core, id, "status"); s != "Welcome to Rapport\nYou haven't joined yet."+strings.TrimPrefix(got, "Welcome to Rapport") {
					t.Errorf("a stranger's status is not their home after \"You haven't joined yet.\": %q", s)
				}
				if s := press(t, core, id, bot.ActionProfileOpen, "join"); s.form == nil || s.form.ID != bot.ProfileFormID || len(s.form.Inputs) == 0 {
					t.Errorf("Join did not open the profile form: %+v", s)
				}
			}
			stranger(guestID)

			if !introduced(t, core, db, clock, priyaID, tomID) {
				t.Skip("the round did not introduce Priya to Tom")
			}
			// The intros go out, so they stay in Tom's history.
			deliverUntil(t, core, func() bool {
				recent, err := core.Rounds.History(ctx, &bot.Member{ID: memberID(t, db, tomID)}, 5)
				return err == nil && len(recent) == 1 && recent[0].Status == bot.IntroSent
			})
			if s := press(t, core, priyaID, bot.ActionLeaveConfirm, "leave"); !strings.Contains(s.answer, "erased") {
				t.Fatalf("leave: %q", s.answer)
			}
			stranger(priyaID)
			got := bot.PlainText(core.Chat.Home(ctx, user(tomID)))
			if !strings.Contains(got, "• 1 Jun: "+bot.LeftMemberName) || strings.Contains(got, "Priya") {
				t.Errorf("Tom's home after Priya left:\n%s", got)
			}
		})
	}
}

// failingStore is a database that fails with err (one that cannot be
// reached when err is nil).
type failingStore struct {
	bot.Store
	err error
}

func (s failingStore) FindMember(context.Context, string, string) (*bot.Member, error) {
	if s.err != nil {
		return nil, s.err
	}
	return nil, errors.New("connection refused")
}

// A database that fails gives a short, kind answer, not an error's text.
func TestHomeWhenTheDatabaseFails(t *testing.T) {
	c := &bot.Chat{Service: &bot.Service{Store: failingStore{}}}
	got := bot.PlainText(c.Home(context.Background(), user(tomID)))
	if got != "Sorry, I couldn't load your Rapport summary just now. Please try again in a minute." {
		t.Errorf("home on a failing database: %q", got)
	}
	if s := carry(t, c.Command(context.Background(), user(tomID), bot.CommandName, "status")); s.answer != got {
		t.Errorf("status on a failing database: %q", s.answer)
	}
	slow := &bot.Chat{Service: &bot.Service{Store: failingStore{err: context.DeadlineExceeded}}}
	if got := bot.PlainText(slow.Home(context.Background(), user(tomID))); got != bot.SlowMessage {
		t.Errorf("home on a slow database: %q", got)
	}
}

// Words typed to the bot in its Messages tab: a command runs, anything
// else gets a friendly answer saying what to type, never silence.
func TestTypedWords(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
			core := homeNetwork(t, db, &clock, "")
			typed := func(id, text string) seen {
				t.Helper()
				return carry(t, core.Chat.Typed(ctx, user(id), text))
			}
			command := func(id, command, text string) seen {
				t.Helper()
				return carry(t, core.Chat.Command(ctx, user(id), command, text))
			}

			for _, text := range []string{"hello", "Hi there!", "hey", "", "thanks", "what is this?", "paws"} {
				got := typed(tomID, text).answer
				if strings.Contains(got, "I don't know the command") || !strings.Contains(got, "/introduce-me status") || !strings.Contains(got, "/introduce-me find diabetes") {
					t.Errorf("typed %q: %q", text, got)
				}
			}
			readsAll(t, "hello", typed(tomID, "hello").answer, "Hello! I'm Rapport")
			readsAll(t, "thanks", typed(tomID, "Thanks!").answer, "You're welcome!")
			readsAll(t, "paws", typed(tomID, "paws").answer, "Did you mean /introduce-me pause?")

			if got, want := typed(tomID, "status").answer, bot.PlainText(core.Chat.Home(ctx, user(tomID))); got != want {
				t.Errorf("typed status:\n%s\n--- want the home\n%s", got, want)
			}
			if got, want := typed(tomID, "find x"), command(tomID, bot.CommandName, "find x"); got.answer != want.answer || got.answer == "" {
				t.Errorf("typed find x: %q, want %q", got.answer, want.answer)
			}
			if got, want := typed(tomID, "meetup list"), command(tomID, bot.MeetupCommandName, "list"); got.answer != want.answer {
				t.Errorf("typed meetup list: %q, want %q", got.answer, want.answer)
			}
			if got := typed(tomID, "/introduce-me pause 2 weeks").answer; !strings.Contains(got, "Done: you're paused until Tuesday 16 June 2026") {
				t.Errorf("typed /introduce-me pause 2 weeks: %q", got)
			}
			if got := typed(tomID, "Resume").answer; !strings.Contains(got, "Welcome back") {
				t.Errorf("typed Resume: %q", got)
			}
			// A form cannot open from a message: the home's buttons can.
			r := core.Chat.Typed(ctx, user(tomID), "introduce-me")
			if r == nil || r.Form != nil || r.Answer == nil || buttonActions(r.Answer)["Edit profile"] != bot.ActionProfileOpen {
				t.Fatalf("typed introduce-me: %+v", r)
			}
			readsAll(t, "typed introduce-me", bot.PlainText(r.Answer), "I can't open a form from a message", "/introduce-me")
			if r := core.Chat.Typed(ctx, user(guestID), "introduce-me"); r == nil || buttonActions(r.Answer)["Join Rapport"] != bot.ActionProfileOpen {
				t.Errorf("a stranger typed introduce-me: %+v", r)
			}
		})
	}
}
