package slack_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	slackbot "github.com/rapport-pcn/rapport/bot/slack"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// clock is a controllable clock shared by the workspace, the store and the
// bot.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, london)
	if err != nil {
		panic(err)
	}
	return t
}

const (
	host  = "U0HOST001"
	bobby = "U0BOBBY01"
	cara  = "U0CARA001"
	dan   = "U0DAN0001"
)

// replica is one running bot sharing the database and the workspace.
type replica struct {
	meetups  *bot.Meetups
	delivery *bot.Delivery
	stop     func()
}

func newReplica(t *testing.T, ws *slacktest.Workspace, db *storage.DB, c *clock) *replica {
	t.Helper()
	m := &bot.Meetups{Store: db, Now: c.Now, Location: london, Boards: []bot.MeetupBoard{{Platform: "slack", Channel: "C0MEETUPS1"}}, ReminderEvery: 20 * time.Millisecond}
	svc := &bot.Service{Store: db, Now: c.Now, Location: london}
	a := slackbot.New(&bot.Chat{Service: svc, Meetups: m, Location: london, Now: c.Now}, slackbot.NewClient(ws.BotToken(), ws.AppToken(), ws.APIURL()), slackbot.Options{Now: c.Now})
	d := &bot.Delivery{Store: db, Platforms: map[string]bot.Deliverer{slackbot.Platform: a.Deliverer(nil)}, Now: c.Now, Location: london, Idle: 20 * time.Millisecond}
	m.OnQueued = d.Wake
	return &replica{meetups: m, delivery: d}
}

// start runs the replica's reminder loop and its outbox delivery until
// stop or the test's end.
func (r *replica) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- r.meetups.RunReminders(ctx) }()
	go func() { done <- r.delivery.Run(ctx) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			for range 2 {
				if err := <-done; err != nil {
					t.Errorf("replica stopped: %v", err)
				}
			}
		})
	}
	t.Cleanup(r.stop)
}

// deliver runs the replica's outbox delivery alone, without its reminder
// loop, until the test's end.
func (r *replica) deliver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.delivery.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("delivery stopped: %v", err)
		}
	})
}

