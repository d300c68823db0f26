package teams_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// invitation is a stand-in for the core's invitation, for the tests that
// call the board directly.
func invitation() *bot.Message {
	return &bot.Message{Title: "You're invited to Rapport", Sections: []bot.Section{
		{Text: bot.P("Rapport introduces people across the network.")},
		{Buttons: []bot.Button{{Action: bot.ActionProfileOpen, Label: "Join", Style: bot.StylePrimary}}},
	}}
}

// invitations are the personal invitations u has had: messages in u's
// chat that say so, with a Join button.
func invitations(u *teamstest.User) []teamstest.Message {
	var out []teamstest.Message
	for _, m := range u.Messages() {
		if b, ok := profileButton(m); ok && strings.Contains(b, "Join") && strings.Contains(m.CardText(), "You're invited to Rapport") {
			out = append(out, m)
		}
	}
	return out
}

// inviteTeam is a team of five with Rapport installed, in which Ana and
// Ben have joined and Cara, Dev and Eve have not.
type inviteTeam struct {
	team                    *teamstest.Team
	ana, ben, cara, dev, ev *teamstest.User
}

func (r *rig) inviteTeam() inviteTeam {
	r.t.Helper()
	var it inviteTeam
	it.ana = r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
	it.ben = r.s.AddUser("Ben Okoro", "ben.okoro@nhs.net")
	it.cara = r.s.AddUser("Cara Jones", "cara.jones@nhs.net")
	it.dev = r.s.AddUser("Dev Patel", "dev.patel@nhs.net")
	it.ev = r.s.AddUser("Eve Quinn", "eve.quinn@nhs.net")
	it.team = r.s.AddTeam("Riverside PCN", it.ana, it.cara, it.ben, it.dev, it.ev)
	if _, err := it.team.Install(""); err != nil {
		r.t.Fatal(err)
	}
	r.settle()
	r.join(it.ana, "Riverside Surgery")
	r.join(it.ben, "Northfield Pharmacy")
	return it
}

// An admin types "admin invite", confirms, and the team channel (the one
// Rapport was added in, until an admin chooses one for meetups) gets the
// invitation with a Join button; each person of the team who has not
// joined gets one personal invitation, whose Join opens the form, and
// members get none; the admin is told how many. Inviting again sends
// nobody a second one.
func TestAdminInvitesTheTeam(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			it := r.inviteTeam()
			general := it.team.General()
			events := it.team.AddChannel("Events")

			invite := func(ch *teamstest.Channel, told string) {
				t.Helper()
				confirm := r.say(it.ana, "admin invite")
				if _, ok := confirm.Button("Post invitation"); !ok {
					t.Fatalf("admin invite shows:\n%s", confirm.CardText())
				}
				before := len(ch.Messages())
				r.press(it.ana, confirm, "Post invitation", nil)
				post := r.channelMessage(ch, before+1)
				if b, ok := profileButton(post); !ok || !strings.Contains(b, "Join") {
					t.Fatalf("the channel shows:\n%s", post.CardText())
				}
				ctx, cancel := wait()
				defer cancel()
				if err := r.s.Wait(ctx, func() bool {
					return len(invitations(it.cara)) > 0 && len(invitations(it.dev)) > 0 && len(invitations(it.ev)) > 0
				}); err != nil {
					t.Fatalf("not everyone was invited: %v", err)
				}
				// The admin's confirmation becomes the outcome.
				ctx2, cancel2 := wait()
				defer cancel2()
				var shown string
				if err := r.s.Wait(ctx2, func() bool {
					m, _ := r.s.Message(confirm.ID, it.ana)
					shown = strings.ReplaceAll(displayed(m.CardText()), "\u00a0", " ")
					return strings.Contains(shown, told)
				}); err != nil {
					t.Errorf("the admin is told:\n%q\nwant %q", shown, told)
				}
				r.settle()
			}
			invite(general, "3 people got a personal invitation")
			for _, u := range []*teamstest.User{it.cara, it.dev, it.ev} {
				if n := len(invitations(u)); n != 1 {
					t.Errorf("%s has %d personal invitations, want 1", u.Name, n)
				}
			}
			for _, u := range []*teamstest.User{it.ana, it.ben} {
				if n := len(invitations(u)); n != 0 {
					t.Errorf("member %s has %d personal invitations", u.Name, n)
				}
			}

			// Cara joins from her invitation.
			inv := invitations(it.cara)[0]
			join, _ := profileButton(inv)
			n := len(it.cara.Messages())
			r.press(it.cara, inv, join, nil)
			if form := r.waitCard(it.cara, n+1); len(form.Inputs()) == 0 {
				t.Fatalf("Join on the invitation shows:\n%s", form.CardText())
			}

			// A second invitation goes to the channel an admin has chosen
			// for meetups since, and to nobody in person.
			if _, err := it.ana.SayIn(events, "meetups here", true); err != nil {
				t.Fatal(err)
			}
			r.channelMessage(events, 1)
			invite(events, "0 people got a personal invitation")
			if n := len(general.Messages()); n != 2 {
				t.Errorf("%d messages in General, want the welcome and the first invitation", n)
			}
			for _, u := range []*teamstest.User{it.cara, it.dev, it.ev} {
				if n := len(invitations(u)); n != 1 {
					t.Errorf("after a second admin invite, %s has %d personal invitations, want 1", u.Name, n)
				}
			}
		})
	}
}

