package teams_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// organisations are the practices a rig's network knows.
var organisations = []string{"Riverside Surgery", "Northfield Pharmacy", "Eastgate Housing"}

func (r *rig) addOrganisations() {
	r.t.Helper()
	for _, o := range organisations {
		if _, err := r.db.AddOrganisation(context.Background(), o, time.Now()); err != nil {
			r.t.Fatal(err)
		}
	}
}

// wait is a context for one wait on the stand-in.
func wait() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// say sends text in u's personal chat and returns the bot's next message.
func (r *rig) say(u *teamstest.User, text string) teamstest.Message {
	r.t.Helper()
	n := len(u.Messages())
	res, err := u.Say(text)
	if err != nil {
		r.t.Fatalf("saying %q: %v", text, err)
	}
	if res.Err != nil {
		r.t.Fatalf("saying %q: %v", text, res.Err)
	}
	return r.waitCard(u, n+1)
}

// press presses a button and fails the test if Teams would show an error.
func (r *rig) press(u *teamstest.User, m teamstest.Message, button string, inputs map[string]string) *teamstest.Result {
	r.t.Helper()
	res, err := u.Press(m.ID, button, inputs)
	if err != nil {
		r.t.Fatalf("pressing %q: %v\n%s", button, err, m.CardText())
	}
	return res
}

// join installs Rapport for u and saves a profile through the form.
func (r *rig) join(u *teamstest.User, org string) {
	r.t.Helper()
	if res, err := u.InstallPersonal(); err != nil || res.Err != nil {
		r.t.Fatalf("installing: %v %v", err, res)
	}
	welcome := r.waitCard(u, 1)
	join, ok := profileButton(welcome)
	if !ok {
		r.t.Fatalf("%s's welcome has no button to join:\n%s", u.Name, welcome.CardText())
	}
	r.press(u, welcome, join, nil)
	form := r.waitCard(u, 2)
	res := r.press(u, form, "Save", map[string]string{bot.FieldOrganisation: org, bot.FieldSector: "gp_practice",
		bot.FieldRole: "practice_nurse", bot.FieldCareerStage: "established"})
	if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
		r.t.Fatalf("saving %s's profile, the card shows:\n%s", u.Name, teamstest.CardText(res.Card))
	}
	r.waitCard(u, 3)
}

// Commands typed in a personal chat work with or without a slash or an
// @mention, and an unknown word gets a kind pointer to help.
func TestCommandsInPersonalChat(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target)
			r.addOrganisations()
			priya := r.s.AddUser("Priya Shah", "priya.shah@nhs.net")
			r.join(priya, "Riverside Surgery")
			for _, text := range []string{"help", "/help", "<at>Rapport</at> help", "introduce-me help", "/introduce-me help", "hello"} {
				help := displayed(r.say(priya, text).CardText())
				for _, want := range []string{"introduce-me status", "introduce-me pause", "introduce-me resume",
					"introduce-me export", "introduce-me leave", "meetup list", "meetup mine", "meetup cancel"} {
					if !strings.Contains(help, want) {
						t.Errorf("%q: help does not list %s:\n%s", text, want, help)
					}
				}
				if strings.Contains(help, "introduce-me admin") {
					t.Errorf("%q: a member is shown the admin commands:\n%s", text, help)
				}
			}
			check := func(text, want string) {
				t.Helper()
				if got := displayed(r.say(priya, text).CardText()); !strings.Contains(got, want) {
					t.Errorf("%q: want %q in:\n%s", text, want, got)
				}
			}
			check("status", "You are **taking part**")
			check("/status", "Organisation: Riverside Surgery")
			check("<at>Rapport</at> pause", "paused until you resume")
			check("status", "until you resume with introduce-me resume")
			check("/introduce-me resume", "Welcome back")
			check("pause 2 weeks", "paused until "+time.Now().AddDate(0, 0, 14).Format("Monday 2 January 2006"))
			check("resume", "Welcome back")
			check("frobnicate", "I don't know the command “frobnicate”")
			check("frobnicate", "Here's what you can do")
			check("stats", "Did you mean introduce-me status?")
			check("meetup list", "No meetups are coming up")
			check("/meetup list", "No meetups are coming up")
			check("<at>Rapport</at> meetup list", "No meetups are coming up")
			m, err := r.db.FindMember(context.Background(), teams.Platform, priya.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.PausedAt(time.Now()) {
				t.Errorf("still paused after resume")
			}
		})
	}
}

