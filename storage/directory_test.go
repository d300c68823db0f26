package storage_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// listedMember is a member of org, listed in the directory with offers.
func listedMember(t *testing.T, db *storage.DB, userID, name, org string, offers ...string) *bot.Member {
	t.Helper()
	m := bottest.Member(t, bottest.UserID(userID), bottest.Name(name), bottest.Org(org), bottest.Offers(offers...),
		bottest.Asks("Leadership"), bottest.Frequency("monthly"))
	m.Profile.Listed = true
	save(t, db, m)
	return m
}

// search returns the names found on a page, and the total.
func search(t *testing.T, db *storage.DB, asker *bot.Member, topic string, offset, limit int, now time.Time) ([]string, *bot.DirectoryPage) {
	t.Helper()
	page, err := db.SearchDirectory(context.Background(), bot.DirectoryQuery{AskerID: asker.ID, Words: bot.FoldWords(topic),
		Offset: offset, Limit: limit, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range page.Hits {
		names = append(names, h.Member.Name)
	}
	return names, page
}

// notices returns the notices queued, as "kind:memberID:requestID".
func notices(t *testing.T, db *storage.DB) []string {
	t.Helper()
	var rows []struct {
		MemberID int64  `db:"member_id"`
		Notice   string `db:"notice"`
		Params   string `db:"params"`
	}
	if err := db.SQLX().Select(&rows, `SELECT member_id, notice, params FROM outbox WHERE kind = 'notice' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		var p bot.NoticeParams
		if err := json.Unmarshal([]byte(r.Params), &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Notice+":"+itoa(r.MemberID)+":"+itoa(p.RequestID))
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func count(t *testing.T, db *storage.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQLX().Get(&n, db.SQLX().Rebind(query), args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// A profile saved listed reads back listed; each save rewrites the
// member's topics, and only listed members' offers can be found.
func TestSaveMemberKeepsListedAndTopics(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		asker := listedMember(t, db, "UASKER0001", "Asha Asker", "Hillview Pharmacy", "Cooking")
		m := listedMember(t, db, "ULISTED001", "Lena Listed", "Riverside Surgery", "Diabetes", "Minor surgery")
		got, err := db.FindMember(ctx, "slack", m.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Profile.Listed {
			t.Fatal("Listed did not read back")
		}
		if names, _ := search(t, db, asker, "surgery", 0, 5, utc); !slices.Equal(names, []string{"Lena Listed"}) {
			t.Fatalf("found %v", names)
		}
		// She changes her offers and leaves the directory.
		got.Profile.Offers = []string{"Wound care"}
		got.Profile.Listed = false
		save(t, db, got)
		if again, _ := db.FindMember(ctx, "slack", m.UserID); again.Profile.Listed {
			t.Error("Listed false did not read back")
		}
		if names, _ := search(t, db, asker, "wound", 0, 5, utc); len(names) != 0 {
			t.Errorf("an unlisted member was found: %v", names)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM member_topics WHERE member_id = ?`, m.ID); n != 2 {
			t.Errorf("%d topic rows, want her one offer and one ask", n)
		}
		got.Profile.Listed = true
		save(t, db, got)
		if names, _ := search(t, db, asker, "wound", 0, 5, utc); !slices.Equal(names, []string{"Lena Listed"}) {
			t.Errorf("listed again, found %v", names)
		}
		if names, _ := search(t, db, asker, "surgery", 0, 5, utc); len(names) != 0 {
			t.Errorf("her old offer is still found: %v", names)
		}
		// Saved again while listed (the update of an upsert), under a new
		// name: still one entry, found by the new name.
		got.Name = "Lena Lister"
		save(t, db, got)
		if names, _ := search(t, db, asker, "wound", 0, 5, utc); !slices.Equal(names, []string{"Lena Lister"}) {
			t.Errorf("saved again while listed, found %v", names)
		}
	})
}

// Members saved before the directory existed get their folded topics
// when the schema is brought up to date, once.
func TestMigrateBackfillsTopics(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, id := openAtVersion(t, target, 14, "UOLDTOPIC1")
			x := db.SQLX()
			if _, err := x.Exec(x.Rebind(`UPDATE members SET offers = ?, asks = ? WHERE id = ?`), `["Diabète"]`, `["Spirometry", "QI"]`, id); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var folded []string
			if err := x.Select(&folded, x.Rebind(`SELECT folded FROM member_topics WHERE member_id = ? ORDER BY kind, position`), id); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(folded, []string{"spirometry", "qi", "diabete"}) {
				t.Errorf("folded topics = %v", folded)
			}
			gaps, err := db.LearningGaps(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(gaps) != 2 || gaps[0].Topic != "QI" || gaps[1].Topic != "Spirometry" {
				t.Errorf("gaps = %+v", gaps)
			}
		})
	}
}

