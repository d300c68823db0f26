package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// rapportBinary builds the real rapport binary once for the process tests.
func rapportBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rapport-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "rapport")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			binary = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, binary)
	}
	return binary
}

// process is a running "rapport serve".
type process struct {
	cmd *exec.Cmd
	log *syncBuffer
}

func startProcess(t *testing.T, ws *slacktest.Workspace, target storagetest.Target, extra map[string]string) *process {
	t.Helper()
	cmd := exec.Command(rapportBinary(t), "serve")
	env := map[string]string{
		"SLACK_APP_TOKEN": ws.AppToken(), "SLACK_BOT_TOKEN": ws.BotToken(), "SLACK_API_URL": ws.APIURL(),
		"DATABASE_URL": target.URL, "RAPPORT_DATA_DIR": target.DataDir, "RAPPORT_ADMINS": admin, "RAPPORT_HTTP_ADDR": "127.0.0.1:0",
		// Slack's pace, a hundred times faster, so 500 intros take seconds.
		"RAPPORT_SLACK_OPEN_PER_MINUTE": "6000",
		"RAPPORT_CLAIM_TIMEOUT":         "2s",
		"PATH":                          os.Getenv("PATH"),
	}
	for k, v := range extra {
		env[k] = v
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{cmd: cmd, log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	return p
}

// stop ends the process as a deploy does (SIGTERM) and waits for it.
func (p *process) stop() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		_ = p.cmd.Wait()
	}
}

func waitPosts(t *testing.T, ws *slacktest.Workspace, n int, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := ws.Wait(ctx, func() bool { return len(introPosts(ws)) >= n }); err != nil {
		t.Fatalf("%d intros posted, want %d: %v", len(introPosts(ws)), n, err)
	}
}

// checkOnce waits until the database records want intros as sent, stops
// the running processes (so that nothing is still on its way), and asserts
// that want intros were posted, each exactly once.
func checkOnce(t *testing.T, ws *slacktest.Workspace, target storagetest.Target, want int, running ...*process) {
	t.Helper()
	db := storagetest.MustOpenDB(t, target)
	var st *bot.Stats
	deadline := time.Now().Add(60 * time.Second)
	for {
		var err error
		st, err = db.RoundStats(context.Background(), time.Now(), 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Recent) == 1 && st.Recent[0].Delivered >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.Rounds != 1 || st.Intros != want || len(st.Recent) != 1 || st.Recent[0].Delivered != want {
		t.Errorf("database: %d rounds, %d intros, recent %+v; want 1 round with %d delivered", st.Rounds, st.Intros, st.Recent, want)
	}
	for _, p := range running {
		p.stop()
	}
	posts := introPosts(ws)
	twice := 0
	for _, calls := range posts {
		if len(calls) != 1 {
			twice++
		}
	}
	if len(posts) != want || twice != 0 {
		t.Errorf("%d distinct intros posted (want %d), %d of them more than once", len(posts), want, twice)
	}
}

// Killing the bot at any moment while it delivers a round, and starting it
// again, delivers every intro exactly once.
func TestKilledMidDeliveryDeliversEachIntroOnce(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ws := slacktest.New()
			t.Cleanup(ws.Close)
			seedMembers(t, ws, target, 1000) // 500 intros

			first := startProcess(t, ws, target, nil)
			waitPosts(t, ws, 100, 60*time.Second)
			// Hold the next posts on the server, so the kill finds sends in
			// flight: claimed, maybe on the wire, not recorded.
			holdSends(t, ws)
			if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = first.cmd.Wait()
			killedAt := len(introPosts(ws))
			t.Logf("killed with %d of 500 intros posted and two sends in flight", killedAt)
			if killedAt >= 500 {
				t.Fatalf("delivery finished before the kill; the test proved nothing")
			}

			second := startProcess(t, ws, target, nil)
			waitPosts(t, ws, 500, 90*time.Second)
			checkOnce(t, ws, target, 500, second)
			resumed := len(ws.CallsTo("conversations.history"))
			t.Logf("after the restart: %d sends resumed with a history check, %d found already posted and recorded without posting again",
				resumed, strings.Count(second.log.String(), "intro was already sent"))
			if resumed == 0 {
				t.Errorf("the kill left no send in flight, so the restart resumed none: the test proved less than it should")
			}
		})
	}
}