// deliver runs the outbox until the test ends.
func (r *rig) deliver() {
	r.t.Helper()
	r.core.Delivery.Idle = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.core.Delivery.Run(ctx); close(done) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

// introCards are the intros in u's personal chat.
func introCards(u *teamstest.User) []teamstest.Message {
	var out []teamstest.Message
	for _, m := range u.Messages() {
		if strings.HasPrefix(m.CardText(), "Meet ") {
			out = append(out, m)
		}
	}
	return out
}

// waitIntro waits for u's one intro card.
func (r *rig) waitIntro(u *teamstest.User) teamstest.Message {
	r.t.Helper()
	r.waitFor(u, func(m teamstest.Message) bool { return strings.HasPrefix(m.CardText(), "Meet ") })
	cards := introCards(u)
	if len(cards) != 1 {
		r.t.Fatalf("%s has %d intros", u.Name, len(cards))
	}
	return cards[0]
}

// waitFor waits until u's chat shows a message ok accepts, and returns it.
func (r *rig) waitFor(u *teamstest.User, ok func(teamstest.Message) bool) teamstest.Message {
	r.t.Helper()
	var found teamstest.Message
	r.until(func() bool {
		for _, m := range u.Messages() {
			if ok(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// until waits until cond holds, looking again after every change in
// Teams.
func (r *rig) until(cond func() bool) {
	r.t.Helper()
	ctx, cancel := wait()
	defer cancel()
	if err := r.s.Wait(ctx, cond); err != nil {
		r.t.Fatalf("waiting: %v", err)
	}
}

// runRound has admin run a round with the confirm button.
func (r *rig) runRound(admin *teamstest.User) {
	r.t.Helper()
	confirm := r.say(admin, "admin run-now")
	res := r.press(admin, confirm, "Run the round now", nil)
	if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), "Running the round") {
		r.t.Fatalf("after confirming, the card shows %v", res.Card)
	}
	r.waitFor(admin, func(m teamstest.Message) bool { return strings.Contains(m.CardText(), "is under way") })
}

// An admin named by sign-in name or by object ID runs a round with the
// confirm button; a member who is not an admin is refused; each member
// of the intro gets a card of their own with links to the others.
func TestAdminRunsARound(t *testing.T) {
	for _, by := range []string{"upn", "object id"} {
		for _, target := range storagetest.Databases(t) {
			t.Run(by+"/"+target.Name, func(t *testing.T) {
				// The admin list is read when a command comes in; an object ID
				// is only known once the user exists, so it is filled in then.
				admins := []string{"ANA.LIMA@nhs.net"}
				r := newRig(t, target, admins...)
				r.addOrganisations()
				ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
				if by == "object id" {
					admins[0] = strings.ToUpper(ana.ObjectID)
				}
				ben := r.s.AddUser("Ben Okoro", "ben.okoro@nhs.net")
				r.join(ana, "Riverside Surgery")
				r.join(ben, "Northfield Pharmacy")
				r.deliver()

				// A member who is not an admin is refused, and a confirm button
				// they forge does nothing.
				if got := r.say(ben, "admin run-now").CardText(); !strings.Contains(got, "Only network admins") {
					t.Errorf("a member asking to run a round is told:\n%s", got)
				}
				if got := r.say(ben, "admin stats").CardText(); !strings.Contains(got, "Only network admins") {
					t.Errorf("a member asking for the figures is told:\n%s", got)
				}
				if got := displayed(r.say(ana, "help").CardText()); !strings.Contains(got, "introduce-me admin run-now") {
					t.Errorf("an admin's help does not list the admin commands:\n%s", got)
				}
				r.runRound(ana)

				for _, pair := range [][2]*teamstest.User{{ana, ben}, {ben, ana}} {
					u, other := pair[0], pair[1]
					card := r.waitIntro(u)
					text := displayed(card.CardText())
					for _, want := range []string{"Meet Ana Lima and Ben Okoro", "Why we introduced you", "A first question",
						"Practice nurse, Riverside Surgery", "Practice nurse, Northfield Pharmacy", "use Start a chat to say hello"} {
						if !strings.Contains(text, want) {
							t.Errorf("%s's intro does not say %q:\n%s", u.Name, want, text)
						}
					}
					if strings.Contains(text, "Reply here") {
						t.Errorf("%s's intro asks for a reply that would reach only the bot:\n%s", u.Name, text)
					}
					for _, b := range []string{"We've arranged to meet", "Pause my intros", "Not a good match"} {
						if _, ok := card.Button(b); !ok {
							t.Errorf("%s's intro has no %q button", u.Name, b)
						}
					}
					chat, err := card.Link(bot.StartChatLabel)
					if err != nil {
						t.Fatal(err)
					}
					meet, err := card.Link(bot.ProposeMeetingLabel)
					if err != nil {
						t.Fatal(err)
					}
					if q := query(t, chat); q.Get("users") != other.UPN || !strings.HasPrefix(chat, "https://teams.microsoft.com/l/chat/0/0?") {
						t.Errorf("%s's chat link %s does not name only %s", u.Name, chat, other.UPN)
					}
					if q := query(t, meet); q.Get("attendees") != other.UPN {
						t.Errorf("%s's meeting link %s does not invite only %s", u.Name, meet, other.UPN)
					}
				}

				// Pressing an intro button answers in place.
				card := r.waitIntro(ben)
				r.press(ben, card, "We've arranged to meet", nil)
				r.waitFor(ben, func(m teamstest.Message) bool { return strings.Contains(m.CardText(), "Wonderful, enjoy meeting!") })
				if len(introCards(ben)) != 1 {
					t.Errorf("the intro card went away after pressing a button")
				}
			})
		}
	}
}

// When Teams would not say a member's sign-in name, the intro has no chat
// link with them, and does not point at one.
func TestIntroWithoutSignInNames(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
			ben := r.s.AddUser("Ben Okoro", "ben.okoro@nhs.net")
			r.join(ana, "Riverside Surgery")
			r.s.Fail("members", 500, 1000, 0)
			r.join(ben, "Northfield Pharmacy")
			r.s.ClearFaults()
			r.deliver()
			r.runRound(ana)
			card := r.waitIntro(ana)
			if _, err := card.Link(bot.StartChatLabel); err == nil {
				t.Errorf("a chat link without the other's sign-in name")
			}
			if text := card.CardText(); strings.Contains(text, "Start a chat") || !strings.Contains(text, "find the others in Teams by name") {
				t.Errorf("the intro's small print:\n%s", text)
			}
			// Ben's copy links to Ana, whose sign-in name is known.
			if _, err := r.waitIntro(ben).Link(bot.StartChatLabel); err != nil {
				t.Errorf("no chat link to a member whose sign-in name is known: %v", err)
			}
		})
	}
}

// A member who blocked Rapport cannot be reached: they are marked so, as
// in Slack, and their partner is told. A 429 from Teams pauses sending,
// and the intro still arrives once.
func TestUnreachableAndRateLimitedDelivery(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run("blocked in a trio/"+target.Name, func(t *testing.T) {
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
			ben := r.s.AddUser("Ben Okoro", "ben.okoro@nhs.net")
			cara := r.s.AddUser("Cara Jones", "cara.jones@nhs.net")
			r.join(ana, "Riverside Surgery")
			r.join(ben, "Northfield Pharmacy")
			r.join(cara, "Eastgate Housing")
			r.s.Block(cara)
			r.deliver()
			r.runRound(ana)
			// The others' copies end up naming only the two of them.
			for _, u := range []*teamstest.User{ana, ben} {
				r.waitFor(u, func(m teamstest.Message) bool {
					return strings.HasPrefix(m.CardText(), "Meet Ana Lima and Ben Okoro")
				})
				if n := len(introCards(u)); n != 1 {
					t.Errorf("%s has %d intros", u.Name, n)
				}
			}
			m, err := r.db.FindMember(context.Background(), teams.Platform, cara.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != bot.StatusInactive {
				t.Errorf("a member who blocked Rapport is %q, want inactive", m.Status)
			}
		})
	}
	for _, target := range storagetest.Databases(t) {
		t.Run("blocked in a pair/"+target.Name, func(t *testing.T) {
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
			cara := r.s.AddUser("Cara Jones", "cara.jones@nhs.net")
			r.join(ana, "Riverside Surgery")
			r.join(cara, "Eastgate Housing")
			r.s.Block(cara)
			r.deliver()
			r.runRound(ana)
			told := r.waitFor(ana, func(m teamstest.Message) bool {
				return strings.Contains(m.CardText(), "can no longer receive messages")
			})
			if !strings.Contains(told.CardText(), "Cara") || !strings.Contains(told.CardText(), "first in line") {
				t.Errorf("the partner is told:\n%s", told.CardText())
			}
			if n := len(introCards(ana)); n != 0 {
				t.Errorf("the partner still has %d intro cards for an intro that could not go ahead", n)
			}
			m, err := r.db.FindMember(context.Background(), teams.Platform, cara.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != bot.StatusInactive {
				t.Errorf("a member who blocked Rapport is %q, want inactive", m.Status)
			}
		})
	}
	for _, target := range storagetest.Databases(t) {
		t.Run("429/"+target.Name, func(t *testing.T) {
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
			ben := r.s.AddUser("Ben Okoro", "ben.okoro@nhs.net")
			r.join(ana, "Riverside Surgery")
			r.join(ben, "Northfield Pharmacy")
			r.deliver()
			r.s.Fail("send", 429, 1, 2*time.Second)
			r.runRound(ana)
			// Each gets the intro once, after the pause.
			r.waitIntro(ana)
			r.waitIntro(ben)
			limited := 0
			for _, q := range r.s.RequestsTo("send") {
				if q.Status == 429 {
					limited++
				}
			}
			if limited != 1 {
				t.Fatalf("%d sends answered 429, want 1", limited)
			}
			for _, u := range []*teamstest.User{ana, ben} {
				if n := len(introCards(u)); n != 1 {
					t.Errorf("%s got the intro %d times", u.Name, n)
				}
			}
		})
	}
}

func query(t *testing.T, link string) url.Values {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// A team installs Rapport: the team is recorded, one welcome goes to the
// channel chosen, though Teams tells of the install twice, and the whole
// roster is read, page by page, so members can be reached. A member who
// has never written to Rapport presses "Set up my profile" on the channel
// welcome and gets the form in a personal chat Rapport opens for them.
func TestTeamInstall(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target)
			r.addOrganisations()
			var members []*teamstest.User
			for i := range 520 {
				members = append(members, r.s.AddUser(fmt.Sprintf("Person%d Test", i), fmt.Sprintf("person%d.test@nhs.net", i)))
			}
			team := r.s.AddTeam("Riverside PCN", members...)
			news := team.AddChannel("News")
			res, err := team.Install("News")
			if err != nil {
				t.Fatal(err)
			}
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			ctx := context.Background()
			// Every member's account is stored with their sign-in name.
			// The roster is read after Teams was answered.
			r.adapter.Wait(10 * time.Second)
			for _, u := range members {
				acct, err := r.db.FindAccount(ctx, teams.Platform, u.ID)
				if err != nil {
					t.Fatalf("%s: %v", u.Name, err)
				}
				if acct.PrincipalName != u.UPN || acct.ObjectID != u.ObjectID || acct.ServiceURL == "" {
					t.Fatalf("%s stored as %+v", u.Name, acct)
				}
			}
			pages := 0
			for _, q := range r.s.RequestsTo("members") {
				if strings.Contains(q.Path, "pagedmembers") {
					pages++
				}
			}
			if pages != 2 {
				t.Errorf("the roster of %d was read in %d pages, want 2", len(members), pages)
			}
			if _, err := r.db.FindTeam(ctx, teams.Platform, team.ID); err != nil {
				t.Errorf("team not recorded: %v", err)
			}
			// One welcome, in the channel chosen.
			wctx, cancel := wait()
			defer cancel()
			msgs, err := news.WaitMessages(wctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || len(news.Messages()) != 1 {
				t.Fatalf("%d welcomes in the channel", len(news.Messages()))
			}
			if n := len(team.General().Messages()); n != 0 {
				t.Errorf("%d messages in General, which was not chosen", n)
			}
			welcome := msgs[0]
			if !strings.Contains(welcome.CardText(), "Set up my profile") {
				t.Errorf("team welcome:\n%s", welcome.CardText())
			}
			u := members[7]
			if u.ChatID() != "" {
				t.Fatalf("%s already has a personal chat", u.Name)
			}
			r.press(u, welcome, "Set up my profile", nil)
			form := r.waitCard(u, 1)
			if len(form.Inputs()) == 0 {
				t.Fatalf("%s's personal chat shows:\n%s", u.Name, form.CardText())
			}
			if n := len(news.Messages()); n != 1 {
				t.Errorf("pressing the welcome's button posted in the channel: %d messages", n)
			}
			res = r.press(u, form, "Save", map[string]string{bot.FieldOrganisation: "Riverside Surgery", bot.FieldSector: "gp_practice",
				bot.FieldRole: "practice_nurse", bot.FieldCareerStage: "established"})
			if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
				t.Fatalf("saving, the card shows:\n%s", teamstest.CardText(res.Card))
			}
			if _, err := r.db.FindMember(ctx, teams.Platform, u.ID); err != nil {
				t.Errorf("the member is not saved: %v", err)
			}
		})
	}
}

