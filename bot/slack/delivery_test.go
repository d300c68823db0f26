package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	slackbot "github.com/rapport-pcn/rapport/bot/slack"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// deliveryFixture is a database with members, a local workspace, and the
// adapter's deliverer, without the Socket Mode connection.
type deliveryFixture struct {
	db      *storage.DB
	ws      *slacktest.Workspace
	rounds  *bot.Rounds
	out     bot.Deliverer
	pause   *bot.Pause
	members []bot.Member
}

func newDeliveryFixture(t testing.TB, target storagetest.Target, n int) *deliveryFixture {
	return newDeliveryFixtureWith(t, target, n, slackbot.Limits{})
}

// newDeliveryFixtureWith runs the workspace with Slack's limits enforced
// on the same scaled clock the deliverer paces to, when limits.TimeScale
// is set.
func newDeliveryFixtureWith(t testing.TB, target storagetest.Target, n int, limits slackbot.Limits, opts ...slacktest.Option) *deliveryFixture {
	t.Helper()
	return newDeliveryFixtureVia(t, target, n, limits, nil, opts...)
}

// newDeliveryFixtureVia is newDeliveryFixtureWith with the deliverer's
// HTTP requests going through the transport wrap returns, when wrap is set.
func newDeliveryFixtureVia(t testing.TB, target storagetest.Target, n int, limits slackbot.Limits, wrap func(*bot.Pause, http.RoundTripper) http.RoundTripper, opts ...slacktest.Option) *deliveryFixture {
	t.Helper()
	if limits.TimeScale > 0 {
		opts = append(opts, slacktest.WithRateLimits(slacktest.RateLimits{Scale: 1 / limits.TimeScale}))
	}
	f := &deliveryFixture{db: storagetest.MustOpenDB(t, target), ws: slacktest.New(opts...)}
	t.Cleanup(f.ws.Close)
	expectWithinLimits(t, f.ws)
	orgs := []string{"Riverside Surgery", "Northfield Pharmacy", "Eastgate Housing", "Oak Tree School"}
	for i := range n {
		m := bottest.Member(t, bottest.UserID(fmt.Sprintf("U%07dD", i)), bottest.Name(fmt.Sprintf("Person%d Test", i)),
			bottest.Org(orgs[i%len(orgs)]))
		if err := f.db.SaveMember(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		f.ws.AddUser(slacktest.User{ID: m.UserID, RealName: m.Name})
		f.members = append(f.members, *m)
	}
	f.rounds = &bot.Rounds{Store: f.db}
	client := slackbot.NewClient(f.ws.BotToken(), f.ws.AppToken(), f.ws.APIURL())
	f.pause = &bot.Pause{}
	// As in serve: no retries inside the client, so a 429 pauses the
	// whole outbox.
	deliveryAPI := slackbot.NewDeliveryClient(f.ws.BotToken(), f.ws.APIURL())
	if wrap != nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = 32
		deliveryAPI = slack.New(f.ws.BotToken(), slack.OptionAPIURL(f.ws.APIURL()),
			slack.OptionHTTPClient(&http.Client{Transport: wrap(f.pause, transport), Timeout: 30 * time.Second}))
	}
	a := slackbot.New(&bot.Chat{Service: &bot.Service{Store: f.db}, Rounds: f.rounds}, client, slackbot.Options{
		Limits: limits, DeliveryAPI: deliveryAPI,
	})
	f.out = a.Deliverer(f.pause)
	return f
}

// platforms are the fixture's deliverers by platform: its members are
// all in Slack.
func (f *deliveryFixture) platforms() map[string]bot.Deliverer {
	return map[string]bot.Deliverer{slackbot.Platform: f.out}
}

// postIntro posts an intro's message as a worker of the Delivery does,
// tagged with the intro.
func (f *deliveryFixture) postIntro(ctx context.Context, in *bot.Intro) (channel, ref string, err error) {
	var users []string
	for _, im := range in.Members {
		users = append(users, im.Member.UserID)
	}
	return f.out.PostGroup(ctx, bot.Attempt{Kind: bot.OutboxIntro, Tag: in.ID}, users, "", bot.Say("Meet each other"))
}

