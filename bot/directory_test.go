package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// chatBox is a Deliverer that keeps what members read: direct messages
// by user, and group messages with who was in them.
type chatBox struct {
	mu     sync.Mutex
	dms    map[string][]*bot.Message
	groups []groupPost
	pause  bot.Pause
}

type groupPost struct {
	users []string
	text  string
}

func (b *chatBox) Pause() *bot.Pause { return &b.pause }

func (b *chatBox) PostGroup(_ context.Context, _ bot.Attempt, users []string, _ string, m *bot.Message) (string, string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.groups = append(b.groups, groupPost{users: append([]string(nil), users...), text: bot.PlainText(m)})
	return "G1", "1", nil
}

func (b *chatBox) DM(_ context.Context, _ bot.Attempt, user string, m *bot.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dms == nil {
		b.dms = map[string][]*bot.Message{}
	}
	b.dms[user] = append(b.dms[user], m)
	return nil
}

func (b *chatBox) Update(context.Context, string, string, *bot.Message) error { return nil }
func (b *chatBox) Delete(context.Context, string, string) error               { return nil }

// dmWith returns the latest DM to user whose text has want, or nil.
func (b *chatBox) dmWith(user, want string) *bot.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.dms[user]) - 1; i >= 0; i-- {
		if strings.Contains(bot.PlainText(b.dms[user][i]), want) {
			return b.dms[user][i]
		}
	}
	return nil
}

func (b *chatBox) dmTexts(user string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.dms[user] {
		out = append(out, bot.PlainText(m))
	}
	return strings.Join(out, "\n---\n")
}

func (b *chatBox) groupWith(users ...string) *groupPost {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.groups {
		all := true
		for _, u := range users {
			if !strings.Contains(strings.Join(b.groups[i].users, ","), u) {
				all = false
			}
		}
		if all {
			g := b.groups[i]
			return &g
		}
	}
	return nil
}

// buttonOf returns the first button of m with the action, or fails.
func buttonOf(t *testing.T, m *bot.Message, action string) bot.Button {
	t.Helper()
	if m == nil {
		t.Fatalf("no message with a %s button", action)
	}
	for _, s := range m.Sections {
		for _, b := range s.Buttons {
			if b.Action == action {
				return b
			}
		}
	}
	t.Fatalf("no %s button in %q", action, bot.PlainText(m))
	return bot.Button{}
}

// askButtonFor returns the "Ask for an intro" button beside name.
func askButtonFor(t *testing.T, m *bot.Message, name string) bot.Button {
	t.Helper()
	for _, s := range m.Sections {
		if strings.Contains(s.Text.Plain(), name) {
			for _, b := range s.Buttons {
				if b.Action == bot.ActionDirectoryAsk {
					return b
				}
			}
		}
	}
	t.Fatalf("no Ask button beside %s in %q", name, bot.PlainText(m))
	return bot.Button{}
}

const (
	dirAdminID = "U0DIRADM1"
)

// directoryNetwork is a whole core on db whose clock is *clock, with
// dirAdminID as its admin, delivering to a chatBox.
func directoryNetwork(t *testing.T, db *storage.DB, clock *time.Time) (*bot.Core, *chatBox) {
	t.Helper()
	core := bot.NewCore(bot.Network{Store: db, Now: func() time.Time { return *clock },
		IsAdmin: func(u bot.User) bool { return u.ID == dirAdminID }})
	box := &chatBox{}
	core.Delivery.Platforms = map[string]bot.Deliverer{"slack": box}
	return core, box
}