// Search finds listed, active, unpaused members whose one offer has every
// word searched for, folded; never the asker, anyone paused, inactive,
// unlisted, or blocked either way.
func TestSearchDirectoryFindsWhoMayBeAsked(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		asker := listedMember(t, db, "UASKER0001", "Asha Asker", "Hillview Pharmacy", "Diabetes")
		listedMember(t, db, "UFOUND0001", "Fay Found", "Riverside Surgery", "Diabetes care")
		listedMember(t, db, "UFOUND0002", "Gus Found", "Riverside Surgery", "Type 2 DIABÈTES", "Cooking")
		unlisted := bottest.Member(t, bottest.UserID("UUNLIST001"), bottest.Name("Una Unlisted"), bottest.Org("Riverside Surgery"), bottest.Offers("Diabetes"))
		save(t, db, unlisted)
		inactive := listedMember(t, db, "UINACT0001", "Ivo Inactive", "Riverside Surgery", "Diabetes")
		paused := listedMember(t, db, "UPAUSE0001", "Pia Paused", "Riverside Surgery", "Diabetes")
		backSoon := listedMember(t, db, "UPAUSE0002", "Bea Back", "Riverside Surgery", "Diabetes")
		blocked := listedMember(t, db, "UBLOCK0001", "Bo Blocked", "Riverside Surgery", "Diabetes")
		blocker := listedMember(t, db, "UBLOCK0002", "Ben Blocker", "Riverside Surgery", "Diabetes")
		split := listedMember(t, db, "USPLIT0001", "Sol Split", "Riverside Surgery", "Mental wellbeing", "Health visiting")
		_ = split
		listedMember(t, db, "UTWO000001", "Tia Two", "Riverside Surgery", "Mental health", "Diabetes")

		if err := db.MarkUnreachable(ctx, 0, []int64{inactive.ID}, false, nil, utc); err != nil {
			t.Fatal(err)
		}
		week := utc.Add(7 * 24 * time.Hour)
		if _, err := db.SetPause(ctx, "slack", paused.UserID, true, nil, utc); err != nil {
			t.Fatal(err)
		}
		day := utc.Add(24 * time.Hour)
		if _, err := db.SetPause(ctx, "slack", backSoon.UserID, true, &day, utc); err != nil {
			t.Fatal(err)
		}
		if err := db.BlockMembers(ctx, "slack", asker.UserID, []int64{blocked.ID}, utc); err != nil {
			t.Fatal(err)
		}
		if err := db.BlockMembers(ctx, "slack", blocker.UserID, []int64{asker.ID}, utc); err != nil {
			t.Fatal(err)
		}

		// A week on, Bea's pause for a day is over.
		want := []string{"Bea Back", "Fay Found", "Gus Found", "Tia Two"}
		for _, topic := range []string{"diabetes", "DIABETES", "Diabètes", "diab", "Diabète"} {
			got, page := search(t, db, asker, topic, 0, 10, week)
			slices.Sort(got)
			if !slices.Equal(got, want) || page.Total != 4 {
				t.Errorf("search %q a week on found %v (total %d), want %v", topic, got, page.Total, want)
			}
		}
		// Bea's pause is over a week on, not the day it began.
		if got, _ := search(t, db, asker, "diabetes", 0, 10, utc); slices.Contains(got, "Bea Back") {
			t.Errorf("a paused member was found: %v", got)
		}
		if got, _ := search(t, db, asker, "diabetes", 0, 10, day.Add(time.Minute)); !slices.Contains(got, "Bea Back") {
			t.Errorf("a member whose pause is over was not found: %v", got)
		}
		// Every word in the same offer.
		if got, _ := search(t, db, asker, "mental health", 0, 10, week); !slices.Equal(got, []string{"Tia Two"}) {
			t.Errorf("mental health found %v; Sol has the words in two offers", got)
		}
		if got, _ := search(t, db, asker, "heal ment", 0, 10, week); !slices.Equal(got, []string{"Tia Two"}) {
			t.Errorf("word starts in any order found %v", got)
		}
		if got, _ := search(t, db, asker, "diabetic", 0, 10, week); len(got) != 0 {
			t.Errorf("diabetic found %v", got)
		}
		// A member blocked either way cannot be asked either.
		for _, m := range []*bot.Member{blocked, blocker, paused, inactive, unlisted, asker} {
			_, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, m.ID, "diabetes", bot.DefaultRequestLimits(), utc)
			wantCode(t, err, bot.ENOTFOUND)
		}
		_, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, 999999, "diabetes", bot.DefaultRequestLimits(), utc)
		wantCode(t, err, bot.ENOTFOUND)
		_, err = db.CreateIntroRequest(ctx, "slack", "UNOBODY001", blocked.ID, "diabetes", bot.DefaultRequestLimits(), utc)
		wantCode(t, err, bot.ENOTFOUND)
		if n := count(t, db, `SELECT COUNT(*) FROM intro_requests`); n != 0 {
			t.Errorf("%d requests stored after refusals", n)
		}
		if len(notices(t, db)) != 0 {
			t.Errorf("notices queued after refusals: %v", notices(t, db))
		}
	})
}

