package storage_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
)

// joinRoundMembers stores n weekly members, each in an organisation of
// their own.
func joinRoundMembers(t *testing.T, db *storage.DB, n int) []bot.Member {
	t.Helper()
	var out []bot.Member
	for i := range n {
		m := bottest.Member(t, bottest.UserID(fmt.Sprintf("U%07dR", i)), bottest.Name(fmt.Sprintf("Round%d Member", i)),
			bottest.Org(fmt.Sprintf("Practice %d", i)))
		if err := db.SaveMember(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		out = append(out, *m)
	}
	return out
}

// Replicas that start a period's round at once make one round between them.
func TestRoundClaimedOncePerPeriod(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		joinRoundMembers(t, db, 10)
		r := &bot.Rounds{Store: db}
		period := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		results := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				_, _, err := r.Run(context.Background(), period, false)
				results <- err
			})
		}
		wg.Wait()
		close(results)
		ok, conflicts := 0, 0
		for err := range results {
			switch bot.ErrorCode(err) {
			case "":
				ok++
			case bot.ECONFLICT:
				conflicts++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || conflicts != 3 {
			t.Fatalf("%d rounds ran and %d were refused, want 1 and 3", ok, conflicts)
		}
		st, err := db.RoundStats(context.Background(), time.Now(), 4)
		if err != nil {
			t.Fatal(err)
		}
		if st.Rounds != 1 || st.Intros != 5 {
			t.Errorf("stored %d rounds with %d intros, want 1 with 5", st.Rounds, st.Intros)
		}
		// --force runs another round in the same period, for those due an
		// intro: not the members just introduced, but two who joined since.
		for _, id := range []string{"ULATE0001", "ULATE0002"} {
			m := bottest.Member(t, bottest.UserID(id), bottest.Name("Late Joiner"), bottest.Org("Practice "+id), bottest.Sector("housing"))
			if err := db.SaveMember(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
		forced, _, err := r.Run(context.Background(), period, true)
		if err != nil || forced.Intros != 1 {
			t.Errorf("forced round: %+v, %v; want one intro of the two who joined since", forced, err)
		}
	})
}

// A replica whose plan finds nobody due because another replica's round
// for the period was committed meanwhile is told the round has run, not
// that nobody is due.
func TestRoundTakenWhilePlanningIsAConflict(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		joinRoundMembers(t, db, 4)
		r := &bot.Rounds{Store: db}
		period := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		nobody := func(*bot.RoundSnapshot) (*bot.RoundPlan, error) {
			// The other replica's round commits while this one plans.
			if _, _, err := r.Run(ctx, period, false); err != nil {
				t.Fatalf("the other replica's round: %v", err)
			}
			return nil, bot.Errorf(bot.EINVALID, "Nobody is due an introduction in this round, so there is nobody to introduce yet.")
		}
		_, err := db.CreateRound(ctx, period, false, time.Now(), nobody)
		wantCode(t, err, bot.ECONFLICT)
		if !strings.Contains(bot.ErrorMessage(err), "already run") {
			t.Errorf("message %q, want one saying the round has already run", bot.ErrorMessage(err))
		}
	})
}

// A member who leaves three delivered intros in a row unanswered is paused
// and told how to resume; after resuming they are not paused again for
// the same silence.
func TestIgnoredIntrosPauseAMember(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ms := joinRoundMembers(t, db, 2)
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		r := &bot.Rounds{Store: db, Now: func() time.Time { return now }}
		for week := range 3 {
			round, _, err := r.Run(ctx, now, false)
			if err != nil {
				t.Fatalf("week %d: %v", week, err)
			}
			if round.Intros != 1 {
				t.Fatalf("week %d: %d intros", week, round.Intros)
			}
			deliverAll(t, db, now)
			now = now.Add(7 * 24 * time.Hour)
		}
		_, plan, err := r.Run(ctx, now, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.AutoPaused) != 2 || len(plan.Intros) != 0 {
			t.Fatalf("auto-paused %d, intros %d; want both paused and no intro", len(plan.AutoPaused), len(plan.Intros))
		}
		m, _ := db.FindMember(ctx, "slack", ms[0].UserID)
		if !m.Paused || m.PausedUntil != nil {
			t.Errorf("member not paused indefinitely: %+v", m)
		}
		msgs, _ := db.ClaimOutbox(ctx, now, now.Add(-time.Hour), 10)
		notices := 0
		for _, msg := range msgs {
			if msg.Kind == bot.OutboxNotice && msg.Notice == bot.NoticeAutoPaused && msg.Params.Count == 3 {
				notices++
			}
		}
		if notices != 2 {
			t.Errorf("%d kind notices queued, want 2", notices)
		}

		// Both resume: the next round introduces them again.
		for _, m := range ms {
			if _, err := db.SetPause(ctx, "slack", m.UserID, false, nil, now); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(7 * 24 * time.Hour)
		if _, plan, err = r.Run(ctx, now, false); err != nil {
			t.Fatal(err)
		}
		if len(plan.AutoPaused) != 0 || len(plan.Intros) != 1 {
			t.Errorf("after resuming: %d paused again, %d intros; want 0 and 1", len(plan.AutoPaused), len(plan.Intros))
		}
	})
}

