package bot_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// board is a Board that keeps what was posted, as a channel would show it.
type board struct {
	mu    sync.Mutex
	posts map[string]*bot.Message // by ref
	order []string
	// refuse makes posting fail, as a private channel the bot is not in
	// does.
	refuse bool
}

func (b *board) Post(_ context.Context, channel string, m *bot.Message) (string, string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refuse {
		return "", "", errors.New("not_in_channel")
	}
	if b.posts == nil {
		b.posts = map[string]*bot.Message{}
	}
	ref := strconv.Itoa(len(b.order) + 1)
	b.posts[ref] = m
	b.order = append(b.order, ref)
	return channel, ref, nil
}

func (b *board) Update(_ context.Context, _, ref string, m *bot.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.posts[ref] = m
	return nil
}

// shown is the latest announcement, as the channel reads it.
func (b *board) shown() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.order) == 0 {
		return ""
	}
	return bot.PlainText(b.posts[b.order[len(b.order)-1]])
}

// seen is what a person saw of a reply once the platform had carried it
// out, its later work included.
type seen struct {
	answer   string // the last private answer
	replaced bool
	dms      []string
	form     *bot.Form
	errors   map[string]string
	later    bool // some of it was done after the platform was answered
}

func carry(t *testing.T, r *bot.Reply) seen {
	t.Helper()
	if r == nil {
		t.Fatal("no reply: the old path would have answered")
	}
	ctx := context.Background()
	var s seen
	for first := true; r != nil; first = false {
		if r.Answer != nil {
			s.answer, s.replaced = bot.PlainText(r.Answer), r.Replace
		}
		for _, dm := range r.DMs {
			s.dms = append(s.dms, bot.PlainText(dm))
		}
		if r.Form != nil {
			if s.form = r.Form.Ready; s.form == nil {
				s.form = r.Form.Load(ctx)
			}
		}
		if r.Errors != nil {
			s.errors = r.Errors
		}
		if r.Later == nil {
			break
		}
		if !first || r.Answer == nil {
			s.later = true
		}
		r = r.Later(ctx)
	}
	return s
}

func formValues(f *bot.Form) bot.FormValues {
	v := bot.FormValues{}
	for _, in := range f.Inputs {
		switch {
		case len(in.Values) > 0:
			v[in.ID] = in.Values
		case in.Value != "":
			v[in.ID] = []string{in.Value}
		}
	}
	return v
}

const (
	hostID  = "U0HOST001"
	bobID   = "U0BOBBY01"
	adminID = "U0ADMIN01"
	guestID = "U0GUEST01" // in the workspace, not in the network
)

func user(id string) bot.User { return bot.User{Platform: "slack", ID: id, Name: id} }

func newMeetupChat(t *testing.T, db *storage.DB, now func() time.Time, london *time.Location) (*bot.Chat, *board) {
	b := &board{}
	isAdmin := func(u bot.User) bool { return u.ID == adminID }
	m := &bot.Meetups{Store: db, Now: now, Location: london, IsAdmin: isAdmin, Boards: []bot.MeetupBoard{{Platform: "slack", Channel: "C0MEETUPS1", Board: b}}, UpdateEvery: time.Millisecond}
	return &bot.Chat{Meetups: m, Location: london, Now: now, Service: &bot.Service{IsAdmin: isAdmin}}, b
}

