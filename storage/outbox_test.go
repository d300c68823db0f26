package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

// Two workers claiming the outbox at once never get the same message.
func TestOutboxClaimsAreExclusive(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		joinRoundMembers(t, db, 40)
		if _, _, err := (&bot.Rounds{Store: db}).Run(context.Background(), time.Now(), false); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		claimed := map[int64]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					msgs, err := db.ClaimOutbox(context.Background(), time.Now(), time.Now().Add(-time.Hour), 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(msgs) == 0 {
						return
					}
					mu.Lock()
					for _, m := range msgs {
						claimed[m.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(claimed) != 20 { // the 20 intros; follow-ups are not due
			t.Errorf("%d messages claimed, want the 20 intros", len(claimed))
		}
		for id, n := range claimed {
			if n != 1 {
				t.Errorf("message %d claimed %d times", id, n)
			}
		}
	})
}

// A message put back (a 429 pause, a shutdown) keeps its attempt count; one
// retried after a failure counts the attempt.
func TestDeferDoesNotCountAnAttempt(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		joinRoundMembers(t, db, 2)
		if _, _, err := (&bot.Rounds{Store: db}).Run(ctx, time.Now(), false); err != nil {
			t.Fatal(err)
		}
		claim := func() bot.OutboxMessage {
			t.Helper()
			msgs, err := db.ClaimOutbox(ctx, time.Now().Add(time.Minute), time.Now().Add(-time.Hour), 1)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("claim: %v, %v", msgs, err)
			}
			return msgs[0]
		}
		m := claim()
		if err := db.DeferOutbox(ctx, m.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if again := claim(); again.ID != m.ID || again.Attempts != 1 {
			t.Fatalf("after a deferral: %+v, want message %d at attempt 1", again, m.ID)
		}
		if err := db.RetryOutbox(ctx, m.ID, time.Now(), "failed"); err != nil {
			t.Fatal(err)
		}
		if again := claim(); again.Attempts != 2 {
			t.Fatalf("after a failure: attempt %d, want 2", again.Attempts)
		}
	})
}

// When one of a pair cannot be reached, the member marked unreachable, the
// failed intro that puts the partner first in line next round, and the
// notice telling the partner so are recorded together.
func TestMarkUnreachableFailsTheIntroWithTheNotices(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		members := joinRoundMembers(t, db, 2)
		now := time.Now()
		if _, _, err := (&bot.Rounds{Store: db}).Run(ctx, now, false); err != nil {
			t.Fatal(err)
		}
		recent, err := db.RecentIntros(ctx, members[0].ID, 1)
		if err != nil || len(recent) != 1 {
			t.Fatalf("intros: %v %v", recent, err)
		}
		stay, gone := members[0], members[1]
		notice := bot.Notice{MemberID: stay.ID, Kind: bot.NoticePartnerUnreachable, Params: bot.NoticeParams{Members: []int64{gone.ID}}}
		if err := db.MarkUnreachable(ctx, recent[0].ID, []int64{gone.ID}, true, []bot.Notice{notice}, now); err != nil {
			t.Fatal(err)
		}
		in, err := db.FindIntro(ctx, recent[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if in.Status != bot.IntroFailed {
			t.Errorf("intro status %q, want failed", in.Status)
		}
		snap, err := db.RoundSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.LastLeftOut) != 1 || snap.LastLeftOut[0] != stay.ID {
			t.Errorf("next round's first in line = %v, want [%d]", snap.LastLeftOut, stay.ID)
		}
		msgs, err := db.ClaimOutbox(ctx, now.Add(time.Minute), now.Add(-time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range msgs {
			found = found || (m.Kind == bot.OutboxNotice && m.MemberID == stay.ID && m.Notice == bot.NoticePartnerUnreachable)
		}
		if !found {
			t.Errorf("no partner-unreachable notice queued for %d among %+v", stay.ID, msgs)
		}
	})
}
