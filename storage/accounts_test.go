package storage_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// onTeams moves a member to Teams, with a Teams user ID.
func onTeams(m *bot.Member, userID string) *bot.Member {
	m.Platform, m.UserID = "teams", userID
	return m
}

// introduceTwo runs a round that introduces the two members, records it
// sent as Teams sends an intro (no group conversation), and returns its
// ID.
func introduceTwo(t *testing.T, db *storage.DB, now time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	rounds := &bot.Rounds{Store: db, Now: func() time.Time { return now }}
	if round, _, err := rounds.Run(ctx, now, false); err != nil || round.Intros != 1 {
		t.Fatalf("round = %+v, %v; want one intro", round, err)
	}
	msgs, err := db.ClaimOutbox(ctx, now, now.Add(-time.Hour), 10)
	if err != nil || len(msgs) != 1 || msgs[0].Kind != bot.OutboxIntro {
		t.Fatalf("claimed %+v, %v; want the intro", msgs, err)
	}
	if err := db.RecordIntroSent(ctx, msgs[0].ID, msgs[0].IntroID, "", "", now); err != nil {
		t.Fatal(err)
	}
	return msgs[0].IntroID
}

// sendNotice queues a notice to the member, sends it, records the copy
// sent to userID, and returns the outbox row's ID.
func sendNotice(t *testing.T, db *storage.DB, memberID int64, userID, text string, now time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	n := bot.Notice{MemberID: memberID, Kind: bot.NoticeText, Params: bot.NoticeParams{Text: text}}
	if err := db.MarkUnreachable(ctx, 0, nil, false, []bot.Notice{n}, now); err != nil {
		t.Fatal(err)
	}
	msgs, err := db.ClaimOutbox(ctx, now, now.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(msgs, func(m bot.OutboxMessage) bool { return m.Kind == bot.OutboxNotice && m.Params.Text == text })
	if i < 0 {
		t.Fatalf("claimed %+v; want the notice", msgs)
	}
	id := msgs[i].ID
	if err := db.RecordCopy(ctx, bot.SentCopy{Platform: "teams", Kind: bot.OutboxNotice, Tag: id, UserID: userID,
		ConversationID: "a:1conv" + userID, ActivityID: "1:notice" + userID, SentAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishOutbox(ctx, id, bot.OutboxSent, "", now); err != nil {
		t.Fatal(err)
	}
	return id
}

// Leave takes a Teams member's account (their directory object ID, their
// UPN, the bot's chat with them) and every copy of a message sent to
// them; their partner keeps their own account and copies.
func TestLeaveErasesTheTeamsAccount(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, now := openAtMonday(t, target)
			z := onTeams(leaver(t), "29:1zqxleaveruser")
			p := onTeams(partner(t, "UPARTNER01", "Pat Partner", "Hillview Pharmacy", "monthly"), "29:1partneruser")
			save(t, db, z, p)
			zAccount := bot.Account{Platform: "teams", UserID: z.UserID, ObjectID: "zqx0b1ec7-0000-4000-8000-000000000001",
				PrincipalName: "zelda.zqxmarker@nhs.example", TenantID: "11111111-1111-4111-8111-111111111111",
				ServiceURL: "https://smba.trafficmanager.net/uk/", ConversationID: "a:1zqxconversation", UpdatedAt: now}
			pAccount := teamsAccount(p.UserID, now)
			for _, a := range []bot.Account{zAccount, pAccount} {
				if err := db.SaveAccount(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			introID := introduceTwo(t, db, now)
			pCopy := bot.SentCopy{Platform: "teams", Kind: bot.OutboxIntro, Tag: introID, UserID: p.UserID, ConversationID: pAccount.ConversationID, ActivityID: "1:partnerintro", SentAt: now}
			for _, c := range []bot.SentCopy{pCopy,
				{Platform: "teams", Kind: bot.OutboxIntro, Tag: introID, UserID: z.UserID, ConversationID: zAccount.ConversationID, ActivityID: "1:zqxactivity", SentAt: now}} {
				if err := db.RecordCopy(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			sendNotice(t, db, z.ID, z.UserID, "You are first in line.", now)
			pNotice := sendNotice(t, db, p.ID, p.UserID, "You are first in line.", now)

			needles := append(leaverStrings(z), "zqx0b1ec7", "zqxmarker", "zqxconversation", "zqxactivity")
			if found := storagetest.Traces(t, target, needles...); len(found) < 5 {
				t.Fatalf("before leave the search finds only %v, so it proves nothing", found)
			}
			if err := db.DeleteMember(ctx, "teams", z.UserID); err != nil {
				t.Fatal(err)
			}
			for _, f := range storagetest.Traces(t, target, needles...) {
				t.Errorf("after leave, the database still holds %s", f)
			}
			_, err := db.FindAccount(ctx, "teams", z.UserID)
			wantCode(t, err, bot.ENOTFOUND)

			if got, err := db.FindAccount(ctx, "teams", p.UserID); err != nil || !reflect.DeepEqual(*got, pAccount) {
				t.Errorf("the partner's account = %+v, %v; want it kept", got, err)
			}
			if got, err := db.Copies(ctx, "teams", bot.OutboxIntro, introID); err != nil || !reflect.DeepEqual(got, []bot.SentCopy{pCopy}) {
				t.Errorf("the intro's copies = %+v, %v; want the partner's only", got, err)
			}
			if got, err := db.Copies(ctx, "teams", bot.OutboxNotice, pNotice); err != nil || len(got) != 1 {
				t.Errorf("the partner's notice copies = %+v, %v; want theirs kept", got, err)
			}
		})
	}
}

// A Teams member's export shows their account, and for each intro and
// message the IDs of the copy they were sent.
func TestExportShowsTheAccountAndCopies(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		a := onTeams(partner(t, "UPARTNERA1", "Ada Partner", "Hillview Pharmacy", "weekly"), "29:1ada")
		b := onTeams(partner(t, "UPARTNERB1", "Bea Partner", "Riverside Surgery", "weekly"), "29:1bea")
		save(t, db, a, b)
		account := teamsAccount(a.UserID, utc)
		if err := db.SaveAccount(ctx, account); err != nil {
			t.Fatal(err)
		}
		introID := introduceTwo(t, db, utc)
		if err := db.RecordCopy(ctx, bot.SentCopy{Platform: "teams", Kind: bot.OutboxIntro, Tag: introID, UserID: a.UserID,
			ConversationID: account.ConversationID, ActivityID: "1:adaintro", SentAt: utc}); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordCopy(ctx, bot.SentCopy{Platform: "teams", Kind: bot.OutboxIntro, Tag: introID, UserID: b.UserID,
			ConversationID: "a:1beachat", ActivityID: "1:beaintro", SentAt: utc}); err != nil {
			t.Fatal(err)
		}
		sendNotice(t, db, a.ID, a.UserID, "A notice.", utc)

		x, err := db.ExportMember(ctx, "teams", a.UserID)
		if err != nil {
			t.Fatal(err)
		}
		want := &bot.AccountRecord{Platform: "teams", UserID: a.UserID, ObjectID: account.ObjectID,
			PrincipalName: account.PrincipalName, ConversationID: account.ConversationID, UpdatedAt: utc}
		if !reflect.DeepEqual(x.Account, want) {
			t.Errorf("account in export = %+v\nwant                %+v", x.Account, want)
		}
		if len(x.Intros) != 1 || x.Intros[0].ConversationID != account.ConversationID || x.Intros[0].MessageID != "1:adaintro" {
			t.Errorf("intros in export = %+v; want the member's own copy", x.Intros)
		}
		var notice *bot.MessageRecord
		for i := range x.Messages {
			if x.Messages[i].Kind == bot.OutboxNotice {
				notice = &x.Messages[i]
			}
		}
		if notice == nil || notice.MessageID != "1:notice"+a.UserID {
			t.Errorf("messages in export = %+v; want the notice with its copy's ID", x.Messages)
		}

		// A Slack member has no account, and their export says none.
		save(t, db, newMember(t, "U0SLACK01"))
		if x, err := db.ExportMember(ctx, "slack", "U0SLACK01"); err != nil || x.Account != nil {
			t.Errorf("a Slack member's export has account %+v, %v", x.Account, err)
		}
	})
}

// The sweep deletes the accounts of people who never joined once the
// platform has not refreshed them for the retention period, and the
// copies of the intros and notices it deletes; members' accounts, fresh
// accounts and younger copies stay.
func TestSweepForgetsAccountsAndCopies(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			first := time.Date(2024, 1, 8, 9, 0, 0, 0, time.UTC)
			now := first
			db.Now = func() time.Time { return now }
			a := onTeams(partner(t, "UPARTNERA1", "Ada Partner", "Hillview Pharmacy", "weekly"), "29:1ada")
			b := onTeams(partner(t, "UPARTNERB1", "Bea Partner", "Riverside Surgery", "weekly"), "29:1bea")
			save(t, db, a, b)
			introID := introduceTwo(t, db, now)
			for _, u := range []string{a.UserID, b.UserID} {
				if err := db.RecordCopy(ctx, bot.SentCopy{Platform: "teams", Kind: bot.OutboxIntro, Tag: introID, UserID: u, SentAt: now}); err != nil {
					t.Fatal(err)
				}
			}
			oldNotice := sendNotice(t, db, a.ID, a.UserID, "An old notice.", now)
			var followUp int64
			if err := db.SQLX().GetContext(ctx, &followUp, `SELECT id FROM outbox WHERE kind = 'followup' ORDER BY id LIMIT 1`); err != nil {
				t.Fatal(err)
			}
			if err := db.RecordCopy(ctx, bot.SentCopy{Platform: "teams", Kind: bot.OutboxFollowUp, Tag: followUp, UserID: a.UserID, SentAt: now}); err != nil {
				t.Fatal(err)
			}
			fresh := first.AddDate(0, 23, 0)
			for _, acc := range []bot.Account{teamsAccount(a.UserID, first), teamsAccount("29:1roster", first), teamsAccount("29:1fresh", fresh)} {
				if err := db.SaveAccount(ctx, acc); err != nil {
					t.Fatal(err)
				}
			}
			now = first.AddDate(1, 0, 0)
			youngNotice := sendNotice(t, db, b.ID, b.UserID, "A younger notice.", now)

			sweep := &bot.Sweeper{Store: db, Now: func() time.Time { return now }, HistoryCutoff: func(t time.Time) time.Time { return t.AddDate(0, -24, 0) }}
			now = first.AddDate(0, 24, 0).Add(-time.Hour)
			if err := sweep.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindAccount(ctx, "teams", "29:1roster"); err != nil {
				t.Errorf("an account within the retention period is gone: %v", err)
			}
			if got, _ := db.Copies(ctx, "teams", bot.OutboxIntro, introID); len(got) != 2 {
				t.Errorf("copies of an intro within the retention period = %+v, want both", got)
			}

			now = first.AddDate(0, 24, 0).Add(time.Hour)
			if err := sweep.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			_, err := db.FindAccount(ctx, "teams", "29:1roster")
			wantCode(t, err, bot.ENOTFOUND)
			for _, id := range []string{a.UserID, "29:1fresh"} {
				if _, err := db.FindAccount(ctx, "teams", id); err != nil {
					t.Errorf("account %s: %v; want it kept (a member's, or refreshed lately)", id, err)
				}
			}
			if got, err := db.Copies(ctx, "teams", bot.OutboxIntro, introID); err != nil || len(got) != 0 {
				t.Errorf("copies of a deleted intro = %+v, %v; want none", got, err)
			}
			if got, err := db.Copies(ctx, "teams", bot.OutboxNotice, oldNotice); err != nil || len(got) != 0 {
				t.Errorf("copies of a deleted notice = %+v, %v; want none", got, err)
			}
			if got, err := db.Copies(ctx, "teams", bot.OutboxFollowUp, followUp); err != nil || len(got) != 0 {
				t.Errorf("copies of the deleted intro's follow-up = %+v, %v; want none", got, err)
			}
			if got, err := db.Copies(ctx, "teams", bot.OutboxNotice, youngNotice); err != nil || len(got) != 1 {
				t.Errorf("copies of a younger notice = %+v, %v; want it kept", got, err)
			}
		})
	}
}