// announcement waits for the channel's n-th message and returns it.
func (r *rig) channelMessage(ch *teamstest.Channel, n int) teamstest.Message {
	r.t.Helper()
	ctx, cancel := wait()
	defer cancel()
	ms, err := ch.WaitMessages(ctx, n)
	if err != nil {
		r.t.Fatalf("waiting for message %d in %s: %v", n, ch.Name, err)
	}
	return ms[n-1]
}

// Meetups in a team channel: only an admin chooses the channel, by
// mentioning Rapport there; a member's meetup is announced in it; the
// one announcement's counts change in place for everyone as people
// answer, each answer goes privately to whoever pressed, and a full
// meetup keeps a waiting list that moves up when a place frees.
func TestMeetupsInAChannel(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			ctx := context.Background()
			ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
			ben := r.s.AddUser("Ben Okoro", "ben.okoro@nhs.net")
			cara := r.s.AddUser("Cara Jones", "cara.jones@nhs.net")
			team := r.s.AddTeam("Riverside PCN", ana, ben, cara)
			events := team.AddChannel("Events")
			if _, err := team.Install(""); err != nil {
				t.Fatal(err)
			}
			r.adapter.Wait(10 * time.Second)
			r.join(ana, "Riverside Surgery")
			r.join(ben, "Northfield Pharmacy")
			r.join(cara, "Eastgate Housing")
			r.deliver()

			// A member who is not an admin is refused, and nothing changes.
			if _, err := ben.SayIn(events, "meetups here", true); err != nil {
				t.Fatal(err)
			}
			if got := r.channelMessage(events, 1).CardText(); !strings.Contains(got, "Only network admins") {
				t.Errorf("a member choosing the meetup channel is told:\n%s", got)
			}
			if _, _, err := r.db.AnnounceChannel(ctx, teams.Platform); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Fatalf("after a member's try, the meetup channel is set (err %v)", err)
			}
			if _, err := ana.SayIn(events, "meetups here", true); err != nil {
				t.Fatal(err)
			}
			if got := r.channelMessage(events, 2).CardText(); !strings.Contains(got, "new meetups will be announced in this channel") {
				t.Errorf("an admin choosing the meetup channel is told:\n%s", got)
			}
			if ch, _, err := r.db.AnnounceChannel(ctx, teams.Platform); err != nil || ch != events.ID {
				t.Fatalf("meetup channel %q (err %v), want %q", ch, err, events.ID)
			}

			form := r.say(ben, "meetup new")
			day := time.Now().AddDate(0, 0, 10)
			res := r.press(ben, form, "Announce", map[string]string{bot.MeetupFieldTitle: "Diabetes <b>care</b> lunch",
				bot.MeetupFieldPurpose: "Swap notes", bot.MeetupFieldDate: day.Format("2006-01-02"), bot.MeetupFieldStart: "12:30",
				bot.MeetupFieldEnd: "13:30", bot.MeetupFieldPlace: "Riverside", bot.MeetupFieldFood: "yes", bot.MeetupFieldCapacity: "2"})
			if res.Card == nil {
				t.Errorf("announcing, the form card is not replaced (shown %q)", res.Shown)
			}
			ann := r.channelMessage(events, 3)
			text := displayed(ann.CardText())
			for _, want := range []string{"Diabetes <b>care</b> lunch", day.Format("Monday 2 January") + ", 12:30 to 13:30", "Host: **Ben Okoro**", "**0 going**"} {
				if !strings.Contains(text, want) {
					t.Errorf("the announcement does not say %q:\n%s", want, text)
				}
			}
			r.waitFor(ben, func(m teamstest.Message) bool { return strings.Contains(m.CardText(), "is announced") })

			// answer presses a button on the announcement and waits for the
			// private answer in the presser's personal chat.
			answer := func(u *teamstest.User, button, want string) {
				t.Helper()
				n := len(u.Messages())
				r.press(u, events.Messages()[2], button, nil)
				got := r.waitCard(u, n+1).CardText()
				if !strings.Contains(displayed(got), want) {
					t.Errorf("%s pressed %s and is told:\n%s", u.Name, button, got)
				}
			}
			counts := func(want string) {
				t.Helper()
				wctx, cancel := wait()
				defer cancel()
				if err := r.s.Wait(wctx, func() bool { return strings.Contains(displayed(events.Messages()[2].CardText()), want) }); err != nil {
					t.Fatalf("the announcement does not come to say %q:\n%s", want, events.Messages()[2].CardText())
				}
				for _, u := range []*teamstest.User{ana, ben, cara} {
					if got := displayed(events.MessagesFor(u)[2].CardText()); !strings.Contains(got, want) {
						t.Errorf("%s sees the announcement as:\n%s", u.Name, got)
					}
				}
				if n := len(events.Messages()); n != 3 {
					t.Errorf("%d messages in the channel; answers should change the one announcement", n)
				}
			}
			answer(ben, "Going", "You're going to")
			counts("**1 going**")
			answer(ana, "Going", "You're going to")
			counts("**2 going**")
			answer(cara, "Going", "number 1 on the waiting list")
			counts("1 on the waiting list")
			answer(ana, "Can't go", "Your place goes to the next person waiting")
			counts("0 on the waiting list")
			counts("**2 going**")
			r.waitFor(cara, func(m teamstest.Message) bool { return strings.Contains(m.CardText(), "a place has opened up") })
		})
	}
}

