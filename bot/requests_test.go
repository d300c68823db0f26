package bot_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// requestNetwork is a core with Priya (not listed) and Tom and Sam, who
// are listed and offer diabetes.
func requestNetwork(t *testing.T, db *storage.DB, clock *time.Time) (*bot.Core, *chatBox) {
	t.Helper()
	core, box := directoryNetwork(t, db, clock)
	joinAs(t, db, priyaID, "Priya Shah", "Riverside Surgery", false, []string{"Frailty"})
	joinAs(t, db, tomID, "Tom Reid", "Northfield Pharmacy", true, []string{"Diabetes", "Social prescribing"})
	joinAs(t, db, samID, "Sam Okafor", "Hillside Physio", true, []string{"Diabetes"})
	return core, box
}

// askFor has asker search for topic and press "Ask for an intro" beside
// name; it returns what the asker reads.
func askFor(t *testing.T, core *bot.Core, asker, topic, name string) string {
	t.Helper()
	b := askButtonFor(t, find(t, core, asker, topic), name)
	return press(t, core, asker, b.Action, b.Value).answer
}

// requestTo delivers the outbox until the person asked has the request
// from asker about topic, and returns it.
func requestTo(t *testing.T, core *bot.Core, box *chatBox, asked, want string) *bot.Message {
	t.Helper()
	deliverUntil(t, core, func() bool { return box.dmWith(asked, want) != nil })
	return box.dmWith(asked, want)
}

// Priya finds Tom and asks for an intro; Tom reads who she is and what
// about, and accepts; both are introduced in a group message with reasons
// that name the topic and a first question, which counts in their
// history. A forged press by Sam, and a second press by Tom, change
// nothing.
func TestIntroRequestAcceptedIntroducesBoth(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, box := requestNetwork(t, db, &clock)

			got := askFor(t, core, priyaID, "diabetes", "Tom Reid")
			if !strings.Contains(got, "I've asked Tom Reid") || !strings.Contains(got, "I'll tell you when they answer") {
				t.Fatalf("Priya reads %q", got)
			}
			req := requestTo(t, core, box, tomID, "would like to talk about diabetes")
			text := bot.PlainText(req)
			if !strings.Contains(text, "Priya Shah (Riverside Surgery, ") {
				t.Errorf("the request does not say who Priya is:\n%s", text)
			}
			accept := buttonOf(t, req, bot.ActionRequestAccept)
			buttonOf(t, req, bot.ActionRequestNotNow)

			// Sam presses Tom's Accept: refused, and nothing is made.
			if s := press(t, core, samID, accept.Action, accept.Value); s.replaced || !strings.Contains(s.answer, "not yours to answer") {
				t.Errorf("Sam's forged press: %+v", s)
			}
			// So does Priya, who asked.
			if s := press(t, core, priyaID, accept.Action, accept.Value); s.replaced || !strings.Contains(s.answer, "not yours to answer") {
				t.Errorf("Priya accepting her own request: %+v", s)
			}
			if s := press(t, core, tomID, accept.Action, "not-a-number"); !strings.Contains(s.answer, "not yours to answer") {
				t.Errorf("a forged value: %+v", s)
			}
			if in, err := db.RecentIntros(ctx, memberID(t, db, tomID), 5); err != nil || len(in) != 0 {
				t.Fatalf("forged presses made intros: %v, %v", in, err)
			}

			s := press(t, core, tomID, accept.Action, accept.Value)
			if !s.replaced || !strings.Contains(s.answer, "Done: I've introduced you to Priya Shah") {
				t.Fatalf("Tom reads %+v", s)
			}
			deliverUntil(t, core, func() bool { return box.groupWith(priyaID, tomID) != nil })
			g := box.groupWith(priyaID, tomID)
			for _, want := range []string{"Priya asked to talk about diabetes, which Tom can help with", "Tom, what has worked for you with diabetes?"} {
				if !strings.Contains(g.text, want) {
					t.Errorf("the intro lacks %q:\n%s", want, g.text)
				}
			}
			if strings.Contains(g.text, "have not been introduced") {
				t.Errorf("the intro says what the matcher could not know:\n%s", g.text)
			}
			for _, id := range []string{priyaID, tomID} {
				in, err := db.RecentIntros(ctx, memberID(t, db, id), 5)
				if err != nil || len(in) != 1 {
					t.Fatalf("%s's history: %v, %v", id, in, err)
				}
			}
			// A second press says so and makes nothing more.
			if s := press(t, core, tomID, accept.Action, accept.Value); !strings.Contains(s.answer, "accepted this request already") {
				t.Errorf("a second Accept: %+v", s)
			}
			notNow := buttonOf(t, req, bot.ActionRequestNotNow)
			if s := press(t, core, tomID, notNow.Action, notNow.Value); !strings.Contains(s.answer, "already") {
				t.Errorf("Not now after Accept: %+v", s)
			}
			if in, _ := db.RecentIntros(ctx, memberID(t, db, tomID), 5); len(in) != 1 {
				t.Errorf("Tom has %d intros after pressing again", len(in))
			}
			if strings.Contains(box.dmTexts(priyaID), "can't take") {
				t.Errorf("Priya was told Tom can't, after he accepted:\n%s", box.dmTexts(priyaID))
			}
		})
	}
}

