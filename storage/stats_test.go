package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

// "We've arranged to meet" is not a meeting: admins see the intros where
// people met and those where they have only arranged to, apart.
func TestStatsShowArrangedAndMetApart(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		members := joinRoundMembers(t, db, 6)
		now := time.Now()
		if _, _, err := (&bot.Rounds{Store: db}).Run(ctx, now, false); err != nil {
			t.Fatal(err)
		}
		var intros []*bot.Intro
		seen := map[int64]bool{}
		for _, m := range members {
			recent, err := db.RecentIntros(ctx, m.ID, 1)
			if err != nil || len(recent) != 1 {
				t.Fatalf("intros of %s: %v %v", m.UserID, recent, err)
			}
			if in := recent[0]; !seen[in.ID] {
				seen[in.ID] = true
				intros = append(intros, &in)
				if err := db.SetIntroDelivery(ctx, in.ID, "", bot.IntroSent, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(intros) != 3 {
			t.Fatalf("%d intros, want 3", len(intros))
		}
		answer := func(in *bot.Intro, i int, a string) {
			t.Helper()
			if _, _, err := db.RecordAnswer(ctx, in.ID, "slack", in.Members[i].Member.UserID, a, time.Time{}, now); err != nil {
				t.Fatal(err)
			}
		}
		// One pair met (one of them had arranged it first), one has only
		// arranged to, one has not answered.
		answer(intros[0], 0, bot.AnswerArranged)
		answer(intros[0], 1, bot.AnswerYes)
		answer(intros[1], 0, bot.AnswerArranged)

		st, err := db.RoundStats(ctx, now, 4)
		if err != nil {
			t.Fatal(err)
		}
		if st.MetRate < 0.33 || st.MetRate > 0.34 || st.ArrangedRate < 0.33 || st.ArrangedRate > 0.34 {
			t.Errorf("met %.2f and arranged %.2f, want a third each", st.MetRate, st.ArrangedRate)
		}
		if r := st.Recent[0]; r.Met != 1 || r.Arranged != 1 || r.Delivered != 3 {
			t.Errorf("round figures %+v, want 1 met and 1 arranged of 3 delivered", r)
		}
	})
}