// A member's export comes as JSON text in their chat; leaving, after the
// confirm button, erases them, their Teams account with them, and their
// partner's copy of the intro comes to say it was with a member who has
// left.
func TestExportAndLeave(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target, "ana.lima@nhs.net")
			r.addOrganisations()
			ctx := context.Background()
			ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
			ben := r.s.AddUser("Ben Okoro", "ben.okoro@nhs.net")
			r.join(ana, "Riverside Surgery")
			r.join(ben, "Northfield Pharmacy")
			r.deliver()
			r.runRound(ana)
			r.waitIntro(ana)
			r.waitIntro(ben)

			before := len(ben.Messages())
			r.say(ben, "export")
			r.waitFor(ben, func(m teamstest.Message) bool { return strings.Contains(m.CardText(), `"Northfield Pharmacy"`) })
			text := ""
			for _, m := range ben.Messages()[before:] {
				text += displayed(m.CardText()) + "\n"
			}
			for _, want := range []string{"Here is everything Rapport stores about you", `"Northfield Pharmacy"`, ben.UPN} {
				if !strings.Contains(text, want) {
					t.Errorf("the export does not hold %s:\n%s", want, text)
				}
			}

			confirm := r.say(ben, "leave")
			if _, ok := confirm.Button("Yes, erase my data"); !ok {
				t.Fatalf("leave asks:\n%s", confirm.CardText())
			}
			r.press(ben, confirm, "Yes, erase my data", nil)
			// The partner's copy is brought up to date.
			r.waitFor(ana, func(m teamstest.Message) bool {
				return strings.Contains(m.CardText(), "a member who has since left Rapport")
			})
			if n := len(introCards(ana)); n != 0 {
				t.Errorf("the partner's intro still shows the member who left")
			}
			r.adapter.Wait(10 * time.Second)
			if _, err := r.db.FindMember(ctx, teams.Platform, ben.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("the member who left is still stored (err %v)", err)
			}
			if _, err := r.db.FindAccount(ctx, teams.Platform, ben.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("the Teams account of the member who left is still stored (err %v)", err)
			}
		})
	}
}