// The whole of /meetup as a member reads it: the form and its checks, the
// announcement, answers, the host's view, editing, list, mine and
// cancelling.
func TestMeetupConversation(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	now := func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, london) }
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			db.Now = now
			for _, id := range []string{hostID, bobID, adminID} {
				if err := db.SaveMember(ctx, bottest.Member(t, bottest.UserID(id), bottest.Name(id))); err != nil {
					t.Fatal(err)
				}
			}
			c, b := newMeetupChat(t, db, now, london)
			meetup := func(id, text string) seen { return carry(t, c.Command(ctx, user(id), bot.MeetupCommandName, text)) }
			click := func(id, action string, meetupID int64) seen {
				return carry(t, c.Action(ctx, user(id), action, strconv.FormatInt(meetupID, 10)))
			}

			// Not set up, or not a member: told so, with what to do.
			unset := &bot.Chat{Meetups: &bot.Meetups{Store: db}}
			if got := carry(t, unset.Command(ctx, user(hostID), "/meetup", "")).answer; !strings.Contains(got, "(the RAPPORT_ANNOUNCE_CHANNEL setting)") {
				t.Errorf("not set up: %q", got)
			}
			if got := meetup(guestID, "").answer; !strings.Contains(got, "Join first with /introduce-me (it takes a minute), then run /meetup again.") {
				t.Errorf("outsider: %q", got)
			}
			if got := meetup(hostID, "list").answer; got != "No meetups are coming up. Why not host one? Run /meetup to announce it." {
				t.Errorf("empty list: %q", got)
			}
			if got := meetup(hostID, "dance").answer; !strings.HasPrefix(got, "I don't know that one.\nHost a meetup for the network.") || !strings.Contains(got, "• /meetup cancel 12: cancel meetup #12") {
				t.Errorf("unknown word: %q", got)
			}
			if got := meetup(hostID, "help").answer; strings.Contains(got, "I don't know") || !strings.Contains(got, "Hosts manage theirs with ⋯ Manage.") {
				t.Errorf("help: %q", got)
			}

			// The form: checked within the answer, each problem beside its input.
			open := c.Command(ctx, user(hostID), "/meetup", "")
			if open.Answer != nil || open.Form == nil || open.Form.Title != "New meetup" || open.Form.Failed == nil {
				t.Fatalf("/meetup should open the form: %+v", open)
			}
			form := carry(t, open).form
			if form.ID != bot.MeetupCreateForm || form.Ref == "" || form.Submit != "Announce" {
				t.Fatalf("the new meetup form: %+v", form)
			}
			values := bot.FormValues{"title": {"First5 lunch & learn"}, "purpose": {"First5 group"}, "date": {"2026-06-03"},
				"start": {"12:30"}, "end": {"14:00"}, "place": {"Riverside <!channel> & Co"}, "roles": {"salaried_gp", "gp_trainee"},
				"food": {"yes"}, "capacity": {"1"}}
			bad := bot.FormValues{}
			for k, v := range values {
				bad[k] = v
			}
			bad["date"], bad["capacity"], bad["link"] = []string{"2020-01-01"}, []string{"0"}, []string{"ftp://x.org"}
			refused := c.Submit(ctx, user(hostID), form.ID, form.Ref, bad)
			if refused.Later != nil || !strings.Contains(refused.Errors["date"], "passed") || !strings.Contains(refused.Errors["capacity"], "at least 1") || !strings.Contains(refused.Errors["link"], "https://") {
				t.Errorf("refused form: %+v", refused)
			}
			if b.shown() != "" {
				t.Fatal("an invalid meetup was announced")
			}
			saved := carry(t, c.Submit(ctx, user(hostID), form.ID, form.Ref, values))
			if saved.errors != nil || !saved.later || len(saved.dms) != 1 {
				t.Fatalf("valid form: %+v", saved)
			}
			// Announce pressed again (a slow answer): nothing twice.
			if again := carry(t, c.Submit(ctx, user(hostID), form.ID, form.Ref, values)); again.errors != nil || len(again.dms) != 0 || len(b.order) != 1 {
				t.Errorf("a second press: %+v, %d posts", again, len(b.order))
			}
			ann := b.shown()
			for _, want := range []string{"📅 First5 lunch & learn", "When: Wednesday 3 June, 12:30 to 14:00", "Where: Riverside <!channel> & Co",
				"Who it's for: Salaried GP, GP trainee", "Food: provided 🍽️", "Places: 1", "Host: " + hostID, "0 going", "[Going] [Maybe] [Can't go] [⋯ Manage]"} {
				if !strings.Contains(ann, want) {
					t.Errorf("announcement lacks %q:\n%s", want, ann)
				}
			}
			mine, _ := db.MemberMeetups(ctx, "slack", hostID, now())
			if len(mine) != 1 {
				t.Fatalf("host's meetups: %+v", mine)
			}
			id := mine[0].Meetup.ID
			if want := "Your meetup First5 lunch & learn is announced in C0MEETUPS1. To see who's coming, edit it or cancel it, press ⋯ Manage on the announcement (only you and network admins can use it), or use /meetup edit " + strconv.FormatInt(id, 10); !strings.HasPrefix(saved.dms[0], want) {
				t.Errorf("host's DM: %q", saved.dms[0])
			}

			// Answers: nothing at once, the answer after, then the count.
			going := c.Action(ctx, user(bobID), bot.ActionMeetupGoing, strconv.FormatInt(id, 10))
			if going.Answer != nil || going.Later == nil {
				t.Errorf("a click should answer nothing at once: %+v", going)
			}
			if got := carry(t, going).answer; got != "You're going to First5 lunch & learn on Wednesday 3 June, 12:30 to 14:00. See you there! /meetup mine has links to add it to your calendar." {
				t.Errorf("bob going: %q", got)
			}
			if ann := b.shown(); !strings.Contains(ann, "1 going · 0 maybe · 0 can't go · 0 on the waiting list\nIt's full") {
				t.Errorf("counts after an answer:\n%s", ann)
			}
			if got := click(bobID, bot.ActionMeetupGoing, id).answer; !strings.Contains(got, "already down as going") {
				t.Errorf("bob again: %q", got)
			}
			if got := click(adminID, bot.ActionMeetupGoing, id).answer; !strings.Contains(got, "is full, so you're number 1 on the waiting list") {
				t.Errorf("admin waits: %q", got)
			}
			if got := click(guestID, bot.ActionMeetupMaybe, id).answer; !strings.Contains(got, "Join with /introduce-me") {
				t.Errorf("outsider answers: %q", got)
			}

			// The host's view: for the host and admins only.
			if got := click(bobID, bot.ActionMeetupManage, id).answer; !strings.HasPrefix(got, "Only the host of “First5 lunch & learn” or a network admin") {
				t.Errorf("bob manages: %q", got)
			}
			if got := meetup(bobID, "cancel "+strconv.FormatInt(id, 10)).answer; !strings.Contains(got, "Only the host") {
				t.Errorf("bob cancels: %q", got)
			}
			manage := click(hostID, bot.ActionMeetupManage, id).answer
			for _, want := range []string{"Going (1): " + bobID, "Waiting list (1): 1. " + adminID, "Can't go: nobody yet", "[Edit details] [Cancel meetup]"} {
				if !strings.Contains(manage, want) {
					t.Errorf("manage view lacks %q:\n%s", want, manage)
				}
			}

			// Editing: the form comes filled in, with the meetup as its Ref.
			edit := c.Action(ctx, user(hostID), bot.ActionMeetupEdit, strconv.FormatInt(id, 10))
			if edit.Form == nil || edit.Form.Title != "Edit meetup" {
				t.Fatalf("edit: %+v", edit)
			}
			ef := carry(t, edit).form
			if ef.ID != bot.MeetupEditForm || ef.Ref != strconv.FormatInt(id, 10) || !strings.Contains(bot.FormText(ef), "What it's for: First5 group") || !strings.Contains(bot.FormText(ef), "Starts at: 12:30") {
				t.Fatalf("edit form:\n%s", bot.FormText(ef))
			}
			if got := carry(t, c.Command(ctx, user(bobID), "/meetup", "edit "+strconv.FormatInt(id, 10))).form; got == nil || !strings.Contains(bot.FormText(got), "Only the host") || len(got.Inputs) != 0 {
				t.Errorf("bob's edit form: %+v", got)
			}
			ev := formValues(ef)
			ev["capacity"], ev["place"] = []string{"2"}, []string{"Hillview"}
			if edited := carry(t, c.Submit(ctx, user(hostID), ef.ID, ef.Ref, ev)); edited.errors != nil || !edited.later || len(edited.dms) != 0 {
				t.Errorf("edit saved: %+v", edited)
			}
			if ann := b.shown(); !strings.Contains(ann, "Where: Hillview") || !strings.Contains(ann, "2 going") {
				t.Errorf("announcement after the edit:\n%s", ann)
			}

			// List and mine.
			if got := meetup(bobID, "list").answer; !strings.Contains(got, "Coming up\n• #"+strconv.FormatInt(id, 10)+" First5 lunch & learn: Wednesday 3 June, 12:30 to 14:00, Hillview. 2 going of 2 places, food provided.") {
				t.Errorf("list: %q", got)
			}
			mineMsg := c.Command(ctx, user(adminID), "/meetup", "mine").Answer
			if got := bot.PlainText(mineMsg); !strings.Contains(got, "(you're going)") || !strings.Contains(got, "[Add to Google Calendar] [Add to Outlook]") || strings.Contains(got, "Manage") {
				t.Errorf("admin's mine: %q", got)
			}
			if got := meetup(hostID, "mine").answer; !strings.Contains(got, "(you're hosting)") || !strings.Contains(got, "[⋯ Manage]") {
				t.Errorf("host's mine: %q", got)
			}
			if got := click(adminID, bot.ActionMeetupCalendar+"_google", id); got.answer != "" || got.later {
				t.Errorf("a calendar link answered: %+v", got)
			}

			// Cancelling asks first; "keep" keeps it; "cancel" tells everyone.
			confirm := meetup(hostID, "cancel")
			if !strings.Contains(confirm.answer, "Cancel First5 lunch & learn on Wednesday 3 June, 12:30 to 14:00? Everyone who answered (2 going, 0 maybe, 0 waiting) will get a message saying it's off. This can't be undone.") {
				t.Errorf("confirmation: %q", confirm.answer)
			}
			if kept := click(hostID, bot.ActionMeetupKeep, id); !kept.replaced || kept.answer != "Nothing has changed: the meetup is still on." {
				t.Errorf("keep: %+v", kept)
			}
			done := click(hostID, bot.ActionMeetupCancel, id)
			if !done.replaced || done.answer != "Done: First5 lunch & learn is cancelled. I'm letting everyone who answered know." {
				t.Errorf("cancel: %+v", done)
			}
			if ann := b.shown(); !strings.HasPrefix(ann, "Cancelled: First5 lunch & learn") || strings.Contains(ann, "[Going]") {
				t.Errorf("cancelled announcement:\n%s", ann)
			}
			if again := click(adminID, bot.ActionMeetupCancel, id); !again.replaced || !strings.Contains(again.answer, "cancelled") {
				t.Errorf("cancel again: %+v", again)
			}
			if got := meetup(hostID, "list").answer; !strings.HasPrefix(got, "No meetups") {
				t.Errorf("a cancelled meetup is listed: %q", got)
			}
			if got := meetup(hostID, "edit").answer; !strings.Contains(got, "You aren't hosting an upcoming meetup. To edit another, give its number, like /meetup edit 12") {
				t.Errorf("edit with nothing hosted: %q", got)
			}
		})
	}
}

