package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

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
