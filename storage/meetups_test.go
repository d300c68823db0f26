package storage_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

// newMeetup returns a meetup a week after testNow, its reminders at the
// usual times.
func newMeetup(capacity int) *bot.Meetup {
	start := utc.Add(7 * 24 * time.Hour).Truncate(time.Hour)
	return &bot.Meetup{
		Title: "First5 lunch", Purpose: "First5 group", StartsAt: start, EndsAt: start.Add(90 * time.Minute),
		Place: "Riverside Surgery", Food: true, Capacity: capacity, Roles: []string{"gp_trainee"},
		DayReminderAt: start.Add(-24 * time.Hour), HourReminderAt: start.Add(-time.Hour),
		Channel: "C0MEETUPS1",
	}
}

// joinMembers saves n members U00000, U00001... and returns their IDs.
func joinMembers(t *testing.T, db *storage.DB, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("U%05d", i)
		if err := db.SaveMember(context.Background(), newMember(ids[i])); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func createMeetup(t *testing.T, db *storage.DB, host string, m *bot.Meetup) *bot.Meetup {
	t.Helper()
	if _, err := db.CreateMeetup(context.Background(), "slack", host, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Many answers at once are counted exactly: the first 50 committed are
// going, the rest wait in the order they were committed, and every member
// is told a position that the list agrees with.
func TestConcurrentRSVPsAreCountedExactly(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		users := joinMembers(t, db, 200)
		m := createMeetup(t, db, users[0], newMeetup(50))

		outcomes := make([]*bot.RSVPOutcome, len(users))
		var wg sync.WaitGroup
		errs := make(chan error, len(users))
		for i, u := range users {
			wg.Go(func() {
				out, err := db.RespondToMeetup(ctx, m.ID, "slack", u, bot.RSVPGoing, testNow)
				if err != nil {
					errs <- err
					return
				}
				outcomes[i] = out
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("an answer was lost: %v", err)
		}

		going, positions := 0, map[int]string{}
		for i, out := range outcomes {
			switch out.Status {
			case bot.RSVPGoing:
				going++
			case bot.RSVPWaiting:
				if prev, dup := positions[out.Position]; dup {
					t.Errorf("%s and %s were both told position %d", prev, users[i], out.Position)
				}
				positions[out.Position] = users[i]
			default:
				t.Errorf("%s: status %q", users[i], out.Status)
			}
		}
		if going != 50 || len(positions) != 150 {
			t.Fatalf("%d going, %d waiting; want 50 and 150", going, len(positions))
		}
		stored, err := db.FindMeetup(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Counts != (bot.RSVPCounts{Going: 50, Waiting: 150}) {
			t.Errorf("counts = %+v", stored.Counts)
		}
		as, err := db.MeetupAttendees(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Status == bot.RSVPWaiting && positions[a.Position] != a.UserID {
				t.Errorf("list has %s at %d, but %s was told %d", a.UserID, a.Position, positions[a.Position], a.Position)
			}
		}
	})
}

func TestWaitingListMovesUpInOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		u := joinMembers(t, db, 5)
		m := createMeetup(t, db, u[0], newMeetup(2))
		answer := func(user, a string) *bot.RSVPOutcome {
			t.Helper()
			out, err := db.RespondToMeetup(ctx, m.ID, "slack", user, a, testNow)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		answer(u[1], bot.RSVPGoing)
		answer(u[2], bot.RSVPGoing)
		if out := answer(u[3], bot.RSVPGoing); out.Status != bot.RSVPWaiting || out.Position != 1 {
			t.Errorf("third: %+v", out)
		}
		if out := answer(u[4], bot.RSVPGoing); out.Position != 2 {
			t.Errorf("fourth: %+v", out)
		}
		// Clicking going again changes nothing and keeps the place in line.
		if out := answer(u[3], bot.RSVPGoing); out.Changed || out.Position != 1 {
			t.Errorf("again: %+v", out)
		}
		out := answer(u[2], bot.RSVPNotGoing)
		if len(out.Promoted) != 1 || out.Promoted[0].UserID != u[3] {
			t.Fatalf("promoted %+v, want %s", out.Promoted, u[3])
		}
		if out.Meetup.Counts != (bot.RSVPCounts{Going: 2, Waiting: 1, NotGoing: 1}) {
			t.Errorf("counts %+v", out.Meetup.Counts)
		}
		// A bigger capacity moves the rest up.
		next := *out.Meetup
		next.Capacity = 3
		c, err := db.UpdateMeetup(ctx, &next, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Promoted) != 1 || c.Promoted[0].UserID != u[4] || c.After.Counts.Going != 3 {
			t.Errorf("after edit: promoted %+v, counts %+v", c.Promoted, c.After.Counts)
		}

		// Cancelled meetups take no answers and cannot be changed.
		if c, err := db.CancelMeetup(ctx, m.ID, testNow, nil); err != nil || countStatus(c.Notify, bot.RSVPGoing) != 3 {
			t.Fatalf("cancel: %v, %+v", err, c)
		}
		_, err = db.RespondToMeetup(ctx, m.ID, "slack", u[2], bot.RSVPGoing, testNow)
		wantCode(t, err, bot.ECONFLICT)
		_, err = db.UpdateMeetup(ctx, &next, nil)
		wantCode(t, err, bot.ECONFLICT)
		_, err = db.CancelMeetup(ctx, m.ID, testNow, nil)
		wantCode(t, err, bot.ECONFLICT)
		_, err = db.RespondToMeetup(ctx, 9999, "slack", u[2], bot.RSVPGoing, testNow)
		wantCode(t, err, bot.ENOTFOUND)
	})
}

// Of replicas queueing the same reminder at once, one wins, and its
// notice is queued in the same transaction; a queued one is not owed
// again; someone who changes to can't go is owed nothing.
func TestReminderQueuedOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		u := joinMembers(t, db, 3)
		m := createMeetup(t, db, u[0], newMeetup(0))
		for _, user := range u[1:] {
			if _, err := db.RespondToMeetup(ctx, m.ID, "slack", user, bot.RSVPGoing, testNow); err != nil {
				t.Fatal(err)
			}
		}
		dayBefore := m.DayReminderAt.Add(time.Minute)
		due, err := db.DueMeetupReminders(ctx, dayBefore)
		if err != nil || len(due) != 2 || due[0].Kind != bot.ReminderDayBefore {
			t.Fatalf("due = %+v, %v", due, err)
		}

		var wins sync.Map
		var wg sync.WaitGroup
		for replica := range 4 {
			wg.Go(func() {
				for _, r := range due {
					won, err := db.QueueMeetupReminder(ctx, r, dayBefore)
					if err != nil {
						t.Error(err)
					}
					if won {
						if prev, dup := wins.LoadOrStore(r.UserID, replica); dup {
							t.Errorf("%s queued by replicas %v and %d", r.UserID, prev, replica)
						}
					}
				}
			})
		}
		wg.Wait()
		if again, _ := db.DueMeetupReminders(ctx, dayBefore.Add(time.Hour)); len(again) != 0 {
			t.Errorf("owed again: %+v", again)
		}
		msgs, err := db.ClaimOutbox(ctx, dayBefore, dayBefore.Add(-time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, msg := range msgs {
			if msg.Notice == bot.NoticeMeetupReminder && msg.Params.MeetupID == m.ID && msg.Params.Reminder == bot.ReminderDayBefore &&
				msg.Params.StartsAt != nil && msg.Params.StartsAt.Equal(m.StartsAt) {
				got[msg.UserID]++
			}
		}
		if len(got) != 2 || got[u[1]] != 1 || got[u[2]] != 1 {
			t.Errorf("reminder notices queued %v, want one each to %s and %s", got, u[1], u[2])
		}

		// Someone who changes to can't go is owed nothing.
		if _, err := db.RespondToMeetup(ctx, m.ID, "slack", u[2], bot.RSVPNotGoing, testNow); err != nil {
			t.Fatal(err)
		}
		hourBefore := m.HourReminderAt.Add(time.Second)
		due, _ = db.DueMeetupReminders(ctx, hourBefore)
		if len(due) != 1 || due[0].UserID != u[1] || due[0].Kind != bot.ReminderHourBefore {
			t.Errorf("hour before: %+v", due)
		}
		if won, _ := db.QueueMeetupReminder(ctx, bot.MeetupReminder{MeetupID: m.ID, MemberID: due[0].MemberID + 1, Kind: bot.ReminderHourBefore, StartsAt: m.StartsAt}, hourBefore); won {
			t.Errorf("queued a reminder for someone not going")
		}
	})
}

// Leaving erases a member's answers and reminders; a meetup they host
// stays, without its host, for the people coming.
func TestLeaveAndExportMeetups(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		u := joinMembers(t, db, 3)
		m := createMeetup(t, db, u[0], newMeetup(0))
		for _, user := range u {
			if _, err := db.RespondToMeetup(ctx, m.ID, "slack", user, bot.RSVPGoing, testNow); err != nil {
				t.Fatal(err)
			}
		}
		x, err := db.ExportMember(ctx, "slack", u[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Meetups) != 1 || !x.Meetups[0].Host || x.Meetups[0].RSVP != bot.RSVPGoing || x.Meetups[0].Title != "First5 lunch" {
			t.Errorf("export: %+v", x.Meetups)
		}
		mine, err := db.MemberMeetups(ctx, "slack", u[1], testNow)
		if err != nil || len(mine) != 1 || mine[0].Hosting || mine[0].RSVP != bot.RSVPGoing {
			t.Errorf("mine: %+v %v", mine, err)
		}

		for _, user := range u[:2] {
			if err := db.DeleteMember(ctx, "slack", user); err != nil {
				t.Fatal(err)
			}
		}
		after, err := db.FindMeetup(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.HostMemberID != 0 || after.HostUserID != "" || after.Counts.Going != 1 || after.Status != bot.MeetupScheduled {
			t.Errorf("after the host left: %+v", after)
		}
		as, _ := db.MeetupAttendees(ctx, m.ID)
		var left []string
		for _, a := range as {
			left = append(left, a.UserID)
		}
		sort.Strings(left)
		if len(left) != 1 || left[0] != u[2] {
			t.Errorf("attendees after two left: %v", left)
		}
	})
}

func TestCreateMeetupIsIdempotentAndNeedsAMember(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		u := joinMembers(t, db, 1)
		first := newMeetup(10)
		first.CreateKey = "V0001"
		if created, err := db.CreateMeetup(ctx, "slack", u[0], first); err != nil || !created {
			t.Fatalf("create: %v %v", created, err)
		}
		second := newMeetup(10)
		second.CreateKey = "V0001"
		if created, err := db.CreateMeetup(ctx, "slack", u[0], second); err != nil || created || second.ID != first.ID {
			t.Fatalf("second create: %v %v, id %d want %d", created, err, second.ID, first.ID)
		}
		if first.HostUserID != u[0] || first.Version != 0 || !first.StartsAt.Equal(newMeetup(10).StartsAt) {
			t.Errorf("stored: %+v", first)
		}
		_, err := db.CreateMeetup(ctx, "slack", "U0NOBODY", newMeetup(1))
		wantCode(t, err, bot.ENOTFOUND)
		list, err := db.ListMeetups(ctx, testNow, 10)
		if err != nil || len(list) != 0 {
			t.Errorf("an unannounced meetup is listed: %+v %v", list, err)
		}
		if err := db.SetMeetupAnnouncement(ctx, first.ID, "C0MEETUPS1", "1700000000.000100"); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.ListMeetups(ctx, testNow, 10); len(list) != 1 || list[0].MessageRef != "1700000000.000100" {
			t.Errorf("list: %+v", list)
		}
	})
}

