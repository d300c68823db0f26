package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// teamBoard is a board whose team's members can also be invited
// personally, as Teams' is: it keeps the personal invitation it was given.
type teamBoard struct {
	board
	mu       sync.Mutex
	personal []*bot.Message
	// invite is how many it invites; fail makes the invitations fail
	// after those.
	invite int
	fail   bool
}

func (b *teamBoard) InviteNonMembers(_ context.Context, m *bot.Message) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.personal = append(b.personal, m)
	if b.fail {
		return b.invite, errors.New("the team's roster did not load")
	}
	return b.invite, nil
}

// posted is every message the board was given, in order.
func (b *board) posted() []*bot.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*bot.Message
	for _, ref := range b.order {
		out = append(out, b.posts[ref])
	}
	return out
}

// joinButton reports whether the message has a Join button that opens
// the profile form.
func joinButton(m *bot.Message) bool {
	for _, s := range m.Sections {
		for _, b := range s.Buttons {
			if b.Action == bot.ActionProfileOpen && strings.Contains(b.Label, "Join") {
				return true
			}
		}
	}
	return false
}

// inviteNetwork is a whole core on db with a network channel in Slack and
// a team in Teams; adminID is the admin on both.
func inviteNetwork(t *testing.T, db *storage.DB, clock *time.Time) (*bot.Core, *board, *teamBoard) {
	t.Helper()
	core := homeNetwork(t, db, clock, "")
	slack, teams := &board{}, &teamBoard{invite: 2}
	core.Meetups.Boards = []bot.MeetupBoard{
		{Platform: "slack", Channel: "C0NETWORK1", Board: slack},
		{Platform: "teams", Board: teams},
	}
	return core, slack, teams
}

func teamsUser(id string) bot.User { return bot.User{Platform: "teams", ID: id, Name: id} }

// auditActions are the actions in the admin log, newest first.
func auditActions(t *testing.T, db *storage.DB) []string {
	t.Helper()
	entries, _, err := db.AuditLog(context.Background(), 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action+" by "+e.Actor.ID+": "+e.Detail)
	}
	return out
}

// An admin posts an invitation in the network's Slack channel after
// confirming: one post, with a Join button that opens the form, recorded
// in the admin log. Cancelling posts nothing, and a member can neither
// ask for it nor press a forged confirm.
func TestInviteInSlack(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
			core, slack, _ := inviteNetwork(t, db, &clock)

			if got := say(t, core, tomID, "admin invite"); !strings.Contains(got, "Only network admins can use /introduce-me admin invite") {
				t.Errorf("a member asked to invite: %q", got)
			}
			forged := press(t, core, tomID, bot.ActionInviteConfirm, "post")
			if !strings.Contains(forged.answer, "Only network admins") || len(slack.posted()) != 0 {
				t.Errorf("a member pressed a forged confirm: %q, %d posts", forged.answer, len(slack.posted()))
			}

			r := core.Chat.Command(ctx, user(adminID), bot.CommandName, "admin invite")
			if r == nil || r.Answer == nil {
				t.Fatalf("admin invite: %+v", r)
			}
			readsAll(t, "the confirmation", bot.PlainText(r.Answer), "Post an invitation to join?", "C0NETWORK1", "Join button opens the profile form", "[Post invitation] [Cancel]")
			if b := buttonActions(r.Answer); b["Post invitation"] != bot.ActionInviteConfirm || b["Cancel"] != bot.ActionInviteCancel {
				t.Errorf("the confirmation's buttons: %v", b)
			}
			if strings.Contains(bot.PlainText(r.Answer), "personal invitation") {
				t.Error("Slack's confirmation promises personal invitations")
			}
			if len(slack.posted()) != 0 {
				t.Fatal("posted before the admin confirmed")
			}

			if s := press(t, core, adminID, bot.ActionInviteCancel, "cancel"); s.answer != "Nothing was posted." || !s.replaced {
				t.Errorf("cancel: %+v", s)
			}
			if len(slack.posted()) != 0 {
				t.Fatal("cancel posted")
			}

			confirm := core.Chat.Action(ctx, user(adminID), bot.ActionInviteConfirm, "post")
			if confirm == nil || confirm.Later == nil || !confirm.Replace {
				t.Fatalf("confirm: %+v; want the work done after the platform is answered", confirm)
			}
			if len(slack.posted()) != 0 {
				t.Fatal("posted before the platform was answered")
			}
			s := carry(t, confirm)
			if s.answer != "Posted in C0NETWORK1. Anyone there can join with its button." || !s.replaced {
				t.Errorf("after posting: %+v", s)
			}
			posts := slack.posted()
			if len(posts) != 1 || !joinButton(posts[0]) {
				t.Fatalf("the channel got %d posts; want one with a Join button", len(posts))
			}
			readsAll(t, "the invitation", bot.PlainText(posts[0]), "Rapport introduces people across the practices", "[Join Rapport]")
			if joined := press(t, core, guestID, bot.ActionProfileOpen, "join"); joined.form == nil || joined.form.ID != bot.ProfileFormID {
				t.Errorf("Join on the invitation: %+v", joined)
			}
			if got := auditActions(t, db); len(got) != 1 || got[0] != bot.AuditInvite+" by "+adminID+": posted in C0NETWORK1" {
				t.Errorf("admin log: %q", got)
			}

			// A channel Rapport cannot post in: told so, nothing logged.
			slack.refuse = true
			if s := press(t, core, adminID, bot.ActionInviteConfirm, "post"); !strings.Contains(s.answer, "couldn't post the invitation in C0NETWORK1") {
				t.Errorf("a refused post: %q", s.answer)
			}
			if got := auditActions(t, db); len(got) != 1 {
				t.Errorf("a failed post is in the admin log: %q", got)
			}
		})
	}
}