func (f *deliveryFixture) run(t testing.TB) (*bot.Round, *bot.Delivery, context.CancelFunc) {
	t.Helper()
	round, _, err := f.rounds.Run(context.Background(), time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	d := &bot.Delivery{Store: f.db, Platforms: f.platforms(), Idle: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	// Stopping waits for the workers, so nothing is still on its way.
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return round, d, stop
}

func introPostCount(ws *slacktest.Workspace) int {
	n := 0
	for _, c := range ws.CallsTo("chat.postMessage") {
		if c.OK() && strings.Contains(c.Params["metadata"], "rapport_intro") {
			n++
		}
	}
	return n
}

// An intro posted by a worker that died before recording it is found in
// the conversation by its metadata tag, recorded, and not posted again.
func TestInterruptedSendIsNotRepeated(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			f := newDeliveryFixture(t, target, 2)
			ctx := context.Background()
			if _, _, err := f.rounds.Run(ctx, time.Now(), false); err != nil {
				t.Fatal(err)
			}
			// A worker claims the intro and posts it, then dies.
			msgs, err := f.db.ClaimOutbox(ctx, time.Now(), time.Now().Add(-time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			var intro bot.OutboxMessage
			for _, m := range msgs {
				if m.Kind == bot.OutboxIntro {
					intro = m
				}
			}
			in, err := f.db.FindIntro(ctx, intro.IntroID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.postIntro(ctx, in); err != nil {
				t.Fatal(err)
			}
			// Give the other claims back, as a restart would after they go stale.
			for _, m := range msgs {
				if m.ID != intro.ID {
					_ = f.db.RetryOutbox(ctx, m.ID, time.Now().Add(time.Hour), "test")
				}
			}

			// Another worker takes over the stale claim.
			d := &bot.Delivery{Store: f.db, Platforms: f.platforms(), StaleAfter: 200 * time.Millisecond, Idle: 50 * time.Millisecond}
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { _ = d.Run(rctx); close(done) }()
			defer func() { cancel(); <-done }()
			deadline := time.Now().Add(10 * time.Second)
			for {
				in, _ = f.db.FindIntro(ctx, intro.IntroID)
				if in.Status == bot.IntroSent || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if in.Status != bot.IntroSent {
				t.Fatalf("intro status %q, want sent", in.Status)
			}
			if n := introPostCount(f.ws); n != 1 {
				t.Errorf("intro posted %d times, want once", n)
			}
			if len(f.ws.CallsTo("conversations.history")) == 0 {
				t.Errorf("the resumed send did not look for the earlier message")
			}
		})
	}
}

// A member whose account was deactivated is marked inactive; a trio goes
// ahead without them, and a pair's remaining member is told and put first
// in line next round.
func TestUnreachableMembers(t *testing.T) {
	t.Run("trio", func(t *testing.T) {
		for _, target := range storagetest.Databases(t) {
			t.Run(target.Name, func(t *testing.T) {
				f := newDeliveryFixture(t, target, 3)
				gone := f.members[2]
				f.ws.AddUser(slacktest.User{ID: gone.UserID, RealName: gone.Name, Deleted: true})
				round, _, _ := f.run(t)
				waitFor(t, func() bool { return introPostCount(f.ws) == 1 })
				c := lastIntroPost(f.ws)
				if strings.Contains(c.Params["blocks"], gone.UserID) {
					t.Errorf("the intro still names the unreachable member")
				}
				m, _ := f.db.FindMember(context.Background(), "slack", gone.UserID)
				if m.Status != bot.StatusInactive {
					t.Errorf("unreachable member status %q, want inactive", m.Status)
				}
				if round.Intros != 1 {
					t.Errorf("round has %d intros, want 1 trio", round.Intros)
				}
			})
		}
	})
	t.Run("pair", func(t *testing.T) {
		for _, target := range storagetest.Databases(t) {
			t.Run(target.Name, func(t *testing.T) {
				f := newDeliveryFixture(t, target, 2)
				stay, gone := f.members[0], f.members[1]
				f.ws.AddUser(slacktest.User{ID: gone.UserID, RealName: gone.Name, Deleted: true})
				f.run(t)
				waitFor(t, func() bool {
					for _, m := range f.ws.DMs(stay.UserID) {
						if strings.Contains(m.Text, "first in line") {
							return true
						}
					}
					return false
				})
				if n := introPostCount(f.ws); n != 0 {
					t.Errorf("%d intros posted to a pair with an unreachable member", n)
				}
				snap, err := f.db.RoundSnapshot(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(snap.LastLeftOut) != 1 || snap.LastLeftOut[0] != stay.ID {
					t.Errorf("next round's first in line = %v, want [%d]", snap.LastLeftOut, stay.ID)
				}
			})
		}
	})
}

func lastIntroPost(ws *slacktest.Workspace) slacktest.Call {
	var last slacktest.Call
	for _, c := range ws.CallsTo("chat.postMessage") {
		if c.OK() && strings.Contains(c.Params["metadata"], "rapport_intro") {
			last = c
		}
	}
	return last
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	waitForWithin(t, 10*time.Second, cond)
}

func waitForWithin(t testing.TB, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With a share of Slack's answers 429 (with Retry-After) or 500, every intro
// is still delivered exactly once, the bot pauses for at least Retry-After
// after each 429 and starts nothing new while the pause runs, and it never
// goes over Slack's limits itself.
func TestDeliveryThroughRateLimitsAndErrors(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			const retryAfter = time.Second
			limits := slackbot.Limits{TimeScale: 100} // a minute lasts 0.6 s
			var watch *pauseWatch
			f := newDeliveryFixtureVia(t, target, 200, limits, func(p *bot.Pause, next http.RoundTripper) http.RoundTripper {
				watch = &pauseWatch{pause: p, next: next, inPause: map[time.Time][]string{}}
				return watch
			}, slacktest.WithSeed(7))
			f.ws.FailShare("chat.postMessage", 0.1, slacktest.Fault{Status: 429, RetryAfter: retryAfter})
			f.ws.FailShare("chat.postMessage", 0.05, slacktest.Fault{Status: 500})
			f.ws.FailShare("conversations.open", 0.1, slacktest.Fault{Status: 500})
			_, d, stop := f.run(t)
			waitForWithin(t, 60*time.Second, func() bool { return introPostCount(f.ws) >= 100 })
			stop() // every call on its way lands before the calls are read

			posts := map[string]int{}
			var injected429, limiter429, server500 int
			calls := f.ws.Calls()
			for _, c := range calls {
				switch {
				case c.Method == "chat.postMessage" && c.OK() && strings.Contains(c.Params["metadata"], "rapport_intro"):
					posts[c.Params["metadata"]]++
				case c.Status == 429 && c.Method == "chat.postMessage" && c.Error == "ratelimited":
					injected429++
				case c.Status == 429:
					limiter429++ // only the workspace's own limits answer 429 elsewhere
				case c.Status == 500:
					server500++
				}
			}
			for md, n := range posts {
				if n != 1 {
					t.Errorf("intro %s posted %d times", md, n)
				}
			}
			if len(posts) != 100 {
				t.Errorf("%d intros delivered, want 100", len(posts))
			}
			if injected429 == 0 || server500 == 0 {
				t.Fatalf("the faults did not fire (429s %d, 500s %d)", injected429, server500)
			}
			if limiter429 != 0 {
				t.Errorf("the bot went over Slack's limits %d times", limiter429)
			}

			watch.mu.Lock()
			defer watch.mu.Unlock()
			if len(watch.answered429) != injected429 {
				t.Errorf("the bot read %d 429 answers, the workspace sent %d", len(watch.answered429), injected429)
			}
			// Each 429 pauses sending for at least Retry-After from when the
			// bot read the answer: a later call saw a pause that long.
			for _, at := range watch.answered429 {
				if !slices.ContainsFunc(watch.untils, func(u time.Time) bool { return !u.Before(at.Add(retryAfter)) }) {
					t.Errorf("no pause of Retry-After (%v) followed the 429 answered at %v", retryAfter, at)
				}
			}
			// Once the pause is set, nothing new starts before it ends: the
			// only calls that start inside it are those another worker had
			// already let through its pacing, at most one each.
			for until, methods := range watch.inPause {
				if len(methods) > d.Workers-1 {
					t.Errorf("%d calls started during the pause until %v (%v); at most %d were already on their way", len(methods), until, methods, d.Workers-1)
				}
			}
			t.Logf("delivered 100 intros through %d injected 429s and %d 500s", injected429, server500)
		})
	}
}

// pauseWatch is the deliverer's HTTP transport in a test: at the start of
// each request it reads the pause, on the bot's own clock, so that a call
// started while a pause runs is seen as such however slow the machine is.
type pauseWatch struct {
	pause *bot.Pause
	next  http.RoundTripper

	mu          sync.Mutex
	inPause     map[time.Time][]string // pause deadline -> methods started before it
	untils      []time.Time            // every pause deadline a request saw
	answered429 []time.Time            // when the bot read each 429 answer
}

func (w *pauseWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	w.mu.Lock()
	start, until := time.Now(), w.pause.Until()
	if start.Before(until) {
		w.inPause[until] = append(w.inPause[until], req.URL.Path)
	}
	if !until.IsZero() {
		w.untils = append(w.untils, until)
	}
	w.mu.Unlock()
	resp, err := w.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		w.mu.Lock()
		w.answered429 = append(w.answered429, time.Now())
		w.mu.Unlock()
	}
	return resp, err
}

// BenchmarkDeliverRound delivers a round of 5,000 intros through the local
// workspace with Slack's limits enforced on a clock 60 times faster (a
// minute lasts a second), and reports the achieved conversations.open rate as
// a share of the allowed rate. Run it with -benchtime=1x.
func BenchmarkDeliverRound(b *testing.B) {
	for _, target := range storagetest.Databases(b) {
		b.Run(target.Name, func(b *testing.B) { benchmarkDeliverRound(b, target) })
	}
}

func benchmarkDeliverRound(b *testing.B, target storagetest.Target) {
	limits := slackbot.Limits{TimeScale: 60}
	f := newDeliveryFixtureWith(b, target, 10000, limits)
	for b.Loop() {
		start := time.Now()
		round, _, err := f.rounds.Run(context.Background(), time.Now(), true)
		if err != nil {
			b.Fatal(err)
		}
		planned := time.Since(start)
		before := introPostCount(f.ws)
		opensBefore := len(f.ws.CallsTo("conversations.open"))
		d := &bot.Delivery{Store: f.db, Platforms: f.platforms()}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = d.Run(ctx); close(done) }()
		sendStart := time.Now()
		// Watch the database, not the workspace: reading the workspace's
		// call log holds its lock and would bunch the calls it receives.
		waitForWithin(b, 5*time.Minute, func() bool {
			time.Sleep(200 * time.Millisecond)
			st, err := f.db.RoundStats(context.Background(), time.Now(), 1)
			return err == nil && len(st.Recent) == 1 && st.Recent[0].Delivered >= round.Intros
		})
		elapsed := time.Since(sendStart)
		if got := introPostCount(f.ws) - before; got != round.Intros {
			b.Errorf("%d intros posted, want %d", got, round.Intros)
		}
		cancel()
		<-done

		opens := len(f.ws.CallsTo("conversations.open")) - opensBefore
		allowed := 50.0 / 60 * limits.TimeScale // calls a second
		achieved := float64(opens) / elapsed.Seconds()
		limited := 0
		byMethod := map[string]int{}
		for _, c := range f.ws.Calls() {
			if c.Status == 429 {
				limited++
				byMethod[c.Method]++
			}
		}
		if limited > 0 {
			b.Logf("429s by method: %v", byMethod)
		}
		b.ReportMetric(float64(round.Intros), "intros")
		b.ReportMetric(planned.Seconds(), "plan-s")
		b.ReportMetric(elapsed.Seconds(), "deliver-s")
		b.ReportMetric(100*achieved/allowed, "%-of-allowed-rate")
		b.ReportMetric(float64(limited), "429s")
	}
}