func countStatus(as []bot.Attendee, status string) int {
	n := 0
	for _, a := range as {
		if a.Status == status {
			n++
		}
	}
	return n
}

// rsvpStatuses returns each answer to the meetup by user ID, with the
// place on the waiting list after a slash: "waiting/1".
func rsvpStatuses(t *testing.T, db *storage.DB, id int64) map[string]string {
	t.Helper()
	as, err := db.MeetupAttendees(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range as {
		out[a.UserID] = a.Status
		if a.Status == bot.RSVPWaiting {
			out[a.UserID] = fmt.Sprintf("waiting/%d", a.Position)
		}
	}
	return out
}

// promotionNotices returns, by user ID, the meetups whose promotion
// notices are queued.
func promotionNotices(t *testing.T, db *storage.DB) map[string][]int64 {
	t.Helper()
	msgs, err := db.ClaimOutbox(context.Background(), utc.Add(time.Minute), utc.Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]int64{}
	for _, m := range msgs {
		if m.Kind == bot.OutboxNotice && m.Notice == bot.NoticeMeetupPromoted {
			out[m.UserID] = append(out[m.UserID], m.Params.MeetupID)
		}
	}
	return out
}

// A member going who leaves Rapport, or whose account can no longer be
// reached, frees their place in the same transaction: the first waiting
// has it and is told through the outbox, and a latecomer pressing Going
// joins the end of the list.
func TestFreedPlaceGoesToTheFirstWaiting(t *testing.T) {
	for _, how := range []string{"leaves", "unreachable"} {
		t.Run(how, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *storage.DB) {
				ctx := context.Background()
				u := joinMembers(t, db, 5)
				m := createMeetup(t, db, u[0], newMeetup(1))
				for _, user := range u[1:4] {
					if _, err := db.RespondToMeetup(ctx, m.ID, "slack", user, bot.RSVPGoing, testNow); err != nil {
						t.Fatal(err)
					}
				}
				switch how {
				case "leaves":
					if err := db.DeleteMember(ctx, "slack", u[1]); err != nil {
						t.Fatal(err)
					}
				case "unreachable":
					gone, err := db.FindMember(ctx, "slack", u[1])
					if err != nil {
						t.Fatal(err)
					}
					if err := db.MarkUnreachable(ctx, 0, []int64{gone.ID}, false, nil, testNow); err != nil {
						t.Fatal(err)
					}
				}
				late, err := db.RespondToMeetup(ctx, m.ID, "slack", u[4], bot.RSVPGoing, testNow)
				if err != nil {
					t.Fatal(err)
				}
				if late.Status != bot.RSVPWaiting || late.Position != 2 {
					t.Errorf("the latecomer: %s at %d, want waiting at 2", late.Status, late.Position)
				}
				got := rsvpStatuses(t, db, m.ID)
				if got[u[2]] != bot.RSVPGoing || got[u[3]] != "waiting/1" || got[u[4]] != "waiting/2" {
					t.Errorf("answers %v; want %s going, %s then %s waiting", got, u[2], u[3], u[4])
				}
				if n := promotionNotices(t, db); len(n) != 1 || len(n[u[2]]) != 1 || n[u[2]][0] != m.ID {
					t.Errorf("promotion notices %v, want one to %s", n, u[2])
				}
			})
		})
	}
}

