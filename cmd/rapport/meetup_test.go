package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// The network's channel for meetups in these tests, and two more members.
const (
	meetupChannel = "C0MEETUPS1"
	carol         = "U0CAROL01"
	dave          = "U0DAVE001"
	outsider      = "U0OUTSID1" // in the workspace, not in the network
)

// meetupHarness is serve with an announce channel, and the database it
// uses opened alongside, to set up members and check what was stored.
type meetupHarness struct {
	*harness
	db *storage.DB
}

// startMeetupServe runs serve as startServe does, with
// RAPPORT_ANNOUNCE_CHANNEL set, and joins alice, bob, carol, dave and the
// admin to the network directly in the database.
func startMeetupServe(t testing.TB, target storagetest.Target, opts ...slacktest.Option) *meetupHarness {
	t.Helper()
	ws := slacktest.New(append([]slacktest.Option{slacktest.WithPingInterval(500 * time.Millisecond)}, opts...)...)
	t.Cleanup(ws.Close)
	t.Cleanup(func() {
		for _, v := range ws.Violations() {
			t.Errorf("Slack would refuse or cut this: %s", v)
		}
	})
	for _, u := range []slacktest.User{
		{ID: carol, RealName: "Carol Chen"}, {ID: dave, RealName: "Dave Doyle"}, {ID: outsider, RealName: "Olu Outside"},
	} {
		ws.AddUser(u)
	}
	ws.AddChannel(meetupChannel, "pcn-meetups")

	db := storagetest.MustOpenDB(t, target)
	for _, id := range []string{alice, bob, admin, carol, dave} {
		joinNetwork(t, db, id)
	}

	h := startServeOn(t, ws, target, map[string]string{"RAPPORT_ANNOUNCE_CHANNEL": meetupChannel})
	return &meetupHarness{harness: h, db: db}
}