// deliverAll marks every due intro as sent.
func deliverAll(t *testing.T, db *storage.DB, now time.Time) {
	t.Helper()
	msgs, err := db.ClaimOutbox(context.Background(), now, now.Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Kind == bot.OutboxIntro {
			if err := db.RecordIntroSent(context.Background(), m.ID, m.IntroID, "G1", "1.1", now); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Leaving erases the member's intros; before that, export lists them.
func TestIntroHistoryExportAndErase(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ms := joinRoundMembers(t, db, 2)
		r := &bot.Rounds{Store: db}
		round, _, err := r.Run(ctx, time.Now(), false)
		if err != nil {
			t.Fatal(err)
		}
		x, err := db.ExportMember(ctx, "slack", ms[0].UserID)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Intros) != 1 || x.Intros[0].Round != round.Number || len(x.Intros[0].With) != 1 || x.Intros[0].With[0] != ms[1].Name {
			t.Errorf("export intros = %+v", x.Intros)
		}
		if err := db.DeleteMember(ctx, "slack", ms[0].UserID); err != nil {
			t.Fatal(err)
		}
		x, err = db.ExportMember(ctx, "slack", ms[1].UserID)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Intros) != 0 {
			t.Errorf("the intro with the member who left is still stored: %+v", x.Intros)
		}
		// Only the partner's notice is left: nothing about the erased intro.
		msgs, _ := db.ClaimOutbox(ctx, time.Now().Add(30*24*time.Hour), time.Now(), 100)
		for _, m := range msgs {
			if m.Kind != bot.OutboxNotice || m.UserID != ms[1].UserID {
				t.Errorf("still queued after leaving: %+v", m)
			}
		}
	})
}

// A round run late in its period (by an admin on a Thursday, or on a
// restart) does not push weekly members out of the next scheduled round.
func TestLateRoundKeepsTheNextOne(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		joinRoundMembers(t, db, 6)
		monday := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		thursday := monday.Add(3*24*time.Hour + 5*time.Hour)
		now := thursday
		r := &bot.Rounds{Store: db, Now: func() time.Time { return now }}
		if _, _, err := r.Run(context.Background(), monday, false); err != nil {
			t.Fatal(err)
		}
		now = monday.Add(7 * 24 * time.Hour)
		_, plan, err := r.Run(context.Background(), now, false)
		if err != nil {
			t.Fatalf("next Monday's round: %v", err)
		}
		if plan.Eligible != 6 || len(plan.Intros) != 3 {
			t.Errorf("next Monday: %d eligible, %d intros; want 6 and 3", plan.Eligible, len(plan.Intros))
		}
	})
}

// A member who leaves before their intro is sent: the partner is told and
// goes first in line.
func TestLeavingBeforeDeliveryTellsThePartner(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ms := joinRoundMembers(t, db, 2)
		if _, _, err := (&bot.Rounds{Store: db}).Run(ctx, time.Now(), false); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteMember(ctx, "slack", ms[0].UserID); err != nil {
			t.Fatal(err)
		}
		msgs, err := db.ClaimOutbox(ctx, time.Now().Add(time.Minute), time.Now(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].Kind != bot.OutboxNotice || msgs[0].UserID != ms[1].UserID || msgs[0].Notice != bot.NoticePartnerLeft {
			t.Fatalf("queued %+v, want one notice to the partner", msgs)
		}
		snap, err := db.RoundSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.LastLeftOut) != 1 || snap.LastLeftOut[0] != ms[1].ID {
			t.Errorf("first in line next round = %v, want the partner", snap.LastLeftOut)
		}
	})
}

// A round is planned outside the write lock; if a member joins while it
// is planned, it is planned again inside the transaction, so nobody is
// missed and nothing stale is stored.
func TestRoundPlannedAgainWhenMembersChange(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		joinRoundMembers(t, db, 2)
		calls := 0
		var seen []int
		pairAll := func(s *bot.RoundSnapshot) (*bot.RoundPlan, error) {
			calls++
			seen = append(seen, len(s.Members))
			if calls == 1 { // someone joins while the first plan is made
				late := bottest.Member(t, bottest.UserID("ULATECOMER"), bottest.Name("Late Comer"), bottest.Org("Elsewhere"))
				if err := db.SaveMember(ctx, late); err != nil {
					return nil, err
				}
			}
			var ids []int64
			for _, m := range s.Members {
				ids = append(ids, m.ID)
			}
			return &bot.RoundPlan{Eligible: len(ids), Intros: []bot.PlannedIntro{{MemberIDs: ids}}}, nil
		}
		if _, err := db.CreateRound(ctx, time.Now(), false, time.Now(), pairAll); err != nil {
			t.Fatal(err)
		}
		if calls != 2 || seen[0] != 2 || seen[1] != 3 {
			t.Fatalf("planned %d times with %v members, want twice: 2 then 3", calls, seen)
		}
	})
}