// Someone who is not an admin cannot invite: typed, or by a button press
// made up to look like the confirmation's.
func TestOnlyAdminsInvite(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			it := r.inviteTeam()
			general := it.team.General()
			before := len(general.Messages())
			if got := displayed(r.say(it.ben, "admin invite").CardText()); strings.Contains(got, "Post invitation") {
				t.Errorf("a member is offered to invite:\n%s", got)
			}
			for _, action := range []string{bot.ActionInviteConfirm, bot.ActionInviteCancel} {
				if _, err := forgePress(r.s, it.ben, action, ""); err != nil {
					t.Fatal(err)
				}
			}
			r.settle()
			time.Sleep(200 * time.Millisecond)
			r.settle()
			if n := len(general.Messages()) - before; n != 0 {
				t.Errorf("%d posts in the channel after a member's attempts", n)
			}
			for _, u := range []*teamstest.User{it.cara, it.dev, it.ev} {
				if n := len(invitations(u)); n != 0 {
					t.Errorf("%s was invited by a member", u.Name)
				}
			}
		})
	}
}

// forgePress sends, from u's personal chat, the invoke a press of a
// button with the action would send, though u was never shown one.
func forgePress(s *teamstest.Server, u *teamstest.User, action, value string) (*teamstest.Result, error) {
	data, _ := json.Marshal(map[string]any{"rapport": map[string]string{"a": action, "v": value}})
	var v schema.AdaptiveCardInvokeValue
	v.Action.Type, v.Action.Verb, v.Action.Data = "Action.Execute", action, data
	raw, _ := json.Marshal(v)
	from := u.Account()
	return s.Deliver(&schema.Activity{Type: schema.TypeInvoke, Name: schema.InvokeAdaptiveCardAction, From: &from, Value: raw,
		Conversation: &schema.ConversationAccount{ID: u.ChatID(), ConversationType: schema.ConversationPersonal, TenantID: s.TenantID()},
		ChannelData:  &schema.ChannelData{Tenant: &schema.TenantInfo{ID: s.TenantID()}}})
}