// A meetup its host could not announce, which an admin then saves, tells
// the admin and the host that it is announced, each by direct message.
func TestHostIsToldWhenAnAdminAnnouncesTheirMeetup(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	now := func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, london) }
	target := storagetest.Databases(t)[0]
	ctx := context.Background()
	db := storagetest.MustOpenDB(t, target)
	db.Now = now
	for _, id := range []string{hostID, adminID} {
		if err := db.SaveMember(ctx, bottest.Member(t, bottest.UserID(id), bottest.Name(id))); err != nil {
			t.Fatal(err)
		}
	}
	c, b := newMeetupChat(t, db, now, london)
	b.refuse = true
	form := carry(t, c.Command(ctx, user(hostID), bot.MeetupCommandName, "")).form
	values := bot.FormValues{"title": {"Walk"}, "purpose": {"PCN walk"}, "date": {"2026-06-03"}, "start": {"12:30"}, "end": {"13:30"},
		"place": {"The park"}, "food": {"no"}}
	failed := carry(t, c.Submit(ctx, user(hostID), form.ID, form.Ref, values))
	if len(failed.dms) != 1 || !strings.Contains(failed.dms[0], "couldn't post") {
		t.Fatalf("the host was not told the post failed: %+v", failed)
	}
	mine, _ := db.MemberMeetups(ctx, "slack", hostID, now())
	id := strconv.FormatInt(mine[0].Meetup.ID, 10)

	b.refuse = false
	edit := carry(t, c.Command(ctx, user(adminID), bot.MeetupCommandName, "edit "+id)).form
	r := c.Submit(ctx, user(adminID), edit.ID, edit.Ref, formValues(edit))
	var dms, told []string
	for r != nil {
		for _, m := range r.DMs {
			dms = append(dms, bot.PlainText(m))
		}
		for _, n := range r.Notify {
			if n.UserID == hostID {
				told = append(told, bot.PlainText(n.Message))
			}
		}
		if r.Later == nil {
			break
		}
		r = r.Later(ctx)
	}
	if len(b.order) != 1 {
		t.Fatalf("%d announcements", len(b.order))
	}
	if len(dms) != 1 || !strings.HasPrefix(dms[0], "The meetup Walk is announced in C0MEETUPS1. I've told its host.") ||
		len(told) != 1 || !strings.HasPrefix(told[0], "Your meetup Walk is announced") {
		t.Errorf("admin read %q; host read %q", dms, told)
	}
}