// Not now tells the asker kindly, without the word "declined".
func TestIntroRequestNotNowTellsAskerKindly(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, box := requestNetwork(t, db, &clock)

			askFor(t, core, priyaID, "diabetes", "Tom Reid")
			req := requestTo(t, core, box, tomID, "would like to talk about diabetes")
			notNow := buttonOf(t, req, bot.ActionRequestNotNow)
			s := press(t, core, tomID, notNow.Action, notNow.Value)
			if !s.replaced || !strings.Contains(s.answer, "I've let Priya Shah know") {
				t.Fatalf("Tom reads %+v", s)
			}
			deliverUntil(t, core, func() bool { return box.dmWith(priyaID, "Tom Reid") != nil })
			told := bot.PlainText(box.dmWith(priyaID, "Tom Reid"))
			if !strings.Contains(told, "can't take on") || strings.Contains(strings.ToLower(told), "declin") {
				t.Errorf("Priya reads %q", told)
			}
			if in, _ := db.RecentIntros(ctx, memberID(t, db, tomID), 5); len(in) != 0 {
				t.Errorf("Not now made an intro")
			}
			// Accept after Not now changes nothing.
			accept := buttonOf(t, req, bot.ActionRequestAccept)
			if s := press(t, core, tomID, accept.Action, accept.Value); !strings.Contains(s.answer, "already") {
				t.Errorf("Accept after Not now: %+v", s)
			}
			if in, _ := db.RecentIntros(ctx, memberID(t, db, tomID), 5); len(in) != 0 {
				t.Errorf("Accept after Not now made an intro")
			}
			// Asking Tom again within 30 days is refused, with when.
			if got := askFor(t, core, priyaID, "diabetes", "Tom Reid"); !strings.Contains(got, "ask them again") {
				t.Errorf("asking Tom again: %q", got)
			}
		})
	}
}

