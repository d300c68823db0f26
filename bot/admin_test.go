package bot_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// dmBox is a Deliverer that keeps the direct messages sent, as members'
// chats with the bot would show them.
type dmBox struct {
	mu    sync.Mutex
	dms   map[string][]string
	pause bot.Pause
}

func (d *dmBox) Pause() *bot.Pause { return &d.pause }

func (d *dmBox) PostGroup(context.Context, bot.Attempt, []string, string, *bot.Message) (string, string, error) {
	return "C1", "1", nil
}

func (d *dmBox) DM(_ context.Context, _ bot.Attempt, user string, m *bot.Message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dms == nil {
		d.dms = map[string][]string{}
	}
	d.dms[user] = append(d.dms[user], bot.PlainText(m))
	return nil
}

func (d *dmBox) Update(context.Context, string, string, *bot.Message) error { return nil }
func (d *dmBox) Delete(context.Context, string, string) error               { return nil }

func (d *dmBox) to(user string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.dms[user]...)
}

// adminCore is a whole core on db where adminID is the one admin while
// admins() says so.
func adminCore(t *testing.T, db *storage.DB, now func() time.Time, admins func() bool) (*bot.Core, *dmBox) {
	t.Helper()
	core := bot.NewCore(bot.Network{
		Store: db, Now: now, PublicURL: "https://rapport.example.nhs.uk",
		IsAdmin: func(u bot.User) bool { return u.ID == adminID && admins() },
	})
	box := &dmBox{}
	core.Delivery.Platforms = map[string]bot.Deliverer{"slack": box}
	return core, box
}

var signInLink = regexp.MustCompile(`https://rapport\.example\.nhs\.uk/admin/sign-in/([A-Za-z0-9]+)`)

// TestAdminSignsInThroughALinkInTheirDMs follows an admin from the chat
// command to a session, and checks every way a link or session must fail.
func TestAdminSignsInThroughALinkInTheirDMs(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
			now := func() time.Time { return clock }
			stillAdmin := true
			core, _ := adminCore(t, db, now, func() bool { return stillAdmin })

			// A member who is not an admin gets no link.
			s := carry(t, core.Chat.Command(ctx, user(bobID), bot.CommandName, "admin dashboard"))
			if len(s.dms) != 0 || !strings.Contains(s.answer, "Only network admins") {
				t.Fatalf("a member asked for the dashboard: answer %q, DMs %q", s.answer, s.dms)
			}

			s = carry(t, core.Chat.Command(ctx, user(adminID), bot.CommandName, "admin dashboard"))
			if len(s.dms) != 1 || !strings.Contains(s.answer, "direct message") {
				t.Fatalf("answer %q, DMs %q; want the link in one DM", s.answer, s.dms)
			}
			// The plain text shows the button, not the token; the link is in
			// the button, so find it in the message itself.
			r := core.Chat.Command(ctx, user(adminID), bot.CommandName, "admin dashboard")
			token := linkToken(t, r)

			sess, secret, err := core.Admin.SignIn(ctx, token)
			if err != nil {
				t.Fatalf("sign in: %v", err)
			}
			if sess.Admin.ID != adminID || sess.CSRF == "" || secret == "" {
				t.Fatalf("session %+v", sess)
			}
			if _, _, err := core.Admin.SignIn(ctx, token); bot.ErrorCode(err) != bot.ECONFLICT {
				t.Errorf("a link used twice: %v, want ECONFLICT", err)
			}
			if _, _, err := core.Admin.SignIn(ctx, "not-a-token-rapport-made"); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("a made-up link: %v, want ENOTFOUND", err)
			}
			if got, err := core.Admin.Session(ctx, secret); err != nil || got.Admin.ID != adminID {
				t.Errorf("session = %+v, %v", got, err)
			}

			// A link past its ten minutes.
			late := linkToken(t, core.Chat.Command(ctx, user(adminID), bot.CommandName, "admin dashboard"))
			clock = clock.Add(bot.SignInLinkTTL + time.Second)
			if _, _, err := core.Admin.SignIn(ctx, late); bot.ErrorCode(err) != bot.EEXPIRED {
				t.Errorf("a link past its time: %v, want EEXPIRED", err)
			}

			// Taken out of RAPPORT_ADMINS: the session ends at once.
			stillAdmin = false
			if _, err := core.Admin.Session(ctx, secret); bot.ErrorCode(err) != bot.EFORBIDDEN {
				t.Errorf("a former admin's session: %v, want EFORBIDDEN", err)
			}
			stillAdmin = true

			// Eight hours idle ends it too.
			clock = clock.Add(bot.SessionIdle + time.Minute)
			if _, err := core.Admin.Session(ctx, secret); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("an idle session: %v, want ENOTFOUND", err)
			}
		})
	}
}