func dmsContaining(ws *slacktest.Workspace, user, s string) int {
	n := 0
	for _, m := range ws.DMs(user) {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

func waitDMs(t *testing.T, ws *slacktest.Workspace, user, s string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ws.Wait(ctx, func() bool { return dmsContaining(ws, user, s) >= n }); err != nil {
		t.Fatalf("%s: want %d DMs containing %q, have %+v", user, n, s, ws.DMs(user))
	}
}

func setupReminders(t *testing.T, target storagetest.Target, c *clock) (*slacktest.Workspace, *storage.DB) {
	ws := slacktest.New(slacktest.WithClock(c.Now))
	t.Cleanup(ws.Close)
	expectWithinLimits(t, ws)
	db := storagetest.MustOpenDB(t, target)
	db.Now = c.Now
	for _, id := range []string{host, bobby, cara, dan} {
		ws.AddUser(slacktest.User{ID: id, RealName: id})
		m := bottest.Member(t, bottest.Platform(slackbot.Platform), bottest.UserID(id), bottest.Name(id))
		if err := db.SaveMember(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	return ws, db
}

func createMeetup(t *testing.T, m *bot.Meetups, date, title string) *bot.Meetup {
	t.Helper()
	mt, err := m.Create(context.Background(), bot.User{Platform: slackbot.Platform, ID: host}, bot.MeetupForm{
		Title: title, Purpose: "PCN lunch", Date: date, Start: "12:30", End: "14:00",
		Place: "Riverside Surgery", Food: "yes",
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	return mt
}

func answer(t *testing.T, m *bot.Meetups, user string, id int64, a string) {
	t.Helper()
	if _, err := m.Respond(context.Background(), bot.User{Platform: slackbot.Platform, ID: user}, id, a); err != nil {
		t.Fatal(err)
	}
}

// The day before at 09:00 and an hour before the start, everyone going
// gets a reminder: once, though two replicas look for them, and after a
// restart; nobody who changed to "can't go" gets one.
func TestMeetupRemindersOnceAcrossReplicasAndRestarts(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			c := &clock{t: at("2026-06-01 10:00")}
			ws, db := setupReminders(t, target, c)
			a, b := newReplica(t, ws, db, c), newReplica(t, ws, db, c)
			m := createMeetup(t, a.meetups, "2026-06-03", "Practice managers' lunch")
			for _, u := range []string{bobby, cara, dan} {
				answer(t, a.meetups, u, m.ID, bot.RSVPGoing)
			}
			answer(t, a.meetups, dan, m.ID, bot.RSVPNotGoing)

			// Two replicas run; nothing is due yet.
			c.Set(at("2026-06-02 08:59"))
			a.start(t)
			b.start(t)
			time.Sleep(100 * time.Millisecond)
			if n := len(ws.DMs(bobby)); n != 0 {
				t.Fatalf("a reminder before 09:00: %d DMs", n)
			}

			// 09:00 the day before: one reminder each, whichever replica sends it.
			c.Set(at("2026-06-02 09:00"))
			waitDMs(t, ws, bobby, "is tomorrow", 1)
			waitDMs(t, ws, cara, "is tomorrow", 1)
			time.Sleep(150 * time.Millisecond) // several more ticks of both
			for _, u := range []string{bobby, cara} {
				if n := len(ws.DMs(u)); n != 1 {
					t.Errorf("%s got %d DMs, want 1", u, n)
				}
			}
			if n := len(ws.DMs(dan)); n != 0 {
				t.Errorf("dan, who can't go, got %d DMs", n)
			}
			// What it says is bot's (TestMeetupNoticeWords); here, that its
			// button travels with it.
			if dm := ws.DMs(bobby)[0]; !strings.Contains(string(dm.Blocks), bot.ActionMeetupNotGoing) {
				t.Errorf("day-before reminder without its button: %s", dm.Blocks)
			}

			// Cara changes her mind; then both replicas stop (a restart).
			answer(t, a.meetups, cara, m.ID, bot.RSVPNotGoing)
			a.stop()
			b.stop()

			// While the bot is down the hour-before reminder falls due; a fresh
			// replica sends it at start, to bobby only.
			c.Set(at("2026-06-03 11:45"))
			fresh := newReplica(t, ws, db, c)
			fresh.start(t)
			waitDMs(t, ws, bobby, "starts in an hour", 1)
			time.Sleep(100 * time.Millisecond)
			if n := len(ws.DMs(bobby)); n != 2 {
				t.Errorf("bobby got %d DMs, want 2", n)
			}
			if n := dmsContaining(ws, cara, "starts in an hour"); n != 0 {
				t.Errorf("cara, who changed to can't go, got an hour-before reminder")
			}

			// Once it has started, nothing more is sent.
			c.Set(at("2026-06-03 12:31"))
			if n, err := fresh.meetups.QueueDueReminders(context.Background()); n != 0 || err != nil {
				t.Errorf("after the start: queued %d, %v", n, err)
			}
		})
	}
}

// A day-before reminder that fell due while the bot was down still goes
// out when it comes back, if the meetup has not started; people who said
// yes after it fell due are not sent one.
func TestMeetupReminderAfterDowntime(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			c := &clock{t: at("2026-06-01 10:00")}
			ws, db := setupReminders(t, target, c)
			r := newReplica(t, ws, db, c)
			m := createMeetup(t, r.meetups, "2026-06-03", "Locum group")
			answer(t, r.meetups, bobby, m.ID, bot.RSVPGoing)

			c.Set(at("2026-06-02 13:00")) // down from before 09:00 until now
			answer(t, r.meetups, cara, m.ID, bot.RSVPGoing)
			if n, err := r.meetups.QueueDueReminders(context.Background()); n != 1 || err != nil {
				t.Fatalf("queued %d, %v; want 1", n, err)
			}
			r.deliver(t)
			waitDMs(t, ws, bobby, "is tomorrow", 1)
			if len(ws.DMs(cara)) != 0 {
				t.Errorf("cara, who said yes after it fell due, got %d DMs", len(ws.DMs(cara)))
			}

			// A reminder whose message fails is tried again by the outbox.
			c.Set(at("2026-06-03 11:30"))
			ws.FailNext("chat.postMessage", 1, slacktest.Fault{Error: "fatal_error"})
			if n, _ := r.meetups.QueueDueReminders(context.Background()); n != 2 {
				t.Errorf("queued %d; want both", n)
			}
			if n, _ := r.meetups.QueueDueReminders(context.Background()); n != 0 {
				t.Errorf("queued %d again; want none", n)
			}
			// Once the failure is recorded, the retry waits in the outbox;
			// the clock moves on to it.
			var retry time.Time
			waitFor(t, func() bool {
				retry, _ = db.NextOutboxDue(context.Background())
				return retry.After(c.Now())
			})
			c.Set(retry.Add(time.Second))
			waitDMs(t, ws, bobby, "starts in an hour", 1)
			waitDMs(t, ws, cara, "starts in an hour", 1)
			if dmsContaining(ws, bobby, "starts in an hour") != 1 || dmsContaining(ws, cara, "starts in an hour") != 1 {
				t.Errorf("hour-before reminders: bobby %v, cara %v", ws.DMs(bobby), ws.DMs(cara))
			}
		})
	}
}

// A member going who leaves Rapport frees their place: the first person
// waiting moves up at once, in the same transaction, and hears by DM
// through the outbox, without anyone else answering.
func TestMeetupPlaceFreedByLeaving(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			c := &clock{t: at("2026-06-01 10:00")}
			ws, db := setupReminders(t, target, c)
			r := newReplica(t, ws, db, c)
			m, err := r.meetups.Create(context.Background(), bot.User{Platform: slackbot.Platform, ID: host}, bot.MeetupForm{
				Title: "Nurses' breakfast", Purpose: "practice nurses", Date: "2026-06-03", Start: "08:00", End: "09:00",
				Place: "Hillview", Food: "yes", Capacity: "1",
			}, "")
			if err != nil {
				t.Fatal(err)
			}
			answer(t, r.meetups, bobby, m.ID, bot.RSVPGoing)
			answer(t, r.meetups, cara, m.ID, bot.RSVPGoing)
			if err := db.DeleteMember(context.Background(), slackbot.Platform, bobby); err != nil {
				t.Fatal(err)
			}
			// Before any sweep: a latecomer cannot take the place.
			late, err := r.meetups.Respond(context.Background(), bot.User{Platform: slackbot.Platform, ID: dan}, m.ID, bot.RSVPGoing)
			if err != nil || late.Status != bot.RSVPWaiting {
				t.Fatalf("a latecomer's Going: %+v, %v; want waiting", late, err)
			}
			got, err := r.meetups.Get(context.Background(), m.ID)
			if err != nil || got.Counts != (bot.RSVPCounts{Going: 1, Waiting: 1}) {
				t.Errorf("counts %+v, %v", got.Counts, err)
			}
			r.start(t)
			waitDMs(t, ws, cara, "a place has opened up", 1)
			if n := len(ws.DMs(dan)); n != 0 {
				t.Errorf("the latecomer got %d DMs", n)
			}
		})
	}
}
