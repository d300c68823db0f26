package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/bot/metrics"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// scrape returns what Prometheus reads at /metrics.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("/metrics answered %d: %s", res.StatusCode, body)
	}
	return string(body)
}

// expect fails the test unless every line is in the scrape, as written.
func expect(t *testing.T, scraped string, lines ...string) {
	t.Helper()
	have := strings.Split(scraped, "\n")
	for _, l := range lines {
		if !slices.Contains(have, l) {
			t.Errorf("the scrape lacks %q; it has:\n%s", l, rapportLines(scraped))
		}
	}
}

func rapportLines(scraped string) string {
	var out []string
	for _, l := range strings.Split(scraped, "\n") {
		if strings.HasPrefix(l, "rapport_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var labelPair = regexp.MustCompile(`(\w+)="([^"]*)"`)

// labels returns every label value of the rapport_ metrics, by label.
func labels(scraped string) map[string][]string {
	out := map[string][]string{}
	for _, l := range strings.Split(scraped, "\n") {
		if !strings.HasPrefix(l, "rapport_") {
			continue
		}
		for _, m := range labelPair.FindAllStringSubmatch(l, -1) {
			if m[1] != "le" && !slices.Contains(out[m[1]], m[2]) {
				out[m[1]] = append(out[m[1]], m[2])
			}
		}
	}
	return out
}

// carry carries out a reply as a platform would, its later work included.
func carry(r *bot.Reply) *bot.Reply {
	last := r
	for r != nil && r.Later != nil {
		if r = r.Later(context.Background()); r != nil {
			last = r
		}
	}
	return last
}

var (
	london, _ = time.LoadLocation("Europe/London")
	now       = func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, london) }
)

const adminID = "U0ADMIN01"

// board is a channel that takes every announcement.
type board struct{ posts int }

func (b *board) Post(_ context.Context, channel string, _ *bot.Message) (string, string, error) {
	b.posts++
	return channel, strconv.Itoa(b.posts), nil
}
func (b *board) Update(context.Context, string, string, *bot.Message) error { return nil }

// network is a core over a fresh SQLite database, counted by m, with
// Priya Shah and Sam Okafor as members.
func network(t *testing.T, m bot.Meter) (*bot.Core, *storage.DB) {
	t.Helper()
	db := storagetest.MustOpenDB(t, storagetest.Databases(t)[0])
	db.Now = now
	for _, mem := range []*bot.Member{
		bottest.Member(t),
		bottest.Member(t, bottest.UserID("U0MEMBER02"), bottest.Name("Sam Okafor"), bottest.Org("Hillview Practice")),
	} {
		if err := db.SaveMember(context.Background(), mem); err != nil {
			t.Fatal(err)
		}
	}
	core := bot.NewCore(bot.Network{Store: db, Now: now, Location: london, Meter: m,
		IsAdmin: func(u bot.User) bool { return u.ID == adminID }})
	core.Meetups.Boards = []bot.MeetupBoard{{Platform: "slack", Channel: "C0MEETUPS1", Board: &board{}}}
	core.Meetups.UpdateEvery = time.Millisecond
	return core, db
}

func slackUser(id string) bot.User { return bot.User{Platform: "slack", ID: id, Name: "Priya Shah"} }

// Commands, buttons and forms through the real conversation core are
// counted by their name and how they went, and nothing a member typed or
// is known by becomes a label.
func TestCommandsAreCountedByNameAndResult(t *testing.T) {
	m := metrics.New(metrics.Options{})
	core, _ := network(t, m)
	ctx := context.Background()
	chat := core.Chat
	priya := slackUser("U0MEMBER01")
	stranger := slackUser("U0STRANGER")

	carry(chat.Command(ctx, priya, bot.CommandName, "status"))
	carry(chat.Command(ctx, priya, bot.CommandName, "help"))
	carry(chat.Command(ctx, stranger, bot.CommandName, "status"))         // not joined: told how to
	carry(chat.Command(ctx, priya, bot.CommandName, "lookup Priya Shah")) // not a command
	carry(chat.Command(ctx, priya, "/priya-shah", "U0MEMBER02"))          // not our command
	carry(chat.Command(ctx, priya, bot.CommandName, "admin stats"))       // not an admin
	carry(chat.Command(ctx, slackUser(adminID), bot.CommandName, "admin stats"))
	carry(chat.Command(ctx, bot.User{Platform: "teams", ID: "29:1abc"}, "introduce-me", "help"))
	carry(chat.Action(ctx, priya, bot.ActionMeetupGoing, "999")) // no such meetup, known only later
	carry(chat.Action(ctx, priya, "priya_shah_U0MEMBER01", "x"))
	carry(chat.Submit(ctx, priya, "Priya's form", "", bot.FormValues{"bio": {"I am Priya Shah"}}))

	got := scrape(t, m)
	expect(t, got,
		`rapport_commands_total{kind="command",name="status",platform="slack",result="ok"} 1`,
		`rapport_commands_total{kind="command",name="status",platform="slack",result="refused"} 1`,
		`rapport_commands_total{kind="command",name="help",platform="slack",result="ok"} 1`,
		`rapport_commands_total{kind="command",name="other",platform="slack",result="refused"} 2`,
		`rapport_commands_total{kind="command",name="admin stats",platform="slack",result="refused"} 1`,
		`rapport_commands_total{kind="command",name="admin stats",platform="slack",result="ok"} 1`,
		`rapport_commands_total{kind="command",name="help",platform="teams",result="ok"} 1`,
		`rapport_commands_total{kind="action",name="meetup_going",platform="slack",result="refused"} 1`,
		`rapport_commands_total{kind="action",name="other",platform="slack",result="ok"} 1`,
		`rapport_commands_total{kind="submit",name="other",platform="slack",result="ok"} 1`,
	)
	noPersonalData(t, got)
}

// noPersonalData fails the test when a label holds a member's name, an
// ID or words typed, or a name outside the fixed lists.
func noPersonalData(t *testing.T, scraped string) {
	t.Helper()
	ls := labels(scraped)
	for label, values := range ls {
		for _, v := range values {
			for _, bad := range []string{"Priya", "Shah", "Sam", "Okafor", "lookup", "U0", "29:", "999", "form", "Riverside", "Hillview"} {
				if strings.Contains(v, bad) {
					t.Errorf("label %s=%q holds %q", label, v, bad)
				}
			}
		}
	}
	var known []string
	for _, kind := range []string{bot.KindCommand, bot.KindAction, bot.KindSubmit} {
		known = append(known, bot.MeterNames(kind)...)
	}
	for _, name := range ls["name"] {
		if !slices.Contains(known, name) {
			t.Errorf("name label %q is not one of the bot's names", name)
		}
	}
}

// A command typed as free text, in any case and with any words, counts as
// "other": nothing of it reaches a label.
func TestFreeTextNeverBecomesALabel(t *testing.T) {
	m := metrics.New(metrics.Options{})
	core, _ := network(t, m)
	ctx := context.Background()
	for _, text := range []string{"lookup Priya Shah", "Priya Shah", "PRIYA", "admin Priya", "admin practices add Priya Shah's Surgery"} {
		carry(core.Chat.Command(ctx, slackUser("U0MEMBER01"), bot.CommandName, text))
	}
	carry(core.Chat.Command(ctx, slackUser("U0MEMBER01"), bot.MeetupCommandName, "priya shah"))
	// A Meter given a name directly still keeps to the list.
	m.Command("slack", bot.KindCommand, "lookup Priya Shah", bot.ResultOK)
	m.Command("Priya", "Shah", "Priya", "Shah")
	m.DBError("lookup Priya Shah's U0MEMBER01")
	m.Send("U0MEMBER01", "Priya")
	m.RSVP("Priya")
	m.Latency("Priya", "Shah", time.Second)

	got := scrape(t, m)
	noPersonalData(t, got)
	expect(t, got,
		`rapport_commands_total{kind="command",name="other",platform="slack",result="refused"} 4`,
		`rapport_commands_total{kind="command",name="admin",platform="slack",result="refused"} 1`,
		`rapport_commands_total{kind="command",name="admin practices",platform="slack",result="refused"} 1`,
		`rapport_commands_total{kind="command",name="other",platform="slack",result="ok"} 1`,
		`rapport_commands_total{kind="other",name="other",platform="other",result="other"} 1`,
		`rapport_db_errors_total{op="other"} 1`,
		`rapport_sends_total{platform="other",result="other"} 1`,
		`rapport_rsvps_total{answer="other"} 1`,
	)
}

// deliverer is Slack as the outbox sees it: the first intro is met with
// a 429, the next goes; sent tells of each send that went.
type deliverer struct {
	mu    sync.Mutex
	tries int
	pause bot.Pause
	sent  chan struct{}
}

func (d *deliverer) PostGroup(ctx context.Context, _ bot.Attempt, _ []string, _ string, _ *bot.Message) (string, string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tries++
	if d.tries == 1 {
		return "", "", &bot.DeliveryError{RetryAfter: 20 * time.Millisecond, Err: errors.New("ratelimited")}
	}
	d.sent <- struct{}{}
	return "D0GROUP01", "1700000000.000100", nil
}
func (d *deliverer) DM(context.Context, bot.Attempt, string, *bot.Message) error { return nil }
func (d *deliverer) Update(context.Context, string, string, *bot.Message) error  { return nil }
func (d *deliverer) Delete(context.Context, string, string) error                { return nil }
func (d *deliverer) Pause() *bot.Pause                                           { return &d.pause }

// A round is recorded with its members and intros, and its intro's sends
// by outcome: a 429, then the send that went.
func TestRoundsAndSendsAreCounted(t *testing.T) {
	m := metrics.New(metrics.Options{})
	core, _ := network(t, m)
	ctx := context.Background()
	round, plan, err := core.Rounds.RunNow(ctx, false)
	if err != nil || len(plan.Intros) != 1 {
		t.Fatalf("round: %+v %+v %v", round, plan, err)
	}
	d := &deliverer{sent: make(chan struct{}, 1)}
	core.Delivery.Platforms = map[string]bot.Deliverer{"slack": d}
	// A message put back after a 429 is looked for again at the next
	// look at the outbox.
	core.Delivery.Idle = 10 * time.Millisecond
	// The network's clock, moving on from the round: the intro is due,
	// the follow-ups three days later are not, and the 429's pause ends.
	start := time.Now()
	core.Delivery.Now = func() time.Time { return now().Add(time.Since(start)) }
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- core.Delivery.Run(rctx) }()
	select {
	case <-d.sent:
	case <-time.After(30 * time.Second):
		t.Fatal("the intro was not sent")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	got := scrape(t, m)
	expect(t, got,
		`rapport_rounds_total 1`,
		`rapport_round_members 2`,
		`rapport_round_intros 1`,
		`rapport_intros_total 1`,
		`rapport_round_duration_seconds_count 1`,
		`rapport_sends_total{platform="slack",result="rate_limited"} 1`,
		`rapport_sends_total{platform="slack",result="ok"} 1`,
	)
	noPersonalData(t, got)
}

// A meetup announced and the answers to it are counted, the answer by
// what was recorded: a second member is put on the waiting list.
func TestMeetupsAndRSVPsAreCounted(t *testing.T) {
	m := metrics.New(metrics.Options{})
	core, db := network(t, m)
	ctx := context.Background()
	chat := core.Chat
	priya := slackUser("U0MEMBER01")
	form := carry(chat.Command(ctx, priya, bot.MeetupCommandName, "")).Form.Ready
	values := bot.FormValues{"title": {"First5 lunch & learn"}, "purpose": {"First5 group"}, "date": {"2026-06-03"},
		"start": {"12:30"}, "end": {"14:00"}, "place": {"Riverside Surgery"}, "food": {"yes"}, "capacity": {"1"}}
	carry(chat.Submit(ctx, priya, form.ID, form.Ref, bot.FormValues{"title": {"Priya's"}}))
	carry(chat.Submit(ctx, priya, form.ID, form.Ref, values))
	mine, err := db.MemberMeetups(ctx, "slack", priya.ID, now())
	if err != nil || len(mine) != 1 {
		t.Fatalf("the meetup: %+v %v", mine, err)
	}
	id := strconv.FormatInt(mine[0].Meetup.ID, 10)
	carry(chat.Action(ctx, priya, bot.ActionMeetupGoing, id))
	carry(chat.Action(ctx, slackUser("U0MEMBER02"), bot.ActionMeetupGoing, id))

	got := scrape(t, m)
	expect(t, got,
		`rapport_meetups_total 1`,
		`rapport_rsvps_total{answer="going"} 1`,
		`rapport_rsvps_total{answer="waiting"} 1`,
		`rapport_commands_total{kind="command",name="meetup",platform="slack",result="ok"} 1`,
		`rapport_commands_total{kind="submit",name="meetup_create",platform="slack",result="refused"} 1`,
		`rapport_commands_total{kind="submit",name="meetup_create",platform="slack",result="ok"} 1`,
		`rapport_commands_total{kind="action",name="meetup_going",platform="slack",result="ok"} 2`,
	)
	noPersonalData(t, got)
}

// outbox is the database's outbox depth, or its failure.
type outbox struct {
	pending int
	oldest  time.Time
	err     error
}

func (o *outbox) OutboxDepth(context.Context, time.Time) (int, time.Time, error) {
	return o.pending, o.oldest, o.err
}

// The outbox gauges are read at each scrape; a failed read counts a
// database error and keeps the last figures.
func TestOutboxIsReadAtScrape(t *testing.T) {
	o := &outbox{}
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	m := metrics.New(metrics.Options{Outbox: o, Now: func() time.Time { return at }})
	expect(t, scrape(t, m), `rapport_outbox_pending 0`, `rapport_outbox_oldest_age_seconds 0`)

	o.pending, o.oldest = 3, at.Add(-90*time.Second)
	expect(t, scrape(t, m), `rapport_outbox_pending 3`, `rapport_outbox_oldest_age_seconds 90`)

	// A failed read leaves the gauges as they were, and counts an error.
	// The registry gathers collectors concurrently, so a scrape may or may
	// not include the error its own read counted: the count is checked on
	// a scrape whose read succeeds.
	o.pending, o.oldest, o.err = 0, time.Time{}, errors.New("database is locked")
	expect(t, scrape(t, m), `rapport_outbox_pending 3`, `rapport_outbox_oldest_age_seconds 90`)
	expect(t, scrape(t, m), `rapport_outbox_pending 3`, `rapport_outbox_oldest_age_seconds 90`)
	o.pending, o.oldest, o.err = 1, at.Add(-30*time.Second), nil
	expect(t, scrape(t, m), `rapport_outbox_pending 1`, `rapport_outbox_oldest_age_seconds 30`, `rapport_db_errors_total{op="outbox depth"} 2`)
}

// Each Metrics has its own registry, so two of them count apart, and the
// Go runtime's and the process's figures are there too.
func TestRegistriesAreIndependent(t *testing.T) {
	a, b := metrics.New(metrics.Options{}), metrics.New(metrics.Options{})
	a.Meetup()
	expect(t, scrape(t, a), `rapport_meetups_total 1`)
	got := scrape(t, b)
	expect(t, got, `rapport_meetups_total 0`)
	if !strings.Contains(got, "go_goroutines ") {
		t.Error("no Go runtime metrics")
	}
}