// taggedPosts counts the bot's messages posted with the metadata event
// type and outbox ID.
func taggedPosts(ws *slacktest.Workspace, eventType string, outboxID int64) int {
	n := 0
	want := fmt.Sprintf(`"outbox_id":"%d"`, outboxID)
	for _, c := range ws.CallsTo("chat.postMessage") {
		if c.OK() && strings.Contains(c.Params["metadata"], eventType) && strings.Contains(c.Params["metadata"], want) {
			n++
		}
	}
	return n
}

// A follow-up and a notice posted by a worker that died before recording
// them are found in the member's DM by their tag when another worker
// takes the stale claims over, and are not posted again.
func TestInterruptedFollowUpAndNoticeAreNotRepeated(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			f := newDeliveryFixture(t, target, 2)
			f.rounds.Settings.FollowUpAfter = time.Millisecond
			ctx := context.Background()
			if _, _, err := f.rounds.Run(ctx, time.Now(), false); err != nil {
				t.Fatal(err)
			}
			if err := f.db.MarkUnreachable(ctx, 0, nil, false, []bot.Notice{{MemberID: f.members[0].ID, Kind: bot.NoticeLeftOut}}, time.Now()); err != nil {
				t.Fatal(err)
			}
			// A worker claims everything and sends the intro, a follow-up and
			// the notice, then dies before recording the last two.
			var intro, followUp, notice bot.OutboxMessage
			waitFor(t, func() bool {
				msgs, err := f.db.ClaimOutbox(ctx, time.Now(), time.Now().Add(-time.Hour), 10)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range msgs {
					switch {
					case m.Kind == bot.OutboxIntro:
						intro = m
					case m.Kind == bot.OutboxFollowUp && followUp.ID == 0:
						followUp = m
					case m.Kind == bot.OutboxNotice:
						notice = m
					default:
						_ = f.db.RetryOutbox(ctx, m.ID, time.Now().Add(time.Hour), "test")
					}
				}
				return intro.ID != 0 && followUp.ID != 0 && notice.ID != 0
			})
			in, err := f.db.FindIntro(ctx, intro.IntroID)
			if err != nil {
				t.Fatal(err)
			}
			ch, ts, err := f.postIntro(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.db.RecordIntroSent(ctx, intro.ID, in.ID, ch, ts, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := f.out.DM(ctx, bot.Attempt{Kind: bot.OutboxFollowUp, Tag: followUp.ID}, followUp.UserID, bot.Say("Did you meet?")); err != nil {
				t.Fatal(err)
			}
			if err := f.out.DM(ctx, bot.Attempt{Kind: bot.OutboxNotice, Tag: notice.ID}, notice.UserID, bot.Say("You go first next time.")); err != nil {
				t.Fatal(err)
			}

			// Another worker takes over the stale claims.
			d := &bot.Delivery{Store: f.db, Platforms: f.platforms(), StaleAfter: 200 * time.Millisecond, Idle: 50 * time.Millisecond}
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { _ = d.Run(rctx); close(done) }()
			waitFor(t, func() bool { return len(f.ws.CallsTo("conversations.history")) >= 2 })
			cancel()
			<-done // the resumed sends have finished
			if n := taggedPosts(f.ws, "rapport_followup", followUp.ID); n != 1 {
				t.Errorf("follow-up posted %d times, want once", n)
			}
			if n := taggedPosts(f.ws, "rapport_notice", notice.ID); n != 1 {
				t.Errorf("notice posted %d times, want once", n)
			}
		})
	}
}