// joinAs saves a member from org who offers and asks what is given; a
// listed member is in the directory.
func joinAs(t *testing.T, db *storage.DB, id, name, org string, listed bool, offers []string, opts ...bottest.Option) {
	t.Helper()
	all := append([]bottest.Option{bottest.UserID(id), bottest.Name(name), bottest.Org(org), bottest.Offers(offers...)}, opts...)
	m := bottest.Member(t, all...)
	m.Profile.Listed = listed
	if err := db.SaveMember(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// find types "find topic" as id and returns the message they read.
func find(t *testing.T, core *bot.Core, id, topic string) *bot.Message {
	t.Helper()
	r := core.Chat.Command(context.Background(), user(id), bot.CommandName, "find "+topic)
	if r == nil || r.Answer == nil {
		t.Fatalf("find %s: no answer", topic)
	}
	return r.Answer
}

// inOrder fails unless the names appear in text in this order.
func inOrder(t *testing.T, text string, names ...string) {
	t.Helper()
	last := -1
	for _, n := range names {
		i := strings.Index(text, n)
		if i < 0 {
			t.Fatalf("%s is missing from:\n%s", n, text)
		}
		if i < last {
			t.Fatalf("%s is out of order (want %v) in:\n%s", n, names, text)
		}
		last = i
	}
}

// A search lists the listed members who offer the topic, best match
// first and other organisations before the asker's own; accents and
// case do not matter; the paused, the unreachable, the blocked and the
// unlisted are never listed; results are paged.
func TestDirectorySearchRanksPagesAndLeavesOut(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, _ := directoryNetwork(t, db, &clock)

			joinAs(t, db, priyaID, "Priya Shah", "Riverside Surgery", false, []string{"Frailty"})
			joinAs(t, db, "U0TOM", "Tom Reid", "Northfield Pharmacy", true, []string{"Diabetes"})
			joinAs(t, db, "U0FAY", "Fay Ahmed", "Oakwood Surgery", true, []string{"diabetes"})
			joinAs(t, db, "U0GUS", "Gus Hill", "Elm Pharmacy", true, []string{"Social prescribing", "Diabetes"})
			joinAs(t, db, "U0ANA", "Ana Silva", "Riverside Surgery", true, []string{"Diabetes"})
			joinAs(t, db, "U0CARA", "Cara Lee", "Hillside Physio", true, []string{"Diabetes care"})
			joinAs(t, db, "U0HAL", "Hal Moss", "Birch Practice", true, []string{"Diabetes care"})
			joinAs(t, db, "U0BEN", "Ben Okafor", "Hillside Physio", true, []string{"Diabetic foot care"})
			joinAs(t, db, "U0EVE", "Eve Martin", "Hillside Physio", true, []string{"Santé mentale"})
			// Never listed: paused, unreachable, blocked, not listed.
			joinAs(t, db, "U0PAUL", "Paul Paused", "Ash Surgery", true, []string{"Diabetes"})
			joinAs(t, db, "U0UNA", "Una Unreachable", "Ash Surgery", true, []string{"Diabetes"}, bottest.Status(bot.StatusInactive))
			joinAs(t, db, "U0BEA", "Bea Blocked", "Ash Surgery", true, []string{"Diabetes"})
			joinAs(t, db, "U0BOB", "Bob Blocker", "Ash Surgery", true, []string{"Diabetes"})
			joinAs(t, db, "U0NORA", "Nora Unlisted", "Ash Surgery", false, []string{"Diabetes"})
			say(t, core, "U0PAUL", "pause")
			say(t, core, priyaID, "block "+bot.MentionWord("U0BEA"))
			say(t, core, "U0BOB", "block "+bot.MentionWord(priyaID))

			page := find(t, core, priyaID, "DIABETES")
			text := bot.PlainText(page)
			// Exact matches from other organisations by name, then the
			// asker's colleague, then offers with every word.
			inOrder(t, text, "Fay Ahmed", "Gus Hill", "Tom Reid", "Ana Silva", "Cara Lee")
			for _, absent := range []string{"Hal Moss", "Ben Okafor", "Paul Paused", "Una Unreachable", "Bea Blocked", "Bob Blocker", "Nora Unlisted", "Priya Shah"} {
				if strings.Contains(text, absent) {
					t.Errorf("%s is on the first page:\n%s", absent, text)
				}
			}
			if !strings.Contains(text, "6 people found") || !strings.Contains(text, "Northfield Pharmacy") {
				t.Errorf("the page does not say how many, or where they work:\n%s", text)
			}
			// Gus's matching offer comes first.
			if !strings.Contains(text, "Can help with: Diabetes, Social prescribing") {
				t.Errorf("the matching offer is not first:\n%s", text)
			}
			// Priya is not listed herself, and is told how to be.
			if !strings.Contains(text, "List me in the directory") {
				t.Errorf("an unlisted asker is not told how to be listed:\n%s", text)
			}

			more := buttonOf(t, page, bot.ActionDirectoryMore)
			next := core.Chat.Action(ctx, user(priyaID), more.Action, more.Value)
			second := bot.PlainText(next.Answer)
			if !strings.Contains(second, "Hal Moss") || strings.Contains(second, "Fay Ahmed") {
				t.Errorf("the second page:\n%s", second)
			}
			for _, s := range next.Answer.Sections {
				for _, b := range s.Buttons {
					if b.Action == bot.ActionDirectoryMore {
						t.Errorf("the last page offers more")
					}
				}
			}

			// The start of a word, and accents.
			inOrder(t, bot.PlainText(find(t, core, priyaID, "diab")), "Ben Okafor", "Cara Lee")
			if got := bot.PlainText(find(t, core, priyaID, "sante")); !strings.Contains(got, "Eve Martin") {
				t.Errorf("find sante:\n%s", got)
			}
			if got := bot.PlainText(find(t, core, priyaID, "Santé Mentale")); !strings.Contains(got, "Eve Martin") {
				t.Errorf("find Santé Mentale:\n%s", got)
			}

			// Nothing found: other words, and how to be listed.
			none := bot.PlainText(find(t, core, priyaID, "QOF"))
			if !strings.Contains(none, "couldn't find anyone") || !strings.Contains(none, "other words") || !strings.Contains(none, "List me in the directory") {
				t.Errorf("no results:\n%s", none)
			}
			// Too many words, or none.
			if got := say(t, core, priyaID, "find one two three four five six"); !strings.Contains(got, "at most 5 words") {
				t.Errorf("six words: %q", got)
			}
			if got := say(t, core, priyaID, "find"); !strings.Contains(got, "What would you like help with") {
				t.Errorf("find alone: %q", got)
			}
			// A forged More that asks for a silly page is refused.
			if got := press(t, core, priyaID, bot.ActionDirectoryMore, "999999:diabetes").answer; !strings.Contains(got, "no longer works") {
				t.Errorf("a forged More: %q", got)
			}
			// Someone who has not joined is asked to join.
			if got := say(t, core, guestID, "find diabetes"); !strings.Contains(got, "Join first") {
				t.Errorf("a guest searched: %q", got)
			}
		})
	}
}

