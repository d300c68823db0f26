package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/storage"
)

// The database is what the Teams adapter keeps its state in.
var _ teams.Store = (*storage.DB)(nil)

// teamsAccount is an account as Teams describes a user, every field set.
func teamsAccount(userID string, at time.Time) bot.Account {
	return bot.Account{Platform: "teams", UserID: userID, ObjectID: "00000000-0000-4000-8000-" + fmt.Sprintf("%012d", len(userID)),
		PrincipalName: "person@nhs.example", TenantID: "11111111-1111-4111-8111-111111111111",
		ServiceURL: "https://smba.trafficmanager.net/uk/", ConversationID: "a:1conv" + userID, UpdatedAt: at}
}

// An account saved again with only some fields keeps the rest: a roster
// read knows the UPN, a later activity only the conversation.
func TestSaveAccountKeepsWhatItIsNotTold(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		first := teamsAccount("29:1ada", utc)
		first.ConversationID = ""
		if err := db.SaveAccount(ctx, first); err != nil {
			t.Fatal(err)
		}
		later := utc.Add(time.Hour)
		if err := db.SaveAccount(ctx, bot.Account{Platform: "teams", UserID: "29:1ada", ConversationID: "a:1chat", UpdatedAt: later}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAccount(ctx, "teams", "29:1ada")
		if err != nil {
			t.Fatal(err)
		}
		want := first
		want.ConversationID, want.UpdatedAt = "a:1chat", later
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("account = %+v\nwant      %+v", *got, want)
		}

		_, err = db.FindAccount(ctx, "teams", "29:1nobody")
		wantCode(t, err, bot.ENOTFOUND)
		_, err = db.FindAccount(ctx, "slack", "29:1ada")
		wantCode(t, err, bot.ENOTFOUND)
		wantCode(t, db.SaveAccount(ctx, bot.Account{Platform: "teams"}), bot.EINVALID)
		wantCode(t, db.SaveAccount(ctx, bot.Account{UserID: "29:1ada"}), bot.EINVALID)
	})
}

// FindAccounts finds the accounts there are among many user IDs, more than
// one query's worth, of the one platform.
func TestFindAccounts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ids := make([]string, 1100)
		for i := range ids {
			ids[i] = fmt.Sprintf("29:1user%04d", i)
		}
		stored := []string{ids[0], ids[700], ids[1099]}
		for _, id := range stored {
			if err := db.SaveAccount(ctx, teamsAccount(id, utc)); err != nil {
				t.Fatal(err)
			}
		}
		other := teamsAccount(ids[5], utc)
		other.Platform = "elsewhere"
		if err := db.SaveAccount(ctx, other); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAccounts(ctx, "teams", ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(stored) {
			t.Errorf("found %d accounts, want %d: %v", len(got), len(stored), got)
		}
		for _, id := range stored {
			if a, ok := got[id]; !ok || !reflect.DeepEqual(a, teamsAccount(id, utc)) {
				t.Errorf("account %s = %+v, %v", id, a, ok)
			}
		}
		none, err := db.FindAccounts(ctx, "teams", nil)
		if err != nil || len(none) != 0 {
			t.Errorf("no user IDs found %v, %v", none, err)
		}
	})
}

