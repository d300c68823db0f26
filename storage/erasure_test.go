package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// leaver is a member whose every field holds words found nowhere else, so
// that any trace of them after leave can be searched for.
func leaver(tb testing.TB) *bot.Member {
	return bottest.Member(tb, bottest.UserID("UZQXLEAVE1"), bottest.Name("Zelda Quixotic-Marker"), bottest.Org("Quixotic Marker Clinic"),
		bottest.Interests("Xylophone therapy", "Quokka welfare"), bottest.Offers("Zorbing coaching"),
		bottest.Asks("Yodelling for clinicians"), bottest.Bio("Plays the theremin in Ystradgynlais."))
}

// leaverStrings are the leaver's words, for trace searches, but for the
// interest they share with their partner ("Xylophone therapy"), which the
// partner's own profile keeps.
func leaverStrings(m *bot.Member) []string {
	out := []string{m.Name, "Zelda", "Quixotic", m.UserID, m.Profile.Organisation, m.Profile.Bio, "theremin"}
	for _, s := range slices.Concat(m.Profile.Interests, m.Profile.Offers, m.Profile.Asks) {
		if s != "Xylophone therapy" {
			out = append(out, s)
		}
	}
	return out
}

// partner is a monthly member who will be introduced to the leaver.
func partner(tb testing.TB, userID, name, org string, frequency string) *bot.Member {
	return bottest.Member(tb, bottest.UserID(userID), bottest.Name(name), bottest.Org(org), bottest.Sector("community_pharmacy"),
		bottest.Interests("Xylophone therapy", "Diabetes"), bottest.Frequency(frequency), bottest.Bio("Community pharmacist."))
}