// A member asks at most three people in seven days; the fourth is
// refused with the date they may ask again. A forged Ask for an unlisted
// member is refused.
func TestIntroRequestLimit(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, _ := requestNetwork(t, db, &clock)
			for i, name := range []string{"Ana Silva", "Ben Hill", "Cara Lee", "Dev Patel"} {
				joinAs(t, db, fmt.Sprintf("U0HELP%d", i), name, fmt.Sprintf("Practice %d", i), true, []string{"Asthma"})
			}
			for _, name := range []string{"Ana Silva", "Ben Hill", "Cara Lee"} {
				if got := askFor(t, core, priyaID, "asthma", name); !strings.Contains(got, "I've asked "+name) {
					t.Fatalf("asking %s: %q", name, got)
				}
				clock = clock.Add(time.Hour)
			}
			got := askFor(t, core, priyaID, "asthma", "Dev Patel")
			if !strings.Contains(got, "You've asked for 3 introductions") || !strings.Contains(got, "ask again") || !strings.Contains(got, "Monday 8 June") {
				t.Errorf("the fourth request: %q", got)
			}
			// A week after the first, she may ask again.
			clock = time.Date(2026, 6, 8, 9, 30, 0, 0, time.UTC)
			if got := askFor(t, core, priyaID, "asthma", "Dev Patel"); !strings.Contains(got, "I've asked Dev Patel") {
				t.Errorf("a week on: %q", got)
			}

			// Priya, unlisted, cannot be asked by a forged button.
			forged := strconv.FormatInt(memberID(t, db, priyaID), 10) + ":frailty"
			if s := press(t, core, tomID, bot.ActionDirectoryAsk, forged); strings.Contains(s.answer, "I've asked") {
				t.Errorf("an unlisted member was asked: %q", s.answer)
			}
			if s := press(t, core, tomID, bot.ActionDirectoryAsk, "x:frailty"); !strings.Contains(s.answer, "no longer works") {
				t.Errorf("a garbled Ask: %q", s.answer)
			}
		})
	}
}

// A request nobody answers lapses after 14 days at the sweep, and the
// asker is told; a late Accept then changes nothing.
func TestIntroRequestLapses(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, box := requestNetwork(t, db, &clock)

			askFor(t, core, priyaID, "diabetes", "Tom Reid")
			req := requestTo(t, core, box, tomID, "would like to talk about diabetes")

			clock = clock.Add(13 * 24 * time.Hour)
			if err := core.Sweeper.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(2 * 24 * time.Hour)
			if err := core.Sweeper.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			deliverUntil(t, core, func() bool { return box.dmWith(priyaID, "hasn't answered") != nil })
			if got := bot.PlainText(box.dmWith(priyaID, "hasn't answered")); !strings.Contains(got, "Tom Reid") || !strings.Contains(got, "14 days") {
				t.Errorf("Priya reads %q", got)
			}
			accept := buttonOf(t, req, bot.ActionRequestAccept)
			if s := press(t, core, tomID, accept.Action, accept.Value); !strings.Contains(s.answer, "lapsed") {
				t.Errorf("a late Accept: %+v", s)
			}
			if in, _ := db.RecentIntros(ctx, memberID(t, db, tomID), 5); len(in) != 0 {
				t.Errorf("a lapsed request made an intro")
			}
		})
	}
}

// Requests are in both members' exports, and leave erases them.
func TestIntroRequestsExportedAndErased(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, box := requestNetwork(t, db, &clock)

			askFor(t, core, priyaID, "diabetes", "Tom Reid")
			req := requestTo(t, core, box, tomID, "would like to talk about diabetes")
			for id, dir := range map[string]string{priyaID: bot.ExportYouAsked, tomID: bot.ExportYouWereAsked} {
				x := exportJSON(t, core, id)
				if !strings.Contains(x, `"intro_requests"`) || !strings.Contains(x, `"topic":"diabetes"`) || !strings.Contains(x, dir) {
					t.Errorf("%s's export: %s", id, x)
				}
			}
			id, _ := strconv.ParseInt(buttonOf(t, req, bot.ActionRequestAccept).Value, 10, 64)
			if err := core.Service.Leave(ctx, user(priyaID)); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindIntroRequest(ctx, id); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("the request after Priya left: %v", err)
			}
			if x := exportJSON(t, core, tomID); strings.Contains(x, `"topic":"diabetes"`) {
				t.Errorf("Tom's export still has the request: %s", x)
			}
			accept := buttonOf(t, req, bot.ActionRequestAccept)
			if s := press(t, core, tomID, accept.Action, accept.Value); strings.Contains(s.answer, "Done") {
				t.Errorf("Tom accepted a request from someone who left: %q", s.answer)
			}
		})
	}
}