// A team is greeted once; saving it again refreshes what it is told and
// keeps the greeting; a team that removed the bot and added it again is
// greeted again.
func TestTeams(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		_, err := db.ClaimGreeting(ctx, "teams", "19:team", utc)
		wantCode(t, err, bot.ENOTFOUND)
		_, err = db.FindTeam(ctx, "teams", "19:team")
		wantCode(t, err, bot.ENOTFOUND)

		team := bot.Team{Platform: "teams", TeamID: "19:team", Name: "Riverside PCN", ChannelID: "19:general",
			ServiceURL: "https://smba.trafficmanager.net/uk/", TenantID: "11111111-1111-4111-8111-111111111111", InstalledAt: utc}
		if err := db.SaveTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindTeam(ctx, "teams", "19:team"); err != nil || !reflect.DeepEqual(*got, team) {
			t.Errorf("team = %+v, %v\nwant   %+v", got, err, team)
		}
		greeted := utc.Add(time.Minute)
		if first, err := db.ClaimGreeting(ctx, "teams", "19:team", greeted); err != nil || !first {
			t.Fatalf("first claim = %v, %v; want true", first, err)
		}
		if again, err := db.ClaimGreeting(ctx, "teams", "19:team", greeted.Add(time.Minute)); err != nil || again {
			t.Fatalf("second claim = %v, %v; want false", again, err)
		}

		if err := db.SaveTeam(ctx, bot.Team{Platform: "teams", TeamID: "19:team", Name: "Riverside and Eastgate PCN", InstalledAt: utc.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		want := team
		want.Name, want.GreetedAt = "Riverside and Eastgate PCN", &greeted
		if got, err := db.FindTeam(ctx, "teams", "19:team"); err != nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("after a refresh, team = %+v, %v\nwant                   %+v", got, err, want)
		}

		if err := db.RemoveTeam(ctx, "teams", "19:team"); err != nil {
			t.Fatal(err)
		}
		_, err = db.FindTeam(ctx, "teams", "19:team")
		wantCode(t, err, bot.ENOTFOUND)
		if err := db.RemoveTeam(ctx, "teams", "19:team"); err != nil {
			t.Errorf("removing a team twice: %v", err)
		}
		if err := db.SaveTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		if first, err := db.ClaimGreeting(ctx, "teams", "19:team", utc); err != nil || !first {
			t.Errorf("claim after the team added the bot again = %v, %v; want true", first, err)
		}
		wantCode(t, db.SaveTeam(ctx, bot.Team{Platform: "teams"}), bot.EINVALID)
	})
}

// Of many replicas told at once that the bot was added to a team (Teams
// sends both installationUpdate and conversationUpdate), one posts the
// welcome.
func TestClaimGreetingOnceAmongMany(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.SaveTeam(ctx, bot.Team{Platform: "teams", TeamID: "19:team", Name: "Riverside PCN", InstalledAt: utc}); err != nil {
			t.Fatal(err)
		}
		const callers = 20
		start := make(chan struct{})
		results := make(chan error, callers)
		var mu sync.Mutex
		firsts := 0
		for range callers {
			go func() {
				<-start
				first, err := db.ClaimGreeting(ctx, "teams", "19:team", utc)
				if first {
					mu.Lock()
					firsts++
					mu.Unlock()
				}
				results <- err
			}()
		}
		close(start)
		for range callers {
			if err := <-results; err != nil {
				t.Error(err)
			}
		}
		if firsts != 1 {
			t.Errorf("%d of %d callers claimed the greeting, want 1", firsts, callers)
		}
	})
}

// Each platform has its own announce channel; choosing again replaces it.
func TestAnnounceChannel(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		_, _, err := db.AnnounceChannel(ctx, "teams")
		wantCode(t, err, bot.ENOTFOUND)
		if err := db.SetAnnounceChannel(ctx, "teams", "19:general", "https://smba.trafficmanager.net/uk/", utc); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAnnounceChannel(ctx, "teams", "19:meetups", "https://smba.trafficmanager.net/emea/", utc.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if ch, url, err := db.AnnounceChannel(ctx, "teams"); err != nil || ch != "19:meetups" || url != "https://smba.trafficmanager.net/emea/" {
			t.Errorf("announce channel = %q, %q, %v; want the second choice", ch, url, err)
		}
		_, _, err = db.AnnounceChannel(ctx, "slack")
		wantCode(t, err, bot.ENOTFOUND)
		wantCode(t, db.SetAnnounceChannel(ctx, "teams", "", "", utc), bot.EINVALID)
	})
}