// Two replicas on one PostgreSQL database run one round and send one
// message per intro.
func TestTwoReplicasRunOneRound(t *testing.T) {
	var target storagetest.Target
	for _, tg := range storagetest.Databases(t) {
		if tg.Name == "postgres" {
			target = tg
		}
	}
	if target.Name == "" {
		return // skipped (or failed) by storagetest already
	}
	ws := slacktest.New()
	t.Cleanup(ws.Close)
	seedMembers(t, ws, target, 200)
	a, b := startProcess(t, ws, target, nil), startProcess(t, ws, target, nil)
	waitPosts(t, ws, 100, 60*time.Second)
	checkOnce(t, ws, target, 100, a, b)

	db, err := storage.Open(context.Background(), target.URL, target.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r, err := db.LatestRound(context.Background()); err != nil || r.Number != 1 {
		t.Errorf("latest round %+v, %v; want round 1", r, err)
	}
}

// taggedPosts counts the bot's successful posts by their metadata, which
// names the kind and the intro or outbox message: a count above one is a
// message sent twice.
func taggedPosts(ws *slacktest.Workspace) map[string]int {
	out := map[string]int{}
	for _, c := range ws.CallsTo("chat.postMessage") {
		if md := c.Params["metadata"]; c.OK() && md != "" {
			out[md]++
		}
	}
	return out
}

// postsOfKind counts the distinct messages of one kind ("rapport_intro",
// "rapport_followup", "rapport_notice") posted.
func postsOfKind(ws *slacktest.Workspace, eventType string) int {
	n := 0
	for md := range taggedPosts(ws) {
		if strings.Contains(md, `"`+eventType+`"`) {
			n++
		}
	}
	return n
}

// noticeMembers are the members each kind of notice goes to in
// queueEveryNotice, by the words the notice carries.
type noticeMembers struct {
	changed, promoted, cancelled, leftOut, gaveUp []string
}

// queueEveryNotice queues n notices of each kind a member can receive
// outside a round, through the service and the store as serve would:
// a meetup changed, a place freed on a waiting list, a meetup cancelled,
// and a kind word to a member left out. Each goes to a member of its own,
// who is paused so that the round leaves them alone, and they are queued
// in turn, kind after kind, so a kill anywhere finds several kinds on
// the way.
func queueEveryNotice(t *testing.T, ws *slacktest.Workspace, target storagetest.Target, n int) noticeMembers {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, target.URL, target.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/London")
	svc := &bot.Meetups{Store: db, Location: loc, Boards: []bot.MeetupBoard{{Platform: "slack", Channel: "C0MEETUPS1"}}}
	join := func(id string) *bot.Member {
		m := bottest.Member(t, bottest.UserID(id), bottest.Name(id), bottest.Org("Riverside Surgery"),
			bottest.Role("salaried_gp"), bottest.CareerStage("first_five"))
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetPause(ctx, "slack", id, true, nil, time.Now()); err != nil {
			t.Fatal(err)
		}
		ws.AddUser(slacktest.User{ID: id, RealName: id})
		return m
	}
	host := bot.User{Platform: "slack", ID: join("U0KILLHOST").UserID}
	form := func(title, capacity string) bot.MeetupForm {
		return bot.MeetupForm{Title: title, Purpose: "PCN lunch", Date: nextWeek(), Start: "12:30", End: "14:00",
			Place: "Riverside Surgery", Food: "yes", Capacity: capacity}
	}
	create := func(title, capacity string) *bot.Meetup {
		m, err := svc.Create(ctx, host, form(title, capacity), "")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	respond := func(user string, id int64, answer string) {
		if _, err := svc.Respond(ctx, bot.User{Platform: "slack", ID: user}, id, answer); err != nil {
			t.Fatal(err)
		}
	}
	var to noticeMembers
	for k := range n {
		who := func(role string) string { return fmt.Sprintf("U0K%s%04d", role, k) }

		changed := create(fmt.Sprintf("Lunch %d", k), "")
		respond(join(who("CHG")).UserID, changed.ID, bot.RSVPGoing)
		if _, err := svc.Edit(ctx, host, changed.ID, form(fmt.Sprintf("Long lunch %d", k), "")); err != nil {
			t.Fatal(err)
		}
		to.changed = append(to.changed, who("CHG"))

		full := create(fmt.Sprintf("Walk %d", k), "1")
		respond(join(who("GIV")).UserID, full.ID, bot.RSVPGoing)
		respond(join(who("PRO")).UserID, full.ID, bot.RSVPGoing) // waiting
		respond(who("GIV"), full.ID, bot.RSVPNotGoing)
		to.promoted, to.gaveUp = append(to.promoted, who("PRO")), append(to.gaveUp, who("GIV"))

		off := create(fmt.Sprintf("Quiz %d", k), "")
		respond(join(who("CAN")).UserID, off.ID, bot.RSVPGoing)
		if _, err := svc.Cancel(ctx, host, off.ID); err != nil {
			t.Fatal(err)
		}
		to.cancelled = append(to.cancelled, who("CAN"))

		left := join(who("OUT"))
		if err := db.MarkUnreachable(ctx, 0, nil, false, []bot.Notice{{MemberID: left.ID, Kind: bot.NoticeLeftOut}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		to.leftOut = append(to.leftOut, who("OUT"))
	}
	return to
}

// holdSends holds the next two posts on the server and returns once both
// have arrived, so that a kill now finds them in flight however slowly the
// bot runs.
func holdSends(t *testing.T, ws *slacktest.Workspace) {
	t.Helper()
	ws.FailNext("chat.postMessage", 2, slacktest.Fault{Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := ws.Wait(ctx, func() bool { return ws.FaultsLeft("chat.postMessage") == 0 }); err != nil {
		t.Fatalf("the held sends never arrived: %v", err)
	}
}

// killDuring waits until want(ws) holds, then kills p with two sends held
// on the server, so that they are claimed, maybe on the wire, and not
// recorded.
func killDuring(t *testing.T, ws *slacktest.Workspace, p *process, what string, want func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := ws.Wait(ctx, want); err != nil {
		t.Fatalf("waiting to kill during %s: %v\n%s", what, err, p.log.String())
	}
	holdSends(t, ws)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	t.Logf("killed during %s: %d intros, %d follow-ups, %d notices posted", what,
		postsOfKind(ws, "rapport_intro"), postsOfKind(ws, "rapport_followup"), postsOfKind(ws, "rapport_notice"))
}

// Killing the bot while it sends each kind of message (notices about
// meetups changed, cancelled and places freed, notices to members left
// out, intros and follow-ups), and starting it again each time, sends
// every message exactly once.
func TestKilledMidDeliverySendsEveryKindOnce(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ws := slacktest.New()
			t.Cleanup(ws.Close)
			const notices = 25 // of each kind
			to := queueEveryNotice(t, ws, target, notices)
			seedMembers(t, ws, target, 200) // 100 intros, 200 follow-ups
			env := map[string]string{"RAPPORT_FOLLOW_UP_AFTER": "15s"}

			p := startProcess(t, ws, target, env)
			killDuring(t, ws, p, "notices", func() bool { return postsOfKind(ws, "rapport_notice") >= 30 })
			p = startProcess(t, ws, target, env)
			killDuring(t, ws, p, "intros", func() bool { return postsOfKind(ws, "rapport_intro") >= 40 })
			p = startProcess(t, ws, target, env)
			killDuring(t, ws, p, "follow-ups", func() bool { return postsOfKind(ws, "rapport_followup") >= 60 })
			startProcess(t, ws, target, env)

			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			if err := ws.Wait(ctx, func() bool {
				return postsOfKind(ws, "rapport_intro") >= 100 && postsOfKind(ws, "rapport_followup") >= 200 && postsOfKind(ws, "rapport_notice") >= 4*notices
			}); err != nil {
				t.Fatalf("after the restarts: %d intros, %d follow-ups, %d notices posted: %v",
					postsOfKind(ws, "rapport_intro"), postsOfKind(ws, "rapport_followup"), postsOfKind(ws, "rapport_notice"), err)
			}
			time.Sleep(3 * time.Second) // any duplicate would show by now

			for md, n := range taggedPosts(ws) {
				if n != 1 {
					t.Errorf("%s posted %d times", md, n)
				}
			}
			if n := postsOfKind(ws, "rapport_intro"); n != 100 {
				t.Errorf("%d intros posted, want 100", n)
			}
			if n := postsOfKind(ws, "rapport_followup"); n != 200 {
				t.Errorf("%d follow-ups posted, want 200", n)
			}
			for _, c := range []struct {
				words string
				users []string
			}{
				{"has changed", to.changed}, {"a place has opened up", to.promoted},
				{"has been cancelled", to.cancelled}, {"go first", to.leftOut},
			} {
				for _, u := range c.users {
					n := 0
					for _, m := range ws.DMs(u) {
						if strings.Contains(m.Text, c.words) {
							n++
						}
					}
					if n != 1 || len(ws.DMs(u)) != 1 {
						t.Errorf("%s: %d messages saying %q of %d, want exactly one", u, n, c.words, len(ws.DMs(u)))
					}
				}
			}
			for _, u := range to.gaveUp {
				if n := len(ws.DMs(u)); n != 0 {
					t.Errorf("%s gave their place up and was sent %d messages", u, n)
				}
			}
			if n := len(ws.CallsTo("conversations.history")); n == 0 {
				t.Errorf("no send was resumed after a kill: the test proved less than it should")
			} else {
				t.Logf("%d sends resumed with a history check", n)
			}
		})
	}
}