// The search form opens from its button and answers with the results.
func TestDirectoryFindForm(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, _ := directoryNetwork(t, db, &clock)
			joinAs(t, db, priyaID, "Priya Shah", "Riverside Surgery", true, []string{"Frailty"})
			joinAs(t, db, tomID, "Tom Reid", "Northfield Pharmacy", true, []string{"Diabetes"})

			s := press(t, core, priyaID, bot.ActionDirectoryFind, "")
			if s.form == nil || s.form.ID != bot.DirectoryFindForm {
				t.Fatalf("the button opened %+v", s.form)
			}
			if got := carry(t, core.Chat.Submit(ctx, user(priyaID), bot.DirectoryFindForm, "", bot.FormValues{bot.FieldFindTopic: {"  "}})); got.errors[bot.FieldFindTopic] == "" {
				t.Errorf("an empty topic was searched: %+v", got)
			}
			got := carry(t, core.Chat.Submit(ctx, user(priyaID), bot.DirectoryFindForm, "", bot.FormValues{bot.FieldFindTopic: {"diabète"}}))
			if len(got.errors) > 0 || !strings.Contains(got.answer, "Tom Reid") {
				t.Errorf("the form's answer: %+v", got)
			}
			// A listed asker is not told how to be listed.
			if strings.Contains(got.answer, "You are not listed") {
				t.Errorf("a listed asker was told to be listed: %q", got.answer)
			}
		})
	}
}