// A member the hard rules leave out (here, because they chose not to be
// introduced again to everyone else) is told kindly that there was no one
// this time and that they go first next time, and never why: the admins'
// reason mentions the do-not-pair list, the member's message does not.
func TestLeftOutMemberIsToldKindly(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			f := newDeliveryFixture(t, target, 3)
			f.run(t) // round 1 introduces all three, and delivers it
			waitFor(t, func() bool { return introPostCount(f.ws) == 1 })
			ctx := context.Background()
			last, err := f.db.RecentIntros(ctx, f.members[2].ID, 1)
			if err != nil || len(last) != 1 {
				t.Fatalf("recent intros %v, %v", last, err)
			}
			loner := f.members[2]
			if _, err := f.rounds.NotAGoodMatch(ctx, bot.User{Platform: "slack", ID: loner.UserID}, last[0].ID); err != nil {
				t.Fatal(err)
			}
			_, plan, err := f.rounds.Run(ctx, time.Now().AddDate(0, 0, 7), false)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.LeftOut) != 1 || plan.LeftOut[0].Member.ID != loner.ID || !strings.Contains(plan.LeftOut[0].Reason, "do-not-pair") {
				t.Fatalf("left out %+v; want %s, for admins because of the do-not-pair list", plan.LeftOut, loner.UserID)
			}
			var told slacktest.Message
			waitFor(t, func() bool {
				for _, m := range f.ws.DMs(loner.UserID) {
					if strings.Contains(m.Text, "go first") {
						told = m
						return true
					}
				}
				return false
			})
			words := strings.ToLower(told.Text + "\n" + sectionsText(t, told.Blocks))
			for _, never := range []string{"do-not-pair", "not a good match", "block", "chose", "wouldn't"} {
				if strings.Contains(words, never) {
					t.Errorf("the member was told %q, which mentions %q", told.Text, never)
				}
			}
		})
	}
}

// sectionsText is the text of a message's sections: what a member reads
// of a notice, without Block Kit's own words.
func sectionsText(t testing.TB, blocks json.RawMessage) string {
	t.Helper()
	var bs slack.Blocks
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var out []string
	for _, b := range bs.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			out = append(out, s.Text.Text)
		}
	}
	return strings.Join(out, "\n")
}