// In Teams the invitation goes to the team's channel, and the board
// invites each member of the team who has not joined, once: the admin
// hears how many.
func TestInviteInTeams(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
			core, slack, teams := inviteNetwork(t, db, &clock)
			admin := teamsUser(adminID)

			r := core.Chat.Command(ctx, teamsUser(tomID), bot.CommandName, "admin invite")
			if got := carry(t, r).answer; !strings.Contains(got, "Only network admins") {
				t.Errorf("a Teams member asked to invite: %q", got)
			}
			if got := carry(t, core.Chat.Action(ctx, teamsUser(tomID), bot.ActionInviteConfirm, "post")).answer; !strings.Contains(got, "Only network admins") {
				t.Errorf("a Teams member confirmed: %q", got)
			}

			confirmation := carry(t, core.Chat.Command(ctx, admin, bot.CommandName, "admin invite")).answer
			readsAll(t, "Teams' confirmation", confirmation, bot.ChannelWords, "Each member of the team who hasn't joined also gets one personal invitation from me, never a second.")

			s := carry(t, core.Chat.Action(ctx, admin, bot.ActionInviteConfirm, "post"))
			if !strings.Contains(s.answer, "2 people got a personal invitation.") {
				t.Errorf("after posting in Teams: %q", s.answer)
			}
			if posts := teams.posted(); len(posts) != 1 || !joinButton(posts[0]) {
				t.Fatalf("the team's channel got %d posts; want one with a Join button", len(posts))
			}
			if len(teams.personal) != 1 || !joinButton(teams.personal[0]) {
				t.Fatalf("personal invitations asked for %d times; want once, with a Join button", len(teams.personal))
			}
			readsAll(t, "the personal invitation", bot.PlainText(teams.personal[0]), "You're invited to Rapport", "the only invitation I'll send you")
			if len(slack.posted()) != 0 {
				t.Error("an invitation from Teams was posted in Slack")
			}
			if got := auditActions(t, db); len(got) != 1 || !strings.HasPrefix(got[0], bot.AuditInvite+" by "+adminID) || !strings.Contains(got[0], "2 personal invitations") {
				t.Errorf("admin log: %q", got)
			}

			// Some could not be invited: the admin is told to run it again.
			teams.fail, teams.invite = true, 1
			s = carry(t, core.Chat.Action(ctx, admin, bot.ActionInviteConfirm, "post"))
			readsAll(t, "incomplete invitations", s.answer, "1 person got a personal invitation.", "only those not yet invited will get one")
		})
	}
}

// With nowhere to post, the admin hears which setting gives a channel.
func TestInviteWithNoChannel(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
			core := homeNetwork(t, db, &clock, "")

			if got := say(t, core, adminID, "admin invite"); !strings.Contains(got, "RAPPORT_ANNOUNCE_CHANNEL") {
				t.Errorf("Slack without a channel: %q", got)
			}
			got := carry(t, core.Chat.Command(context.Background(), teamsUser(adminID), bot.CommandName, "admin invite")).answer
			if !strings.Contains(got, "add Rapport to the network's team") {
				t.Errorf("Teams without a team: %q", got)
			}
			if s := press(t, core, adminID, bot.ActionInviteConfirm, "post"); !strings.Contains(s.answer, "RAPPORT_ANNOUNCE_CHANNEL") {
				t.Errorf("confirm without a channel: %q", s.answer)
			}
		})
	}
}