// A place left free by anything else (here, a row removed by hand) is
// never taken by a new Going while anyone waits: the first waiting has it.
func TestGoingNeverJumpsTheQueue(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		u := joinMembers(t, db, 4)
		m := createMeetup(t, db, u[0], newMeetup(1))
		for _, user := range u[1:3] {
			if _, err := db.RespondToMeetup(ctx, m.ID, "slack", user, bot.RSVPGoing, testNow); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SQLX().ExecContext(ctx, db.SQLX().Rebind(`DELETE FROM meetup_rsvps WHERE status = 'going'`)); err != nil {
			t.Fatal(err)
		}
		out, err := db.RespondToMeetup(ctx, m.ID, "slack", u[3], bot.RSVPGoing, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != bot.RSVPWaiting {
			t.Errorf("a new Going took the place from the waiting list: %+v", out)
		}
		if len(out.Promoted) != 1 || out.Promoted[0].UserID != u[2] {
			t.Errorf("promoted %+v, want %s, who was waiting", out.Promoted, u[2])
		}
	})
}

// An edit and a cancellation queue their notices in their own
// transaction, decided against the meetup as it was under the lock.
func TestMeetupChangesQueueTheirNotices(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		u := joinMembers(t, db, 3)
		m := createMeetup(t, db, u[0], newMeetup(0))
		for _, user := range u[1:] {
			if _, err := db.RespondToMeetup(ctx, m.ID, "slack", user, bot.RSVPGoing, testNow); err != nil {
				t.Fatal(err)
			}
		}
		next := *m
		next.Title = "First5 supper"
		var before string
		_, err := db.UpdateMeetup(ctx, &next, func(c *bot.MeetupChange) []bot.Notice {
			before = c.Before.Title
			var out []bot.Notice
			for _, a := range c.Notify {
				out = append(out, bot.Notice{MemberID: a.MemberID, Kind: bot.NoticeMeetupChanged, Params: bot.NoticeParams{MeetupID: m.ID, Changed: []string{"title"}, Title: c.Before.Title}})
			}
			return out
		})
		if err != nil {
			t.Fatal(err)
		}
		if before != "First5 lunch" {
			t.Errorf("notify saw the title before as %q", before)
		}
		if _, err := db.CancelMeetup(ctx, m.ID, testNow, func(c *bot.MeetupChange) []bot.Notice {
			return []bot.Notice{{MemberID: c.Notify[0].MemberID, Kind: bot.NoticeMeetupCancelled, Params: bot.NoticeParams{MeetupID: m.ID}}}
		}); err != nil {
			t.Fatal(err)
		}
		msgs, err := db.ClaimOutbox(ctx, utc.Add(time.Minute), utc.Add(-time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, msg := range msgs {
			kinds[msg.Notice]++
			if msg.Notice == bot.NoticeMeetupChanged && (msg.Params.Title != "First5 lunch" || msg.Params.MeetupID != m.ID) {
				t.Errorf("change notice params %+v", msg.Params)
			}
		}
		if kinds[bot.NoticeMeetupChanged] != 2 || kinds[bot.NoticeMeetupCancelled] != 1 {
			t.Errorf("queued %v, want 2 changes and 1 cancellation", kinds)
		}
	})
}