// message returns u's message with the ID as u sees it now.
func message(t *testing.T, u *teamstest.User, id string) teamstest.Message {
	t.Helper()
	for _, m := range u.Messages() {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("%s has no message %s", u.Name, id)
	return teamstest.Message{}
}

// The profile form refuses what the core refuses, with the problem shown
// in the card beside its input and what was typed still there, for new
// Teams clients (Action.Execute) and old ones (Action.Submit).
func TestProfileFormErrorsInTheCard(t *testing.T) {
	for _, old := range []bool{false, true} {
		for _, target := range storagetest.Databases(t) {
			t.Run(fmt.Sprintf("old client %v/%s", old, target.Name), func(t *testing.T) {
				r := newRig(t, target)
				r.addOrganisations()
				priya := r.s.AddUser("Priya Shah", "priya.shah@nhs.net")
				priya.OldClient = old
				if _, err := priya.InstallPersonal(); err != nil {
					t.Fatal(err)
				}
				r.press(priya, r.waitCard(priya, 1), "Join Rapport", nil)
				form := r.waitCard(priya, 2)
				typed := map[string]string{bot.FieldOrganisation: bot.OtherOrganisation, bot.FieldSector: "community_pharmacy",
					bot.FieldRole: "clinical_pharmacist", bot.FieldCareerStage: "established", bot.FieldBio: "Pharmacist & <b>asthma</b> lead"}
				for _, tc := range []struct{ other, problem string }{
					{"", "Please type the name of your organisation."},
					{"Riverside Surgry", "Did you mean Riverside Surgery?"},
				} {
					typed[bot.FieldOrgOther] = tc.other
					r.press(priya, form, "Save", typed)
					var shown teamstest.Message
					r.until(func() bool {
						shown = message(t, priya, form.ID)
						return strings.Contains(shown.CardText(), tc.problem)
					})
					// The problem comes right after the input it is about.
					lines := strings.Split(displayed(shown.CardText()), "\n")
					for i, l := range lines {
						if strings.Contains(l, tc.problem) && (i == 0 || !strings.HasPrefix(lines[i-1], "Organisation name, if not listed")) {
							t.Errorf("the problem is not beside its input:\n%s", shown.CardText())
						}
					}
					values := map[string]string{}
					for _, in := range shown.Inputs() {
						values[in.ID] = in.Value
					}
					for id, v := range typed {
						if values[id] != v {
							t.Errorf("after a refusal, %s holds %q, want %q as typed", id, values[id], v)
						}
					}
					if _, err := r.db.FindMember(context.Background(), teams.Platform, priya.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
						t.Errorf("a refused profile was saved (err %v)", err)
					}
				}
				typed[bot.FieldOrgOther] = "Eastgate Dental"
				r.press(priya, form, "Save", typed)
				r.until(func() bool { return strings.Contains(message(t, priya, form.ID).CardText(), bot.FormSavedMessage) })
				m, err := r.db.FindMember(context.Background(), teams.Platform, priya.ID)
				if err != nil {
					t.Fatal(err)
				}
				if m.Profile.Organisation != "Eastgate Dental" || m.Profile.Bio != "Pharmacist & <b>asthma</b> lead" {
					t.Errorf("saved %+v", m.Profile)
				}
			})
		}
	}
}