// The profile form has the directory tick box, off for a newcomer, and
// the profile says whether the member is listed.
func TestProfileFormListsMemberInDirectory(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, _ := directoryNetwork(t, db, &clock)
			joinAs(t, db, tomID, "Tom Reid", "Northfield Pharmacy", true, []string{"Diabetes"})

			s := carry(t, core.Chat.Command(ctx, user(priyaID), bot.CommandName, ""))
			if s.form == nil {
				t.Fatal("no profile form")
			}
			var box *bot.Input
			for i := range s.form.Inputs {
				if s.form.Inputs[i].ID == bot.FieldListed {
					box = &s.form.Inputs[i]
				}
			}
			if box == nil || len(box.Options) != 1 || box.Options[0].Label != bot.ListedLabel || len(box.Values) != 0 {
				t.Fatalf("the directory tick box: %+v", box)
			}
			m := bottest.Member(t, bottest.UserID(priyaID), bottest.Org("Riverside Surgery"), bottest.Offers("Frailty"))
			v := formValues(bot.ProfileFormFor(&bot.ProfileDraft{Form: bot.FormFromProfile(m.Profile, nil)}))
			v[bot.FieldListed] = []string{box.Options[0].Value}
			saved := carry(t, core.Chat.Submit(ctx, user(priyaID), bot.ProfileFormID, "", v))
			if len(saved.errors) > 0 {
				t.Fatalf("saving: %v", saved.errors)
			}
			if st := say(t, core, priyaID, "status"); !strings.Contains(st, "Directory: listed") {
				t.Errorf("status does not say Priya is listed:\n%s", st)
			}
			if got := bot.PlainText(find(t, core, tomID, "frailty")); !strings.Contains(got, priyaID) {
				t.Errorf("Priya, listed, is not found:\n%s", got)
			}
			// The form opens again with the box ticked; unticked, she is
			// not found.
			again := carry(t, core.Chat.Command(ctx, user(priyaID), bot.CommandName, ""))
			v = formValues(again.form)
			if len(v[bot.FieldListed]) != 1 {
				t.Fatalf("the box is not ticked on the saved profile: %v", v[bot.FieldListed])
			}
			delete(v, bot.FieldListed)
			if s := carry(t, core.Chat.Submit(ctx, user(priyaID), bot.ProfileFormID, "", v)); len(s.errors) > 0 {
				t.Fatal(s.errors)
			}
			if got := bot.PlainText(find(t, core, tomID, "frailty")); strings.Contains(got, priyaID) {
				t.Errorf("Priya, unlisted, is found:\n%s", got)
			}
			if st := say(t, core, priyaID, "status"); !strings.Contains(st, "Directory: not listed") {
				t.Errorf("status does not say Priya is not listed:\n%s", st)
			}
		})
	}
}

// admin stats shows the learning gaps: what members want to learn and
// nobody offers.
func TestAdminStatsShowsLearningGaps(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core, _ := directoryNetwork(t, db, &clock)
			joinAs(t, db, priyaID, "Priya Shah", "Riverside Surgery", false, []string{"Frailty"}, bottest.Asks("QOF", "Diabetes"))
			joinAs(t, db, tomID, "Tom Reid", "Northfield Pharmacy", false, []string{"Diabetes"}, bottest.Asks("qof"))
			joinAs(t, db, samID, "Sam Okafor", "Hillside Physio", false, nil, bottest.Asks("Falls"))

			got := say(t, core, dirAdminID, "admin stats")
			for _, want := range []string{"Learning gaps", "2 members want to learn about QOF; nobody offers it", "1 member wants to learn about falls; nobody offers it"} {
				if !strings.Contains(got, want) {
					t.Errorf("admin stats lacks %q:\n%s", want, got)
				}
			}
			if strings.Contains(got, "learn about diabetes") {
				t.Errorf("diabetes, which Tom offers, is a gap:\n%s", got)
			}
			inOrder(t, got, "QOF", "falls")
		})
	}
}