// Results are ranked by how well the best offer matches; then members of
// other organisations come before the asker's own colleagues; then by
// name, whatever its accents and case; then by ID. Pages carry the total.
func TestSearchDirectoryRanksAndPages(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		asker := listedMember(t, db, "UASKER0001", "Asha Asker", "Hillview Pharmacy", "Cooking")
		listedMember(t, db, "UCOLL00001", "Cara Colleague", "Hillview Pharmacy", "Diabetes")
		listedMember(t, db, "UEXACT0001", "Zed Exact", "Riverside Surgery", "diabetes")
		listedMember(t, db, "UWORDS0001", "Wes Words", "Riverside Surgery", "Diabetes in pregnancy", "Diabetes")
		listedMember(t, db, "UWORDS0002", "Ann Words", "Eastgate Practice", "Gestational diabetes")
		listedMember(t, db, "UPREF00001", "Éli Prefix", "Eastgate Practice", "Diabetic foot checks", "Diabetes clinics")
		listedMember(t, db, "UPREF00002", "Bob Prefix", "Riverside Surgery", "Diabetology")
		listedMember(t, db, "UPREF00003", "Bob Prefix", "Riverside Surgery", "Diabetology")
		listedMember(t, db, "UCOLL00002", "Al Colleague", "Hillview Pharmacy", "Diabetology")

		// "diabetes": exact (Zed, Wes, Cara: Cara is the asker's
		// colleague, so last of them), then whole words.
		got, page := search(t, db, asker, "Diabetes", 0, 10, utc)
		want := []string{"Wes Words", "Zed Exact", "Cara Colleague", "Ann Words", "Éli Prefix"}
		if !slices.Equal(got, want) || page.Total != 5 {
			t.Fatalf("diabetes: %v (total %d), want %v", got, page.Total, want)
		}
		scores := []int{}
		for _, h := range page.Hits {
			scores = append(scores, h.Score)
		}
		if !slices.Equal(scores, []int{bot.ScoreExact, bot.ScoreExact, bot.ScoreExact, bot.ScoreWords, bot.ScoreWords}) {
			t.Errorf("scores = %v", scores)
		}
		if o := page.Hits[0].Offers; !slices.Equal(o, []string{"Diabetes", "Diabetes in pregnancy"}) {
			t.Errorf("Wes's offers = %v, want the exact one first", o)
		}
		if o := page.Hits[4].Offers; !slices.Equal(o, []string{"Diabetes clinics"}) {
			t.Errorf("Éli's offers = %v, want only the matching one", o)
		}
		if page.Hits[0].Member.Profile.Organisation != "Riverside Surgery" || page.Hits[0].Member.UserID != "UWORDS0001" {
			t.Errorf("hit's member = %+v", page.Hits[0].Member)
		}

		// "diabet": every offer begins a word; colleagues last; names
		// folded, the two Bobs by ID.
		got, page = search(t, db, asker, "diabet", 0, 3, utc)
		if want := []string{"Ann Words", "Bob Prefix", "Bob Prefix"}; !slices.Equal(got, want) || page.Total != 8 {
			t.Errorf("page 1: %v (total %d), want %v of 8", got, page.Total, want)
		} else if page.Hits[1].Member.UserID != "UPREF00002" {
			t.Errorf("the two Bobs are not in the order they joined")
		}
		got, page = search(t, db, asker, "diabet", 3, 3, utc)
		if want := []string{"Éli Prefix", "Wes Words", "Zed Exact"}; !slices.Equal(got, want) || page.Total != 8 {
			t.Errorf("page 2: %v (total %d), want %v", got, page.Total, want)
		}
		got, page = search(t, db, asker, "diabet", 6, 3, utc)
		if want := []string{"Al Colleague", "Cara Colleague"}; !slices.Equal(got, want) || page.Total != 8 {
			t.Errorf("page 3: %v (total %d), want %v", got, page.Total, want)
		}
		got, page = search(t, db, asker, "diabet", 30, 3, utc)
		if len(got) != 0 || page.Total != 8 {
			t.Errorf("past the end: %v (total %d)", got, page.Total)
		}
		if _, page = search(t, db, asker, "", 0, 3, utc); len(page.Hits) != 0 || page.Total != 0 {
			t.Errorf("no words found %+v", page)
		}
	})
}