func save(t *testing.T, db *storage.DB, ms ...*bot.Member) {
	t.Helper()
	for _, m := range ms {
		if err := db.SaveMember(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// After leave, nothing that names or describes the member is anywhere in
// the database (every table, every column, as the schema lists them), nor,
// on SQLite, anywhere in the data directory's files; yet the partner keeps
// the intro, with "a member who has left", in their status, export, the
// admin stats and the next rounds' history.
func TestLeaveLeavesNoTrace(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return now }
			z, p := leaver(t), partner(t, "UPARTNER01", "Pat Partner", "Hillview Pharmacy", "monthly")
			// Both are in the directory; the leaver asked the partner for
			// an intro, and was invited personally before joining.
			z.Profile.Listed, p.Profile.Listed = true, true
			p.Profile.Offers = []string{"Community pharmacy"}
			save(t, db, z, p)
			if _, err := db.CreateIntroRequest(ctx, "slack", z.UserID, p.ID, "Zorbing coaching", bot.DefaultRequestLimits(), now); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ClaimInvitation(ctx, "slack", z.UserID, now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			rounds := &bot.Rounds{Store: db, Now: func() time.Time { return now }}
			round, _, err := rounds.Run(ctx, now, false)
			if err != nil {
				t.Fatal(err)
			}
			if round.Intros != 1 {
				t.Fatalf("round made %d intros, want 1", round.Intros)
			}
			deliverAll(t, db, now)
			recent, err := db.RecentIntros(ctx, p.ID, 5)
			if err != nil || len(recent) != 1 {
				t.Fatalf("partner's intros = %v, %v", recent, err)
			}
			intro := recent[0]
			if !strings.Contains(strings.ToLower(intro.Explanation+intro.Question), "xylophone") {
				t.Fatalf("the intro does not speak of the shared interest, so the test proves nothing: %q / %q", intro.Explanation, intro.Question)
			}

			// Both answer; the leaver says not a good match; a notice
			// naming the leaver is sent, another still queued; the leaver
			// is going to the partner's meetup.
			if _, _, err := db.RecordAnswer(ctx, intro.ID, "slack", p.UserID, bot.AnswerYes, time.Time{}, now); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.RecordAnswer(ctx, intro.ID, "slack", z.UserID, bot.AnswerArranged, time.Time{}, now); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecordNotAGoodMatch(ctx, intro.ID, "slack", z.UserID, now); err != nil {
				t.Fatal(err)
			}
			naming := "Sorry: this round we introduced you to " + z.Name + ", but their account can no longer receive messages."
			if err := db.MarkUnreachable(ctx, intro.ID, nil, false, []bot.Notice{{MemberID: p.ID, Kind: bot.NoticeText, Params: bot.NoticeParams{Text: naming}}, {MemberID: p.ID, Kind: bot.NoticeText, Params: bot.NoticeParams{Text: naming}}}, now); err != nil {
				t.Fatal(err)
			}
			sent, err := db.ClaimOutbox(ctx, now, now.Add(-time.Hour), 1)
			if err != nil || len(sent) != 1 || sent[0].Kind != bot.OutboxNotice {
				t.Fatalf("claimed %+v, %v; want one notice", sent, err)
			}
			if err := db.FinishOutbox(ctx, sent[0].ID, bot.OutboxSent, "", now); err != nil {
				t.Fatal(err)
			}
			m := newMeetup(0)
			m.Title, m.Purpose, m.Place = "Pharmacy lunch", "Lunch", "Hillview"
			createMeetup(t, db, p.UserID, m)
			if _, err := db.RespondToMeetup(ctx, m.ID, "slack", z.UserID, bot.RSVPGoing, now); err != nil {
				t.Fatal(err)
			}
			// An admin paused the leaver, who is an admin too, signed in,
			// with a link still unused.
			admin := bot.User{Platform: "slack", ID: "UADMIN0001", Name: "Adam Admin"}
			zu := bot.User{Platform: "slack", ID: z.UserID, Name: z.Name}
			if err := db.RecordAudit(ctx, bot.AuditEntry{At: now, Action: bot.AuditPause, Actor: admin, ActorName: admin.Name, MemberID: z.ID}); err != nil {
				t.Fatal(err)
			}
			if err := db.RecordAudit(ctx, bot.AuditEntry{At: now, Action: bot.AuditOrgAdd, Actor: zu, ActorName: z.Name, Detail: "Eastgate Housing"}); err != nil {
				t.Fatal(err)
			}
			if err := db.SaveSignInLink(ctx, bot.SignInLink{TokenHash: "zlink", Admin: zu, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateSession(ctx, bot.Session{IDHash: "zsess", Admin: zu, CSRF: "c", CreatedAt: now, LastSeen: now}); err != nil {
				t.Fatal(err)
			}
			if found := storagetest.Traces(t, target, leaverStrings(z)...); len(found) == 0 {
				t.Fatal("the leaver's strings are not in the database before leave, so the search finds nothing")
			}

			if err := db.DeleteMember(ctx, "slack", z.UserID); err != nil {
				t.Fatal(err)
			}

			for _, f := range storagetest.Traces(t, target, leaverStrings(z)...) {
				t.Errorf("after leave, the database still holds %s", f)
			}
			var requestNotices int
			if err := db.SQLX().Get(&requestNotices, `SELECT COUNT(*) FROM outbox WHERE notice = 'intro_request'`); err != nil || requestNotices != 0 {
				t.Errorf("after leave, %d notices of the leaver's request are left (%v)", requestNotices, err)
			}
			if target.URL == "" {
				for _, f := range storagetest.FileTraces(t, target.DataDir, leaverStrings(z)...) {
					t.Errorf("after leave, the data directory still holds %s", f)
				}
			}

			// The admin log keeps what was done, about a member who has
			// left, and by nobody named.
			log, total, err := db.AuditLog(ctx, 0, 10)
			if err != nil || total != 2 {
				t.Fatalf("admin log = %+v (%d), %v; want both entries", log, total, err)
			}
			for _, e := range log {
				if e.Action == bot.AuditPause && (!e.Left || e.MemberID != 0 || e.ActorName != admin.Name) {
					t.Errorf("the entry about the leaver reads %+v", e)
				}
				if e.Action == bot.AuditOrgAdd && (e.Actor.ID != "" || e.ActorName != "" || e.Detail != "Eastgate Housing") {
					t.Errorf("the entry by the leaver reads %+v", e)
				}
			}

			// The partner keeps their intro, with a member who has left.
			recent, err = db.RecentIntros(ctx, p.ID, 5)
			if err != nil || len(recent) != 1 {
				t.Fatalf("after leave, partner's intros = %v, %v; want the one intro", recent, err)
			}
			in := recent[0]
			if len(in.Members) != 2 || in.Member(p.ID) == nil || in.Member(p.ID).Answer != bot.AnswerYes {
				t.Errorf("partner's place or answer lost: %+v", in.Members)
			}
			if !slices.ContainsFunc(in.Members, func(im bot.IntroMember) bool {
				return im.Left && im.Member.Name == bot.LeftMemberName && im.Member.ID == 0 && im.Answer == ""
			}) {
				t.Errorf("the leaver's place is not shown as a member who has left: %+v", in.Members)
			}
			if in.Explanation != bot.ErasedExplanation || in.Question != "" || in.StarterID == z.ID {
				t.Errorf("explanation %q, question %q: not rewritten", in.Explanation, in.Question)
			}
			x, err := db.ExportMember(ctx, "slack", p.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if len(x.Intros) != 1 || !slices.Equal(x.Intros[0].With, []string{bot.LeftMemberName}) || x.Intros[0].Answer != bot.AnswerYes {
				t.Errorf("partner's export = %+v, want the intro with a member who has left", x.Intros)
			}
			stats, err := db.RoundStats(ctx, now, 5)
			if err != nil {
				t.Fatal(err)
			}
			if stats.Intros != 1 || stats.CrossOrganisation != 1 || len(stats.Recent) != 1 || stats.Recent[0].Delivered != 1 || stats.Recent[0].Met != 1 {
				t.Errorf("stats after leave = %+v, %+v; want the intro still counted, delivered and met", stats, stats.Recent)
			}

			// The posted intro is queued to be edited.
			msgs, err := db.ClaimOutbox(ctx, now, now.Add(-time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(msgs, func(m bot.OutboxMessage) bool { return m.Kind == bot.OutboxIntroUpdate && m.IntroID == intro.ID }) {
				t.Errorf("no edit of the posted intro queued: %+v", msgs)
			}

			// A week on, the monthly partner is not due again: their
			// history still counts the intro. The leaver's place is nobody.
			now = now.Add(7 * 24 * time.Hour)
			save(t, db, partner(t, "UNEWONE001", "New One", "Org One", "weekly"), partner(t, "UNEWTWO002", "New Two", "Org Two", "weekly"))
			snap, err := db.RoundSnapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.History) != 1 || !slices.Equal(snap.History[0].Members, []int64{p.ID}) {
				t.Errorf("history = %+v, want the partner's intro with their place only", snap.History)
			}
			_, plan, err := rounds.Run(ctx, now, false)
			if err != nil {
				t.Fatalf("next round: %v", err)
			}
			for _, pi := range plan.Intros {
				if slices.Contains(pi.MemberIDs, p.ID) {
					t.Errorf("the monthly partner was introduced again a week later: their history forgot the intro")
				}
			}
		})
	}
}
