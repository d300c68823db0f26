package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
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
	}
}

// joinMembers saves n members U00000, U00001... and returns their IDs.
func joinMembers(t *testing.T, db *storage.DB, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("U%05d", i)
		if err := db.SaveMember(context.Background(), newMember(t, ids[i])); err != nil {
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
		if err := db.SetMeetupPost(ctx, first.ID, "slack", "C0MEETUPS1", "1700000000.000100"); err != nil {
			t.Fatal(err)
		}
		want := []bot.MeetupPost{{Platform: "slack", Channel: "C0MEETUPS1", MessageRef: "1700000000.000100"}}
		if list, _ := db.ListMeetups(ctx, testNow, 10); len(list) != 1 || !reflect.DeepEqual(list[0].Posts, want) {
			t.Errorf("list: %+v", list)
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