func joinNetwork(t testing.TB, db *storage.DB, userID string) {
	t.Helper()
	m := bottest.Member(t, bottest.UserID(userID), bottest.Name(userID), bottest.Org("Riverside Surgery"),
		bottest.Role("salaried_gp"), bottest.CareerStage("first_five"), bottest.Frequency("monthly"))
	if err := db.SaveMember(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// meetup types "/meetup text" and returns the private answer's text.
func (h *meetupHarness) meetup(user, text string) string {
	h.t.Helper()
	ack, err := h.ws.SlashCommand(h.ctx(), user, "/meetup", text)
	if err != nil {
		h.t.Fatalf("/meetup %s: %v", text, err)
	}
	if ack.Latency > 3*time.Second {
		h.t.Errorf("/meetup %s acked after %v", text, ack.Latency)
	}
	var msg struct {
		Text   string          `json:"text"`
		Blocks jsonRaw         `json:"blocks"`
		Type   string          `json:"response_type"`
		Extra  map[string]bool `json:"-"`
	}
	if ack.Payload == nil || string(ack.Payload) == "null" {
		return ""
	}
	if err := ack.Decode(&msg); err != nil {
		h.t.Fatalf("/meetup %s: %v", text, err)
	}
	return msg.Text + "\n" + blockText(h.t, []byte(msg.Blocks))
}

type jsonRaw []byte

func (j *jsonRaw) UnmarshalJSON(b []byte) error { *j = append((*j)[:0], b...); return nil }

// openForm runs /meetup (or "/meetup edit ...") and waits for the form
// with the callback ID to be open and ready to submit.
func (h *meetupHarness) waitForm(user, callbackID string) slacktest.View {
	h.t.Helper()
	var form slacktest.View
	err := h.ws.Wait(h.ctx(), func() bool {
		for _, v := range h.ws.OpenViews(user) {
			if v.CallbackID == callbackID && len(v.Submit) > 0 {
				form = v
				return true
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("%s form never opened for %s: %v", callbackID, user, err)
	}
	return form
}

// click presses a button as user and returns the private answer that
// follows it.
func (h *meetupHarness) click(user, channel, ts, action, value string) string {
	h.t.Helper()
	before := len(h.ws.Ephemerals(user))
	ack, err := h.ws.ClickButton(h.ctx(), user, channel, ts, action, value)
	if err != nil {
		h.t.Fatalf("%s clicks %s: %v", user, action, err)
	}
	if ack.Latency > 3*time.Second {
		h.t.Errorf("click acked after %v", ack.Latency)
	}
	var e slacktest.EphemeralMessage
	err = h.ws.Wait(h.ctx(), func() bool {
		all := h.ws.Ephemerals(user)
		if len(all) > before {
			e = all[len(all)-1]
			return true
		}
		// A reply may replace the ephemeral message clicked in.
		for _, x := range all {
			if x.MessageTS == ts && x.Source == "response_url" {
				e = x
				return true
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("no answer to %s's click on %s", user, action)
	}
	return e.Text + "\n" + blockText(h.t, e.Blocks)
}

// announcement returns the meetup's announcement once cond holds of its
// text.
func (h *meetupHarness) announcement(cond func(text string) bool) slacktest.Message {
	h.t.Helper()
	var msg slacktest.Message
	var last string
	err := h.ws.Wait(h.ctx(), func() bool {
		ms := h.ws.Messages(meetupChannel)
		if len(ms) == 0 {
			return false
		}
		msg = ms[len(ms)-1]
		last = msg.Text + "\n" + blockText(h.t, msg.Blocks)
		return cond(last)
	})
	if err != nil {
		h.t.Fatalf("announcement never matched; last:\n%s", last)
	}
	return msg
}

func (h *meetupHarness) waitDM(user string, contains string) string {
	h.t.Helper()
	var found string
	err := h.ws.Wait(h.ctx(), func() bool {
		for _, m := range h.ws.DMs(user) {
			if s := m.Text + "\n" + blockText(h.t, m.Blocks); strings.Contains(s, contains) {
				found = s
				return true
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("no DM to %s containing %q; DMs: %+v", user, contains, h.ws.DMs(user))
	}
	return found
}

func contains(parts ...string) func(string) bool {
	return func(s string) bool {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				return false
			}
		}
		return true
	}
}

// nextWeek is the date a week from now in the network's time zone.
func nextWeek() string {
	london, _ := time.LoadLocation("Europe/London")
	return time.Now().In(london).AddDate(0, 0, 7).Format(time.DateOnly)
}

func meetupValues() map[string]any {
	return map[string]any{
		"title":    "First5 lunch & learn",
		"purpose":  "First5 group",
		"date":     nextWeek(),
		"start":    "12:30",
		"end":      "14:00",
		"place":    "Riverside <!channel> & Co",
		"link":     "https://meet.example.org/first5?a=1&b=2",
		"roles":    []string{"salaried_gp", "gp_trainee"},
		"food":     "yes",
		"capacity": "2",
	}
}

func TestMeetupEndToEnd(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			h := startMeetupServe(t, target)

			// Someone outside the network is told to join first.
			if got := h.meetup(outsider, ""); !strings.Contains(got, "/introduce-me") {
				t.Errorf("outsider: %q", got)
			}
			if got := h.meetup(alice, "list"); !strings.Contains(got, "No meetups are coming up") {
				t.Errorf("empty list: %q", got)
			}

			// The form shows each mistake inline, kindly, and stores nothing.
			if got := h.meetup(alice, ""); got != "" {
				t.Fatalf("/meetup should ack empty and open the form, said %q", got)
			}
			form := h.waitForm(alice, "meetup_create")
			bad := meetupValues()
			bad["date"] = "2020-01-01"
			bad["end"] = "11:00"
			bad["capacity"] = "0"
			bad["link"] = "ftp://files.example.org/agenda"
			errs := fieldErrors(t, h.submit(alice, form, bad))
			for field, want := range map[string]string{"date": "passed", "end": "before the start", "capacity": "at least 1", "link": "https://"} {
				if !strings.Contains(errs[field], want) {
					t.Errorf("error on %s = %q, want it to say %q", field, errs[field], want)
				}
			}
			past := meetupValues()
			past["date"] = time.Now().In(mustLondon()).Format(time.DateOnly)
			past["start"], past["end"] = "00:00", "23:59"
			if errs := fieldErrors(t, h.submit(alice, form, past)); !strings.Contains(errs["start"], "passed") || len(errs) != 1 {
				t.Errorf("a start in the past: %v", errs)
			}
			if len(h.ws.Messages(meetupChannel)) != 0 {
				t.Fatalf("an invalid meetup was announced")
			}

			// A valid one closes the form, is announced with buttons, and the
			// host hears how to manage it.
			if errs := fieldErrors(t, h.submit(alice, form, meetupValues())); errs != nil {
				t.Fatalf("valid meetup refused: %v", errs)
			}
			ann := h.announcement(contains("First5 lunch &amp; learn", "0 going", "Going", "Maybe", "Can't go", "Manage"))
			text := blockText(t, ann.Blocks)
			if strings.Contains(text, "<!channel>") || !strings.Contains(text, "Riverside &lt;!channel&gt; &amp; Co") {
				t.Errorf("user text not escaped in the announcement:\n%s", text)
			}
			for _, want := range []string{"12:30 to 14:00", "Salaried GP, GP trainee", "provided", "*Places:* 2", "<@" + alice + ">"} {
				if !strings.Contains(text, want) {
					t.Errorf("announcement lacks %q:\n%s", want, text)
				}
			}
			h.waitDM(alice, "is announced in <#"+meetupChannel+">")
			id := meetupID(t, h)

			// Answers: each updates the announcement and is answered privately.
			ts := ann.TS
			if got := h.click(bob, meetupChannel, ts, "meetup_going", ""); !strings.Contains(got, "You're going") {
				t.Errorf("bob going: %q", got)
			}
			h.announcement(contains("*1 going*"))
			if got := h.click(outsider, meetupChannel, ts, "meetup_going", ""); !strings.Contains(got, "/introduce-me") {
				t.Errorf("outsider going: %q", got)
			}
			h.click(admin, meetupChannel, ts, "meetup_going", "")
			h.announcement(contains("*2 going*", "It's full"))
			if got := h.click(carol, meetupChannel, ts, "meetup_going", ""); !strings.Contains(got, "number 1 on the waiting list") {
				t.Errorf("carol: %q", got)
			}
			if got := h.click(dave, meetupChannel, ts, "meetup_going", ""); !strings.Contains(got, "number 2 on the waiting list") {
				t.Errorf("dave: %q", got)
			}
			if got := h.click(dave, meetupChannel, ts, "meetup_maybe", ""); !strings.Contains(got, "maybe") {
				t.Errorf("dave maybe: %q", got)
			}
			if got := h.click(dave, meetupChannel, ts, "meetup_going", ""); !strings.Contains(got, "number 2 on the waiting list") {
				t.Errorf("dave back in line: %q", got)
			}
			h.announcement(contains("*2 going*", "2 on the waiting list"))

			// A freed place goes to the first in line, who hears by DM.
			if got := h.click(bob, meetupChannel, ts, "meetup_not_going", ""); !strings.Contains(got, "can't make") {
				t.Errorf("bob can't go: %q", got)
			}
			h.waitDM(carol, "a place has opened up")
			h.announcement(contains("*2 going*", "1 can't go", "1 on the waiting list"))
			// (Everyone here works at one practice, so the start-up round
			// leaves them all out and tells them so; that is all dave hears.)
			for _, m := range h.ws.DMs(dave) {
				if !strings.Contains(m.Text, "no one we could introduce you to") {
					t.Errorf("dave, still waiting, was messaged: %q", m.Text)
				}
			}

			// A redelivered click changes nothing.
			clicks := h.ws.Deliveries()
			last := clicks[len(clicks)-1]
			if _, err := h.ws.Redeliver(h.ctx(), last.EnvelopeID); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			if as, _ := h.db.MeetupAttendees(h.ctx(), id); countStatus(as, "going") != 2 || countStatus(as, "waiting") != 1 {
				t.Errorf("after a redelivery: %+v", as)
			}

			// Only the host (and admins) can manage it; they see who's coming.
			if got := h.click(bob, meetupChannel, ts, "meetup_manage", ""); !strings.Contains(got, "Only the host") {
				t.Errorf("bob manage: %q", got)
			}
			if got := h.meetup(bob, fmt.Sprintf("cancel %d", id)); !strings.Contains(got, "Only the host") {
				t.Errorf("bob /meetup cancel: %q", got)
			}
			manage := h.click(alice, meetupChannel, ts, "meetup_manage", "")
			for _, want := range []string{"Going (2)", "<@" + admin + ">", "<@" + carol + ">", "1. <@" + dave + ">", "Can't go (1)", "Edit details", "Cancel meetup"} {
				if !strings.Contains(manage, want) {
					t.Errorf("manage view lacks %q:\n%s", want, manage)
				}
			}

			// Editing: a bigger room moves dave up; everyone coming hears.
			panel, _ := h.ws.LastEphemeral(alice)
			if _, err := h.ws.ClickButton(h.ctx(), alice, panel.Channel, panel.MessageTS, "meetup_edit_open", ""); err != nil {
				t.Fatal(err)
			}
			edit := h.waitForm(alice, "meetup_edit")
			if !strings.Contains(string(edit.Blocks), `"initial_value":"First5 group"`) || !strings.Contains(string(edit.Blocks), `"initial_time":"12:30"`) {
				t.Errorf("edit form not pre-filled: %s", edit.Blocks)
			}
			if errs := fieldErrors(t, h.submit(alice, edit, map[string]any{"capacity": "3", "place": "Hillview Medical Centre"})); errs != nil {
				t.Fatalf("edit refused: %v", errs)
			}
			h.waitDM(dave, "a place has opened up")
			h.waitDM(admin, "changed the place and the number of places")
			h.waitDM(carol, "Hillview Medical Centre")
			h.announcement(contains("Hillview Medical Centre", "*3 going*"))

			// List and mine, with calendar links built from the event.
			if got := h.meetup(bob, "list"); !strings.Contains(got, fmt.Sprintf("#%d First5 lunch &amp; learn", id)) || !strings.Contains(got, "3 going of 3 places") {
				t.Errorf("list: %q", got)
			}
			mine := h.mineBlocks(dave)
			start := mustDate(t, nextWeek(), "12:30")
			for _, want := range []string{
				"you're going", "https://calendar.google.com/calendar/render?action=TEMPLATE",
				"dates=" + start.UTC().Format("20060102T150405Z") + "%2F" + start.Add(90*time.Minute).UTC().Format("20060102T150405Z"),
				"https://outlook.office.com/calendar/0/deeplink/compose?", "startdt=" + strings.ReplaceAll(start.UTC().Format(time.RFC3339), ":", "%3A"),
			} {
				if !strings.Contains(mine, want) {
					t.Errorf("mine lacks %q:\n%s", want, mine)
				}
			}
			if got := h.meetup(alice, "mine"); !strings.Contains(got, "you're hosting") {
				t.Errorf("host's mine: %q", got)
			}

			// Cancelling asks first, then tells everyone who answered.
			confirm := h.meetup(alice, "cancel")
			if !strings.Contains(confirm, "can't be undone") {
				t.Fatalf("cancel confirmation: %q", confirm)
			}
			panel, _ = h.ws.LastEphemeral(alice)
			if got := h.click(alice, panel.Channel, panel.MessageTS, "meetup_cancel", ""); !strings.Contains(got, "is cancelled") {
				t.Errorf("cancel: %q", got)
			}
			for _, u := range []string{admin, carol, dave} {
				h.waitDM(u, "has been cancelled")
			}
			final := h.announcement(contains("Cancelled: First5 lunch"))
			if strings.Contains(string(final.Blocks), "meetup_going") {
				t.Errorf("a cancelled announcement still has buttons")
			}
			for _, m := range h.ws.DMs(bob) {
				if strings.Contains(m.Text, "cancelled") {
					t.Errorf("bob, who can't go, was told of the cancellation")
				}
			}
			if got := h.meetup(alice, "list"); !strings.Contains(got, "No meetups") {
				t.Errorf("a cancelled meetup is listed: %q", got)
			}

			// Meetup text never reaches the log.
			for _, private := range []string{"First5 lunch", "Riverside", "Hillview", "meet.example.org"} {
				if strings.Contains(h.log.String(), private) {
					t.Errorf("the log contains meetup text %q", private)
				}
			}
		})
	}
}

func mustLondon() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}

func mustDate(t *testing.T, date, clock string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, mustLondon())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// mineBlocks runs /meetup mine and returns its text with the link
// buttons' URLs.
func (h *meetupHarness) mineBlocks(user string) string {
	h.t.Helper()
	ack, err := h.ws.SlashCommand(h.ctx(), user, "/meetup", "mine")
	if err != nil {
		h.t.Fatal(err)
	}
	return string(ack.Payload)
}

var meetupNumber = regexp.MustCompile(`meetup (?:edit|cancel) (\d+)`)

// meetupID reads the meetup's number from the host's DM.
func meetupID(t *testing.T, h *meetupHarness) int64 {
	t.Helper()
	h.waitDM(alice, "is announced")
	for _, m := range h.ws.DMs(alice) {
		if s := meetupNumber.FindStringSubmatch(m.Text); s != nil {
			id, _ := strconv.ParseInt(s[1], 10, 64)
			return id
		}
	}
	t.Fatal("no meetup number in the host's DM")
	return 0
}

func countStatus(as []bot.Attendee, status string) int {
	n := 0
	for _, a := range as {
		if a.Status == status {
			n++
		}
	}
	return n
}

var countsLine = regexp.MustCompile(`\*(\d+) going\* · (\d+) maybe · (\d+) can't go(?: · (\d+) on the waiting list)?`)

// Two hundred people press Going within a moment of the announcement, for
// fifty places: fifty are going, a hundred and fifty wait in the order
// their clicks were counted, each is told their place, and the
// announcement's counts match the database, even with chat.update
// rate-limited.
func TestMeetupConcurrentRSVPs(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			// Two hundred clicks at once are a test of counting, not of
			// speed: on a busy machine their acks can take longer than
			// Slack's three seconds, so the workspace waits longer for them.
			h := startMeetupServe(t, target, slacktest.WithRateLimits(slacktest.RateLimits{Scale: 0.05}), slacktest.WithAckTimeout(time.Minute))
			users := make([]string, 200)
			for i := range users {
				users[i] = fmt.Sprintf("U1%08d", i)
				h.ws.AddUser(slacktest.User{ID: users[i], RealName: fmt.Sprintf("Member %d", i)})
				joinNetwork(t, h.db, users[i])
			}
			h.meetup(alice, "")
			values := meetupValues()
			values["capacity"] = "50"
			if errs := fieldErrors(t, h.submit(alice, h.waitForm(alice, "meetup_create"), values)); errs != nil {
				t.Fatal(errs)
			}
			ann := h.announcement(contains("0 going"))
			id := meetupID(t, h)

			// Slack answers the first chat.update calls with 429s: the bot
			// waits them out and loses nothing.
			h.ws.RateLimitNext("chat.update", 2, time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var wg sync.WaitGroup
			for _, u := range users {
				wg.Go(func() {
					if _, err := h.ws.ClickButton(ctx, u, meetupChannel, ann.TS, "meetup_going", ""); err != nil {
						t.Errorf("%s: %v", u, err)
					}
				})
			}
			wg.Wait()

			// Everyone is answered privately: going, or their place in line.
			told := map[int]string{}
			going := 0
			place := regexp.MustCompile(`number (\d+) on the waiting list`)
			err := h.ws.Wait(ctx, func() bool {
				for _, u := range users {
					if len(h.ws.Ephemerals(u)) == 0 {
						return false
					}
				}
				return true
			})
			if err != nil {
				t.Fatalf("not everyone was answered: %v", err)
			}
			for _, u := range users {
				e, _ := h.ws.LastEphemeral(u)
				switch s := place.FindStringSubmatch(e.Text); {
				case strings.Contains(e.Text, "You're going"):
					going++
				case s != nil:
					n, _ := strconv.Atoi(s[1])
					if prev, dup := told[n]; dup {
						t.Errorf("%s and %s were both told they are number %d", prev, u, n)
					}
					told[n] = u
				default:
					t.Errorf("%s was told %q", u, e.Text)
				}
			}
			if going != 50 || len(told) != 150 {
				t.Fatalf("%d told going, %d told a place in line; want 50 and 150", going, len(told))
			}

			// The database agrees, in order.
			as, err := h.db.MeetupAttendees(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if countStatus(as, "going") != 50 || countStatus(as, "waiting") != 150 {
				t.Fatalf("database: %d going, %d waiting", countStatus(as, "going"), countStatus(as, "waiting"))
			}
			for _, a := range as {
				if a.Status == "waiting" && told[a.Position] != a.UserID {
					t.Errorf("database has %s at %d; %s was told %d", a.UserID, a.Position, told[a.Position], a.Position)
				}
			}

			// And so does the announcement, once the updates settle.
			final := h.announcement(contains("*50 going*", "150 on the waiting list"))
			m := countsLine.FindStringSubmatch(blockText(t, final.Blocks))
			stored, err := h.db.FindMeetup(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{strconv.Itoa(stored.Counts.Going), strconv.Itoa(stored.Counts.Maybe), strconv.Itoa(stored.Counts.NotGoing), strconv.Itoa(stored.Counts.Waiting)}
			if m == nil || fmt.Sprint(m[1:]) != fmt.Sprint(want) {
				t.Errorf("announcement counts %v, database %v", m, want)
			}
			var limited, updates int
			for _, c := range h.ws.CallsTo("chat.update") {
				if c.Status == 429 {
					limited++
				} else if c.OK() {
					updates++
				}
			}
			if limited < 2 {
				t.Errorf("chat.update was rate-limited %d times; the test meant at least 2", limited)
			}
			t.Logf("%s: 200 clicks for 50 places: %d going, %d waiting; %d chat.update calls (%d answered 429)", target.Name, going, len(told), updates, limited)
		})
	}
}