// The copies of a message come back oldest first, each once however often
// it was recorded, apart from other messages' copies.
func TestSentCopies(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		bea := bot.SentCopy{Platform: "teams", Kind: bot.OutboxIntro, Tag: 7, UserID: "29:1bea", ConversationID: "a:1bea", ActivityID: "1:b", SentAt: utc.Add(time.Second)}
		ada := bot.SentCopy{Platform: "teams", Kind: bot.OutboxIntro, Tag: 7, UserID: "29:1ada", ConversationID: "a:1ada", ActivityID: "1:a", SentAt: utc}
		other := []bot.SentCopy{
			{Platform: "teams", Kind: bot.OutboxNotice, Tag: 7, UserID: "29:1ada", SentAt: utc},
			{Platform: "teams", Kind: bot.OutboxIntro, Tag: 8, UserID: "29:1ada", SentAt: utc},
			{Platform: "elsewhere", Kind: bot.OutboxIntro, Tag: 7, UserID: "29:1ada", SentAt: utc},
		}
		for _, c := range append([]bot.SentCopy{bea, ada, ada}, other...) {
			if err := db.RecordCopy(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.Copies(ctx, "teams", bot.OutboxIntro, 7)
		if err != nil {
			t.Fatal(err)
		}
		if want := []bot.SentCopy{ada, bea}; !reflect.DeepEqual(got, want) {
			t.Errorf("copies = %+v\nwant     %+v", got, want)
		}
		none, err := db.Copies(ctx, "teams", bot.OutboxFollowUp, 7)
		if err != nil || len(none) != 0 {
			t.Errorf("copies of a message never sent = %+v, %v", none, err)
		}
		wantCode(t, db.RecordCopy(ctx, bot.SentCopy{Platform: "teams", Kind: bot.OutboxIntroUpdate, Tag: 7, UserID: "29:1ada"}), bot.EINVALID)
		wantCode(t, db.RecordCopy(ctx, bot.SentCopy{Platform: "teams", Kind: bot.OutboxIntro, Tag: 7}), bot.EINVALID)
	})
}

// A meetup announced on two platforms has a post on each, read back with
// the meetup wherever it is read; announcing again on one replaces its
// post only.
func TestMeetupPostsPerPlatform(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		u := joinMembers(t, db, 1)
		m := createMeetup(t, db, u[0], newMeetup(10))
		if len(m.Posts) != 0 {
			t.Errorf("a new meetup has posts: %+v", m.Posts)
		}
		wantCode(t, db.SetMeetupPost(ctx, m.ID+100, "teams", "19:general", "1:x"), bot.ENOTFOUND)
		if err := db.SetMeetupPost(ctx, m.ID, "teams", "19:general", "1:first"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetMeetupPost(ctx, m.ID, "teams", "19:meetups", "1:second"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetMeetupPost(ctx, m.ID, "slack", "C0MEETUPS1", "1700000000.000100"); err != nil {
			t.Fatal(err)
		}
		want := []bot.MeetupPost{
			{Platform: "slack", Channel: "C0MEETUPS1", MessageRef: "1700000000.000100"},
			{Platform: "teams", Channel: "19:meetups", MessageRef: "1:second"},
		}
		found, err := db.FindMeetup(ctx, m.ID)
		if err != nil || !reflect.DeepEqual(found.Posts, want) {
			t.Errorf("found posts %+v, %v\nwant %+v", found.Posts, err, want)
		}
		list, err := db.ListMeetups(ctx, testNow, 10)
		if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0].Posts, want) {
			t.Errorf("listed %+v, %v", list, err)
		}
		mine, err := db.MemberMeetups(ctx, "slack", u[0], testNow)
		if err != nil || len(mine) != 1 || !reflect.DeepEqual(mine[0].Meetup.Posts, want) {
			t.Errorf("the host's meetups %+v, %v", mine, err)
		}
	})
}