// A member may send DefaultAskLimit requests in any 7 days, and ask the
// same person once in 30; refusals say until when, and store nothing.
func TestIntroRequestLimits(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		asker := listedMember(t, db, "UASKER0001", "Asha Asker", "Hillview Pharmacy", "Cooking")
		var others []*bot.Member
		for i, name := range []string{"Ann One", "Ben Two", "Cy Three", "Di Four", "Ed Five"} {
			others = append(others, listedMember(t, db, "UOTHER000"+string(rune('1'+i)), name, "Riverside Surgery", "Diabetes"))
		}
		lim := bot.DefaultRequestLimits()
		ask := func(to *bot.Member, at time.Time) (*bot.IntroRequest, error) {
			return db.CreateIntroRequest(ctx, "slack", asker.UserID, to.ID, "Diabetes", lim, at)
		}
		start := utc
		// Eight days ago, one request: it no longer counts.
		if _, err := ask(others[0], start.Add(-8*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for i, o := range others[1:4] {
			r, err := ask(o, start.Add(time.Duration(i)*time.Hour))
			if err != nil {
				t.Fatalf("request %d: %v", i+1, err)
			}
			if r.Status != bot.RequestPending || r.Asker.ID != asker.ID || r.Asked.ID != o.ID || r.Topic != "Diabetes" {
				t.Errorf("request = %+v", r)
			}
		}
		_, err := ask(others[4], start.Add(3*time.Hour))
		wantCode(t, err, bot.ELIMIT)
		// The first of the three leaves the window 7 days after it was sent.
		if msg := bot.ErrorMessage(err); !strings.Contains(msg, "Sunday 5 April") {
			t.Errorf("limit message %q does not say when", msg)
		}
		if _, err := ask(others[4], start.Add(7*24*time.Hour+time.Minute)); err != nil {
			t.Errorf("a week on, the 4th request: %v", err)
		}

		// The same person again: refused for 30 days.
		_, err = ask(others[1], start.Add(29*24*time.Hour))
		wantCode(t, err, bot.ECONFLICT)
		if msg := bot.ErrorMessage(err); !strings.Contains(msg, "again from Tuesday 28 April") {
			t.Errorf("conflict message %q does not say from when", msg)
		}
		if _, err := ask(others[1], start.Add(31*24*time.Hour)); err != nil {
			t.Errorf("31 days on: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM intro_requests`); n != 6 {
			t.Errorf("%d requests stored, want 6", n)
		}
		if n := len(notices(t, db)); n != 6 {
			t.Errorf("%d notices queued, want one a request", n)
		}
		// A limit of its own.
		lim.PerWindow = 1
		_, err = db.CreateIntroRequest(ctx, "slack", asker.UserID, others[2].ID, "x", lim, start.Add(31*24*time.Hour+time.Hour))
		wantCode(t, err, bot.ELIMIT)
	})
}

func accept(asker, asked bot.Member) bot.PlannedIntro {
	return bot.PlannedIntro{MemberIDs: []int64{asker.ID, asked.ID}, Explanation: "You asked to meet about diabetes.", StarterID: asker.ID}
}

// Accepting makes an intro, marked requested, with its group message and
// follow-ups; before any round it is in round 0, which no listing of
// rounds shows and which leaves round 1 its number. Answering twice, or
// someone else's request, is refused; "not now" tells the asker.
func TestAnswerIntroRequest(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		asker := listedMember(t, db, "UASKER0001", "Asha Asker", "Hillview Pharmacy", "Cooking")
		asked := listedMember(t, db, "UASKED0001", "Abe Asked", "Riverside Surgery", "Diabetes")
		other := listedMember(t, db, "UOTHER0001", "Oli Other", "Eastgate Practice", "Diabetes")
		lim := bot.DefaultRequestLimits()
		r, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, asked.ID, "diabetes", lim, utc)
		if err != nil {
			t.Fatal(err)
		}
		if got := notices(t, db); !slices.Equal(got, []string{bot.NoticeIntroRequest + ":" + itoa(asked.ID) + ":" + itoa(r.ID)}) {
			t.Errorf("notices = %v", got)
		}
		found, err := db.FindIntroRequest(ctx, r.ID)
		if err != nil || found.Asker.Name != asker.Name || found.Asked.Name != asked.Name || found.Status != bot.RequestPending {
			t.Fatalf("found %+v, %v", found, err)
		}
		_, err = db.FindIntroRequest(ctx, r.ID+100)
		wantCode(t, err, bot.ENOTFOUND)

		followUp := utc.Add(14 * 24 * time.Hour)
		_, err = db.AnswerIntroRequest(ctx, r.ID, "slack", other.UserID, bot.RequestAccepted, utc, followUp, accept)
		wantCode(t, err, bot.ENOTFOUND)
		_, err = db.AnswerIntroRequest(ctx, r.ID, "slack", asker.UserID, bot.RequestAccepted, utc, followUp, accept)
		wantCode(t, err, bot.ENOTFOUND)

		got, err := db.AnswerIntroRequest(ctx, r.ID, "slack", asked.UserID, bot.RequestAccepted, utc.Add(time.Hour), followUp, accept)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != bot.RequestAccepted || got.IntroID == 0 || got.AnsweredAt == nil || !got.AnsweredAt.Equal(utc.Add(time.Hour)) {
			t.Errorf("answered = %+v", got)
		}
		again, err := db.AnswerIntroRequest(ctx, r.ID, "slack", asked.UserID, bot.RequestNotNow, utc.Add(2*time.Hour), followUp, accept)
		wantCode(t, err, bot.ECONFLICT)
		if again == nil || again.Status != bot.RequestAccepted {
			t.Errorf("conflict returned %+v, want the request as it is", again)
		}
		// The intro, requested, in round 0, with its messages.
		var intro struct {
			Round     int  `db:"number"`
			Requested bool `db:"requested"`
		}
		if err := db.SQLX().Get(&intro, db.SQLX().Rebind(`SELECT r.number, i.requested FROM intros i JOIN rounds r ON r.id = i.round_id WHERE i.id = ?`), got.IntroID); err != nil {
			t.Fatal(err)
		}
		if intro.Round != 0 || !intro.Requested {
			t.Errorf("intro = %+v, want requested in round 0", intro)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM outbox WHERE intro_id = ? AND kind = ?`, got.IntroID, bot.OutboxIntro); n != 1 {
			t.Errorf("%d group messages queued", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM outbox WHERE intro_id = ? AND kind = ? AND due_at = ?`, got.IntroID, bot.OutboxFollowUp, followUp); n != 2 {
			t.Errorf("%d follow-ups queued at the follow-up time, want 2", n)
		}
		in, err := db.FindIntro(ctx, got.IntroID)
		if err != nil || len(in.Members) != 2 {
			t.Fatalf("intro %+v, %v", in, err)
		}
		// Round 0 is nowhere to be seen, and round 1 is still 1.
		_, err = db.LatestRound(ctx)
		wantCode(t, err, bot.ENOTFOUND)
		if rs, err := db.RecentRounds(ctx, 10); err != nil || len(rs) != 0 {
			t.Errorf("recent rounds = %+v, %v", rs, err)
		}
		st, err := db.RoundStats(ctx, utc, 10)
		if err != nil || st.Rounds != 0 || len(st.Recent) != 0 {
			t.Errorf("stats = %+v, %v", st, err)
		}
		if nm, err := db.NetworkMap(ctx, 0); err != nil || nm.Rounds != 0 {
			t.Errorf("map = %+v, %v", nm, err)
		}
		if st.Intros != 1 {
			t.Errorf("stats count %d intros, want the requested one in the totals", st.Intros)
		}
		wantFiguresAsStats(t, db, utc)
		snap, err := db.RoundSnapshot(ctx)
		if err != nil || len(snap.History) != 1 {
			t.Errorf("history = %+v, %v; want the requested intro", snap, err)
		}
		round := makeRound(t, db, utc.Add(24*time.Hour), []*bot.Member{other, asker})
		var number int
		if err := db.SQLX().Get(&number, db.SQLX().Rebind(`SELECT r.number FROM rounds r JOIN intros i ON i.round_id = r.id WHERE i.id = ?`), round[0]); err != nil || number != 1 {
			t.Errorf("first round is number %d, %v", number, err)
		}
		latest, err := db.LatestRound(ctx)
		if err != nil || latest.Number != 1 {
			t.Errorf("latest round = %+v, %v", latest, err)
		}
		if rounds := wantFiguresAsStats(t, db, utc.Add(24*time.Hour)); len(rounds) != 1 || rounds[0].Number != 1 || rounds[0].Intros != 1 {
			t.Errorf("rounds = %+v, want round 1 alone", rounds)
		}

		// Not now: the asker is told.
		r2, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, other.ID, "diabetes", lim, utc.Add(2*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AnswerIntroRequest(ctx, r2.ID, "slack", other.UserID, bot.RequestNotNow, utc.Add(3*24*time.Hour), followUp, accept); err != nil {
			t.Fatal(err)
		}
		if ns := notices(t, db); !slices.Contains(ns, bot.NoticeRequestNotNow+":"+itoa(asker.ID)+":"+itoa(r2.ID)) {
			t.Errorf("notices = %v, want not now to the asker", ns)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM intros`); n != 2 {
			t.Errorf("%d intros after not now, want 2", n)
		}
	})
}

// An accepted request after rounds have run joins the latest round, and
// the round's figures and the network map count it as RoundStats does.
func TestAcceptedRequestCountsInTheLatestRound(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		n := newMapNetwork(t, db)
		makeRound(t, db, utc, []*bot.Member{n.h1, n.r1}, []*bot.Member{n.h2, n.r2, n.e1})
		deliverAll(t, db, utc)
		week := utc.Add(7 * 24 * time.Hour)
		makeRound(t, db, week, []*bot.Member{n.h1, n.e1})
		wantFiguresAsStats(t, db, week)
		for _, m := range []*bot.Member{n.h2, n.e1} {
			m.Profile.Listed = true
			m.Profile.Offers = []string{"Diabetes"}
			save(t, db, m)
		}
		r, err := db.CreateIntroRequest(ctx, "slack", n.h2.UserID, n.e1.ID, "diabetes", bot.DefaultRequestLimits(), week)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.AnswerIntroRequest(ctx, r.ID, "slack", n.e1.UserID, bot.RequestAccepted, week, week.Add(time.Hour), accept)
		if err != nil {
			t.Fatal(err)
		}
		rounds := wantFiguresAsStats(t, db, week)
		if len(rounds) != 2 || rounds[1].Intros != 2 {
			t.Errorf("rounds = %+v, want the request's intro in the second", rounds)
		}
		if err := db.RecordIntroSent(ctx, 0, got.IntroID, "G9", "9.1", week); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.RecordAnswer(ctx, got.IntroID, "slack", n.e1.UserID, bot.AnswerYes, time.Time{}, week); err != nil {
			t.Fatal(err)
		}
		rounds = wantFiguresAsStats(t, db, week)
		if rounds[1].Met != 1 {
			t.Errorf("second round = %+v, want the request's intro met", rounds[1])
		}
		if links := mapLinks(t, db, 1); links[pair(n.hill, n.east)] != [2]int{2, 1} {
			t.Errorf("latest round's links = %v", links)
		}
	})
}

// Requests unanswered for two weeks lapse, each telling its asker once;
// a lapsed request can no longer be answered.
func TestLapseIntroRequests(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		asker := listedMember(t, db, "UASKER0001", "Asha Asker", "Hillview Pharmacy", "Cooking")
		asked := listedMember(t, db, "UASKED0001", "Abe Asked", "Riverside Surgery", "Diabetes")
		late := listedMember(t, db, "UASKED0002", "Lou Later", "Riverside Surgery", "Diabetes")
		old, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, asked.ID, "diabetes", bot.DefaultRequestLimits(), utc)
		if err != nil {
			t.Fatal(err)
		}
		recent, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, late.ID, "diabetes", bot.DefaultRequestLimits(), utc.Add(5*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		now := utc.Add(bot.RequestLapsesAfter + time.Hour)
		for i, want := range []int{1, 0} {
			n, err := db.LapseIntroRequests(ctx, now.Add(-bot.RequestLapsesAfter), now)
			if err != nil || n != want {
				t.Errorf("lapse %d: %d, %v; want %d", i+1, n, err, want)
			}
		}
		lapsed := 0
		for _, ns := range notices(t, db) {
			if strings.HasPrefix(ns, bot.NoticeRequestLapsed+":") {
				lapsed++
				if ns != bot.NoticeRequestLapsed+":"+itoa(asker.ID)+":"+itoa(old.ID) {
					t.Errorf("lapse notice %s", ns)
				}
			}
		}
		if lapsed != 1 {
			t.Errorf("%d lapse notices, want 1", lapsed)
		}
		r, err := db.AnswerIntroRequest(ctx, old.ID, "slack", asked.UserID, bot.RequestAccepted, now, now, accept)
		wantCode(t, err, bot.ECONFLICT)
		if r == nil || r.Status != bot.RequestLapsed {
			t.Errorf("lapsed request answered: %+v", r)
		}
		if r, err := db.FindIntroRequest(ctx, recent.ID); err != nil || r.Status != bot.RequestPending {
			t.Errorf("recent request = %+v, %v", r, err)
		}
	})
}

// Learning gaps are what active members ask for and no active member
// offers, compared folded, spelt as most askers spell them.
func TestLearningGaps(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		mk := func(id, name string, offers, asks []string) *bot.Member {
			m := bottest.Member(t, bottest.UserID(id), bottest.Name(name), bottest.Org("Riverside Surgery"),
				bottest.Offers(offers...), bottest.Asks(asks...))
			save(t, db, m)
			return m
		}
		mk("UGAP000001", "A", []string{"Cooking"}, []string{"Spirometry", "Diabetes"})
		mk("UGAP000002", "B", nil, []string{"spirometry", "Menopause"})
		mk("UGAP000003", "C", nil, []string{"Spirométry", "Dermatology"})
		mk("UGAP000004", "D", []string{"DIABETES"}, []string{"Dermatology"})
		mk("UGAP000006", "F", nil, []string{"spirometry"})
		gone := mk("UGAP000005", "E", []string{"Menopause"}, []string{"Menopause care"})
		if err := db.MarkUnreachable(ctx, 0, []int64{gone.ID}, false, nil, utc); err != nil {
			t.Fatal(err)
		}
		gaps, err := db.LearningGaps(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []bot.LearningGap{{Topic: "spirometry", Wanting: 4}, {Topic: "Dermatology", Wanting: 2}, {Topic: "Menopause", Wanting: 1}}
		if !slices.Equal(gaps, want) {
			t.Errorf("gaps = %+v, want %+v", gaps, want)
		}
		if gaps, _ := db.LearningGaps(ctx, 1); len(gaps) != 1 {
			t.Errorf("limit 1 gave %+v", gaps)
		}
	})
}

// An invitation is claimed once; the history's sweep forgets it, and
// requests answered or lapsed once they no longer count.
func TestInvitationsAndRequestsAreForgotten(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for i, want := range []bool{true, false} {
			ok, err := db.ClaimInvitation(ctx, "teams", "29:newcomer", utc)
			if err != nil || ok != want {
				t.Errorf("claim %d = %v, %v; want %v", i+1, ok, err, want)
			}
		}
		if ok, _ := db.ClaimInvitation(ctx, "slack", "29:newcomer", utc); !ok {
			t.Error("the same ID on another platform was taken")
		}
		asker := listedMember(t, db, "UASKER0001", "Asha Asker", "Hillview Pharmacy", "Cooking")
		asked := listedMember(t, db, "UASKED0001", "Abe Asked", "Riverside Surgery", "Diabetes")
		waiting := listedMember(t, db, "UASKED0002", "Wes Waiting", "Riverside Surgery", "Diabetes")
		answered, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, asked.ID, "diabetes", bot.DefaultRequestLimits(), utc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AnswerIntroRequest(ctx, answered.ID, "slack", asked.UserID, bot.RequestNotNow, utc, utc, accept); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, waiting.ID, "diabetes", bot.DefaultRequestLimits(), utc); err != nil {
			t.Fatal(err)
		}
		// 29 days on, with a cutoff a year back: everything stays, so the
		// asker still cannot ask Abe again.
		db.Now = func() time.Time { return utc.Add(29 * 24 * time.Hour) }
		if _, err := db.DeleteHistory(ctx, utc.Add(-365*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM intro_requests`); n != 2 {
			t.Errorf("%d requests after 29 days, want 2", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM invitations`); n != 2 {
			t.Errorf("%d invitations, want 2", n)
		}
		// 31 days on: the answered one goes, the one waiting stays.
		db.Now = func() time.Time { return utc.Add(31 * 24 * time.Hour) }
		if _, err := db.DeleteHistory(ctx, utc.Add(-365*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM intro_requests WHERE status = 'pending'`); n != 1 || count(t, db, `SELECT COUNT(*) FROM intro_requests`) != 1 {
			t.Errorf("after 31 days, requests left: %d", count(t, db, `SELECT COUNT(*) FROM intro_requests`))
		}
		// A cutoff after the invitations forgets them; they may be made again.
		if _, err := db.DeleteHistory(ctx, utc.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM invitations`); n != 0 {
			t.Errorf("%d invitations after the cutoff", n)
		}
		if ok, _ := db.ClaimInvitation(ctx, "teams", "29:newcomer", utc.Add(2*time.Hour)); !ok {
			t.Error("an invitation forgotten could not be claimed again")
		}
	})
}

// The export lists the requests the member sent and received; leaving
// erases them either way, and the notices about them.
func TestRequestsInExportAndErasure(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		asker := listedMember(t, db, "UASKER0001", "Asha Asker", "Hillview Pharmacy", "Cooking")
		asked := listedMember(t, db, "UASKED0001", "Abe Asked", "Riverside Surgery", "Diabetes")
		third := listedMember(t, db, "UTHIRD0001", "Tam Third", "Eastgate Practice", "Diabetes")
		lim := bot.DefaultRequestLimits()
		r1, err := db.CreateIntroRequest(ctx, "slack", asker.UserID, asked.ID, "Diabète", lim, utc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AnswerIntroRequest(ctx, r1.ID, "slack", asked.UserID, bot.RequestNotNow, utc.Add(time.Hour), utc, accept); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateIntroRequest(ctx, "slack", third.UserID, asker.ID, "Cooking", lim, utc.Add(2*time.Hour)); err == nil {
			// Asha offers cooking, and is listed.
		} else {
			t.Fatal(err)
		}
		x, err := db.ExportMember(ctx, "slack", asker.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Requests) != 2 {
			t.Fatalf("export requests = %+v", x.Requests)
		}
		a, b := x.Requests[0], x.Requests[1]
		if a.Direction != bot.ExportYouAsked || a.With != "Abe Asked" || a.Topic != "Diabète" || a.Status != bot.RequestNotNow ||
			!a.Date.Equal(utc) || a.Answered == nil || !a.Answered.Equal(utc.Add(time.Hour)) {
			t.Errorf("sent request exported as %+v", a)
		}
		if b.Direction != bot.ExportYouWereAsked || b.With != "Tam Third" || b.Status != bot.RequestPending || b.Answered != nil {
			t.Errorf("received request exported as %+v", b)
		}
		if len(notices(t, db)) != 3 {
			t.Fatalf("notices = %v", notices(t, db))
		}
		if err := db.DeleteMember(ctx, "slack", asker.UserID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM intro_requests`); n != 0 {
			t.Errorf("%d requests left after the asker left", n)
		}
		if ns := notices(t, db); len(ns) != 0 {
			t.Errorf("notices about her requests left: %v", ns)
		}
		for _, table := range []string{"member_topics", "directory_words"} {
			if n := count(t, db, `SELECT COUNT(*) FROM `+table+` WHERE member_id = ?`, asker.ID); n != 0 {
				t.Errorf("%d rows of hers left in %s", n, table)
			}
		}
	})
}