// A round larger than one batch of rows keeps every intro whole: its own
// members in order, explanation, starter and messages.
func TestLargeRoundStoredWhole(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ms := joinRoundMembers(t, db, 1203)
		plan := func(s *bot.RoundSnapshot) (*bot.RoundPlan, error) {
			p := &bot.RoundPlan{Eligible: len(ms), FollowUpAt: time.Now().Add(72 * time.Hour)}
			for i := 0; i+1 < len(ms); i += 2 {
				in := bot.PlannedIntro{MemberIDs: []int64{ms[i].ID, ms[i+1].ID}, StarterID: ms[i+1].ID,
					Explanation: fmt.Sprintf("intro %d", i/2), Question: fmt.Sprintf("question %d", i/2), Score: i}
				if i+3 == len(ms) { // the last one is a trio
					in.MemberIDs = append(in.MemberIDs, ms[i+2].ID)
				}
				p.Intros = append(p.Intros, in)
			}
			return p, nil
		}
		round, err := db.CreateRound(ctx, time.Now(), false, time.Now(), plan)
		if err != nil {
			t.Fatal(err)
		}
		if round.Intros != 601 {
			t.Fatalf("stored %d intros, want 601", round.Intros)
		}
		for i, m := range ms {
			got, err := db.RecentIntros(ctx, m.ID, 5)
			if err != nil {
				t.Fatal(err)
			}
			k := min(i/2, 600)
			var want []int64
			for j := 2 * k; j < min(2*k+2, len(ms)) || (k == 600 && j < len(ms)); j++ {
				want = append(want, ms[j].ID)
			}
			if len(got) != 1 || got[0].Explanation != fmt.Sprintf("intro %d", k) || got[0].Question != fmt.Sprintf("question %d", k) ||
				got[0].StarterID != ms[2*k+1].ID || len(got[0].Members) != len(want) {
				t.Fatalf("member %d: intros %+v, want intro %d with %v", i, got, k, want)
			}
			for pos, im := range got[0].Members {
				if im.Member.ID != want[pos] {
					t.Fatalf("member %d: intro %d has member %d at %d, want %d", i, k, im.Member.ID, pos, want[pos])
				}
			}
		}
		// Every intro is queued to be sent now, each once.
		msgs, err := db.ClaimOutbox(ctx, time.Now(), time.Now().Add(-time.Hour), 2000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, m := range msgs {
			if m.Kind != bot.OutboxIntro || seen[m.IntroID] {
				t.Fatalf("unexpected message %+v", m)
			}
			seen[m.IntroID] = true
		}
		if len(seen) != 601 {
			t.Errorf("%d intros queued to send now, want 601", len(seen))
		}
	})
}

// With one member too many for the hard rules (five from one practice,
// four from another, and colleagues never paired), someone is left out
// every round. The other practice's four are new each week, so every
// possible pair is as good as any other and only fairness decides. Over
// the recent rounds nobody is left out a second time before everyone else
// has been once, and each is told kindly, in words that never mention who
// chose not to be paired with whom.
func TestNobodyLeftOutTwiceBeforeEveryoneOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		join := func(id, org string) *bot.Member {
			m := bottest.Member(t, bottest.UserID(id), bottest.Name(id+" Member"), bottest.Org(org))
			if err := db.SaveMember(ctx, m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		var many []int64
		for i := range 5 {
			many = append(many, join(fmt.Sprintf("U%07dF", i), "Riverside Surgery").ID)
		}
		r := &bot.Rounds{Store: db, Settings: bot.RoundSettings{IgnoredLimit: 100}}
		period := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		var order []int64
		var visitors []string
		for week := range len(many) + 1 {
			for _, v := range visitors {
				if _, err := db.SetPause(ctx, "slack", v, true, nil, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			visitors = visitors[:0]
			for i := range 4 {
				visitors = append(visitors, join(fmt.Sprintf("U%03d%04dV", week, i), "Northfield Pharmacy").UserID)
			}
			_, plan, err := r.Run(ctx, period.AddDate(0, 0, 7*week), false)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.LeftOut) != 1 {
				t.Fatalf("week %d: %d left out, want 1", week, len(plan.LeftOut))
			}
			out := plan.LeftOut[0].Member.ID
			order = append(order, out)
			told := 0
			for _, n := range plan.Notices {
				if n.MemberID == out && n.Kind == bot.NoticeLeftOut {
					told++
				}
			}
			if told != 1 {
				t.Errorf("week %d: the member left out was queued %d kind notices, want 1", week, told)
			}
		}
		seen := map[int64]bool{}
		for week, id := range order[:len(many)] {
			if seen[id] {
				t.Fatalf("left out in turn %v: member %d left out again in week %d before everyone else had been once", order, id, week)
			}
			seen[id] = true
		}
		if order[len(many)] == order[len(many)-1] {
			t.Errorf("left out in turn %v: the member left out last week, promised to go first, was left out again", order)
		}
	})
}
