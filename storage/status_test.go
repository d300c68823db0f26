package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

// status tells each member the round they will really be in: the first
// scheduled round whose preview includes them, whatever pace they chose,
// however long they paused.
func TestStatusNextRoundIsTheRoundThatIncludesThem(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		london, err := time.LoadLocation("Europe/London")
		if err != nil {
			t.Fatal(err)
		}
		sched, err := cron.ParseStandard("0 9 * * 1") // Mondays 09:00
		if err != nil {
			t.Fatal(err)
		}
		next := func(t time.Time) time.Time { return sched.Next(t.In(london)) }
		now := time.Date(2026, 11, 30, 9, 1, 0, 0, london)
		clock := func() time.Time { return now }

		ms := joinRoundMembers(t, db, 8)
		pace := []string{"weekly", "fortnightly", "monthly", "weekly", "fortnightly", "monthly", "weekly", "weekly"}
		for i := range ms {
			ms[i].Profile.Frequency = pace[i]
			if err := db.SaveMember(ctx, &ms[i]); err != nil {
				t.Fatal(err)
			}
		}
		rounds := &bot.Rounds{Store: db, Now: clock, Location: london, NextRound: next}
		svc := &bot.Service{Store: db, Intros: db, Now: clock, Location: london, NextRound: next}
		// Everyone is introduced in the round of Monday 30 November.
		if _, _, err := rounds.Run(ctx, time.Date(2026, 11, 30, 9, 0, 0, 0, london), false); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2026, 12, 1, 12, 0, 0, 0, london)
		// One weekly member pauses until Sunday 20 December, and one for good.
		if _, err := svc.Pause(ctx, bot.User{Platform: "slack", ID: ms[6].UserID}, []string{"until", "2026-12-20"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Pause(ctx, bot.User{Platform: "slack", ID: ms[7].UserID}, nil); err != nil {
			t.Fatal(err)
		}

		// The rounds that include each member, from the previews of the
		// next eight Mondays.
		included := map[int64][]time.Time{}
		for p := next(now); p.Before(now.AddDate(0, 0, 56)); p = next(p) {
			plan, err := rounds.Preview(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if !slices.ContainsFunc(plan.Skipped, func(l bot.LeftOut) bool { return l.Member.ID == m.ID }) {
					included[m.ID] = append(included[m.ID], p)
				}
			}
		}
		want := []string{"Mon 7 Dec", "Mon 14 Dec", "Mon 28 Dec", "Mon 7 Dec", "Mon 14 Dec", "Mon 28 Dec", "Mon 21 Dec", ""}
		for i, m := range ms {
			st, err := svc.Status(ctx, bot.User{Platform: "slack", ID: m.UserID})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if !st.NextRound.IsZero() {
				got = st.NextRound.In(london).Format("Mon 2 Jan")
			}
			if got != want[i] {
				t.Errorf("%s member %d (paused %v): status says next round %q, want %q", pace[i], i, st.Member.Paused, got, want[i])
			}
			var first string
			if r := included[m.ID]; len(r) > 0 {
				first = r[0].In(london).Format("Mon 2 Jan")
			}
			if got != first {
				t.Errorf("member %d: status says %q but the first preview to include them is %q", i, got, first)
			}
		}
	})
}