// deliverUntil runs the core's delivery until done reports true, or fails
// after a generous while.
func deliverUntil(t *testing.T, core *bot.Core, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = core.Delivery.Run(ctx)
	}()
	defer func() { cancel(); <-stopped }()
	core.Delivery.Wake()
	deadline := time.Now().Add(20 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatal("the outbox did not send what was queued")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func linkToken(t *testing.T, r *bot.Reply) string {
	t.Helper()
	if r == nil || len(r.DMs) != 1 {
		t.Fatalf("no DM with a link: %+v", r)
	}
	for _, sec := range r.DMs[0].Sections {
		for _, b := range sec.Buttons {
			if m := signInLink.FindStringSubmatch(b.URL); m != nil {
				return m[1]
			}
		}
	}
	t.Fatalf("no sign-in link in %s", bot.PlainText(r.DMs[0]))
	return ""
}

// TestAdminActionsAreToldAndLogged pauses, resumes and removes a member
// from the admin pages' service, and checks the member is told, the log
// keeps who did it, and a removed member leaves no name in the log.
func TestAdminActionsAreToldAndLogged(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			now := func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) }
			core, box := adminCore(t, db, now, func() bool { return true })
			admin := bot.User{Platform: "slack", ID: adminID, Name: "Helen Ashworth"}
			bob := bottest.Member(t, bottest.UserID(bobID), bottest.Name("Bob Brennan"))
			if err := db.SaveMember(ctx, bob); err != nil {
				t.Fatal(err)
			}

			if _, err := core.Admin.PauseMember(ctx, user(bobID), bob.ID); bot.ErrorCode(err) != bot.EFORBIDDEN {
				t.Fatalf("a member paused another: %v, want EFORBIDDEN", err)
			}
			m, err := core.Admin.PauseMember(ctx, admin, bob.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Paused || m.PausedUntil != nil {
				t.Errorf("after an admin's pause: paused %v until %v; want paused until they resume", m.Paused, m.PausedUntil)
			}
			// The notice goes through the outbox.
			deliverUntil(t, core, func() bool { return len(box.to(bobID)) > 0 })
			if got := box.to(bobID); len(got) != 1 || !strings.Contains(got[0], "A network admin has paused your introductions") {
				t.Errorf("Bob was told %q", got)
			}

			entries, total, err := db.AuditLog(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if total != 1 || entries[0].Action != bot.AuditPause || entries[0].MemberName != "Bob Brennan" || entries[0].ActorName != "Helen Ashworth" {
				t.Fatalf("log = %d %+v", total, entries)
			}

			if err := core.Admin.RemoveMember(ctx, admin, bob.ID); err != nil {
				t.Fatal(err)
			}
			if got := box.to(bobID); len(got) != 2 || !strings.Contains(got[1], "removed you from Rapport") {
				t.Errorf("Bob was told %q; want a goodbye before his data went", got)
			}
			if _, err := db.FindMember(ctx, "slack", bobID); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("Bob is still stored: %v", err)
			}
			entries, _, err = db.AuditLog(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.MemberID != 0 || strings.Contains(e.MemberName+e.Detail, "Bob") {
					t.Errorf("the log still names the member who was removed: %+v", e)
				}
			}
			if len(entries) != 2 || entries[0].Action != bot.AuditRemove || !entries[1].Left {
				t.Errorf("log after removal = %+v; want the removal, and the pause about a member who has left", entries)
			}
			if err := core.Admin.RemoveMember(ctx, admin, bob.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("removing him twice: %v, want ENOTFOUND", err)
			}
			for _, trace := range storagetest.Traces(t, target, "Bob Brennan", bobID) {
				t.Errorf("after removal the database still holds %s", trace)
			}
		})
	}
}

// TestChatAdminChangesAreLogged checks that what admins change from the
// chat lands in the same log as the pages' changes.
func TestChatAdminChangesAreLogged(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			now := func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) }
			core, _ := adminCore(t, db, now, func() bool { return true })
			carry(t, core.Chat.Command(ctx, user(adminID), bot.CommandName, "admin practices add Hillview Surgery"))
			carry(t, core.Chat.Command(ctx, user(adminID), bot.CommandName, "admin practices remove Hillview Surgery"))
			entries, _, err := db.AuditLog(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Action+" "+e.Detail)
			}
			want := []string{bot.AuditOrgRemove + " Hillview Surgery", bot.AuditOrgAdd + " Hillview Surgery"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("log = %q, want %q (newest first)", got, want)
			}
		})
	}
}
