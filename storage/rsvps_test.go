package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

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