// The board invites each person in any team who has not joined once, in
// a personal chat it opens, though they are in two teams, and though two
// replicas invite at once; it counts those it invited; people who have
// joined and the bot are never invited.
func TestInviteNonMembersOnceEach(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			one := newReplica(t, target, replicaOptions{})
			two := newReplica(t, target, replicaOptions{share: one})
			s := one.s
			ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
			var strangers []*teamstest.User
			for _, name := range []string{"Cara Jones", "Dev Patel", "Eve Quinn", "Finn Reid"} {
				strangers = append(strangers, s.AddUser(name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@nhs.net"))
			}
			north := s.AddTeam("Northfield", ana, strangers[0], strangers[1])
			south := s.AddTeam("Southgate", strangers[1], strangers[2], strangers[3], ana)
			for _, tm := range []*teamstest.Team{north, south} {
				if _, err := tm.Install(""); err != nil {
					t.Fatal(err)
				}
			}
			one.settle()
			one.join(ana, "Riverside Surgery")
			creates := s.Count("create")

			var wg sync.WaitGroup
			counts := make([]int, 2)
			for i, rep := range []*replica{one, two} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := rep.adapter.Board().(bot.TeamInviter).InviteNonMembers(context.Background(), invitation())
					if err != nil {
						t.Errorf("replica %d: %v", i+1, err)
					}
					counts[i] = n
				}()
			}
			wg.Wait()
			if counts[0]+counts[1] != len(strangers) {
				t.Errorf("the replicas counted %v invitations, want %d in all", counts, len(strangers))
			}
			for _, u := range strangers {
				if n := len(invitations(u)); n != 1 {
					t.Errorf("%s has %d invitations, want 1", u.Name, n)
				}
			}
			if n := len(invitations(ana)); n != 0 {
				t.Errorf("member Ana was invited %d times", n)
			}
			if n := s.Count("create") - creates; n != len(strangers) {
				t.Errorf("%d personal chats opened for %d people", n, len(strangers))
			}
			// What is kept of them: no account is added beyond the
			// roster's, and no personal chat is recorded.
			for _, u := range strangers {
				acct, err := one.db.FindAccount(context.Background(), teams.Platform, u.ID)
				if err != nil {
					t.Fatalf("%s: %v", u.Name, err)
				}
				if acct.ConversationID != "" {
					t.Errorf("%s's personal chat was recorded", u.Name)
				}
			}
			n, err := one.adapter.Board().(bot.TeamInviter).InviteNonMembers(context.Background(), invitation())
			if err != nil || n != 0 {
				t.Errorf("inviting again: %d invited, err %v", n, err)
			}
			for _, u := range strangers {
				if n := len(invitations(u)); n != 1 {
					t.Errorf("after a second run, %s has %d invitations", u.Name, n)
				}
			}
		})
	}
}

// An invitation that cannot be sent is not sent again: when Teams fails
// for everyone the run stops at once, having used up only the invitation
// on its way, and a later run invites the rest; a person who blocked the
// bot is skipped and the others are invited; a run whose context ended
// invites nobody.
func TestInviteNonMembersWhenSendingFails(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newReplica(t, target, replicaOptions{})
			s := r.s
			var people []*teamstest.User
			for _, name := range []string{"Cara Jones", "Dev Patel", "Eve Quinn", "Finn Reid"} {
				people = append(people, s.AddUser(name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@nhs.net"))
			}
			team := s.AddTeam("Northfield", people...)
			if _, err := team.Install(""); err != nil {
				t.Fatal(err)
			}
			r.settle()
			board := r.adapter.Board().(bot.TeamInviter)
			ctx := context.Background()

			s.Fail("send", http.StatusServiceUnavailable, 3, 0)
			n, err := board.InviteNonMembers(ctx, invitation())
			if err == nil || n != 0 {
				t.Errorf("Teams failing every send: %d invited, err %v", n, err)
			}
			for _, u := range people {
				if got := len(invitations(u)); got != 0 {
					t.Errorf("%s has %d invitations while sends fail", u.Name, got)
				}
			}
			// Cara's invitation was on its way and is not sent again; Dev
			// has blocked the bot and is skipped; Eve and Finn are invited.
			s.ClearFaults()
			s.Block(people[1])
			n, err = board.InviteNonMembers(ctx, invitation())
			if err != nil || n != 2 {
				t.Errorf("the next run invited %d (err %v), want Eve and Finn", n, err)
			}
			s.Unblock(people[1])
			if n, err := board.InviteNonMembers(ctx, invitation()); err != nil || n != 0 {
				t.Errorf("a third run invited %d (err %v), want nobody", n, err)
			}
			for i, u := range people {
				want := 0
				if i >= 2 {
					want = 1
				}
				if got := len(invitations(u)); got != want {
					t.Errorf("%s has %d invitations, want %d", u.Name, got, want)
				}
			}

			// A run whose context has ended invites nobody.
			late := s.AddUser("Gus Hart", "gus.hart@nhs.net")
			if _, err := team.AddMember(late); err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if n, err := board.InviteNonMembers(cctx, invitation()); err == nil || n != 0 {
				t.Errorf("a cancelled run invited %d (err %v)", n, err)
			}
			if n, err := board.InviteNonMembers(ctx, invitation()); err != nil || n != 1 {
				t.Errorf("after a cancelled run, %d invited (err %v), want Gus", n, err)
			}
		})
	}
}
