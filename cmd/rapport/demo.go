package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/config"
	"github.com/rapport-pcn/rapport/storage"
)

// demo runs the whole product with no Slack account (or, with
// --platform teams, no Teams account: see demoTeams): a local
// Slack-compatible workspace in this process, the embedded SQLite database
// in a temporary folder, a synthetic PCN whose members join through real
// /introduce-me submissions, one round delivered through the real Slack
// adapter, and then what members saw and the admin figures.
func demo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "Runs Rapport end to end against a local, in-process stand-in for Slack or Microsoft Teams, with a synthetic network of about 60 members, and prints the introductions they received. Needs no Slack or Teams account and no set-up.", stderr)
	members := fs.Int("members", 60, "how many members join (2 to 200)")
	platform := fs.String("platform", "slack", "the chat platform to run it in: slack or teams")
	keep := fs.Bool("serve", false, "after the round, keep the bot and its database running and serve the admin pages on RAPPORT_HTTP_ADDR (default "+config.DefaultHTTPAddr+"), with a sign-in link, until Ctrl-C")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *members < 2 || *members > 200 {
		return usageError{fmt.Errorf("--members must be from 2 to 200")}
	}
	if *platform != "slack" && *platform != "teams" {
		return usageError{fmt.Errorf("--platform must be slack or teams, not %q", *platform)}
	}
	dir, err := os.MkdirTemp("", "rapport-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	httpAddr := "127.0.0.1:0"
	if *keep {
		httpAddr = cmp.Or(strings.TrimSpace(getenv("RAPPORT_HTTP_ADDR")), config.DefaultHTTPAddr)
	}
	if *platform == "teams" {
		if *keep {
			return usageError{fmt.Errorf("--serve works with --platform slack only, for now")}
		}
		return demoTeams(ctx, *members, dir, stdout, stderr)
	}

	ws := slacktest.New()
	defer ws.Close()
	const admin = "U0DEMOADMN"
	ws.AddUser(slacktest.User{ID: admin, RealName: "Dr Helen Ashworth"})
	env := map[string]string{
		"SLACK_APP_TOKEN": ws.AppToken(), "SLACK_BOT_TOKEN": ws.BotToken(), "SLACK_API_URL": ws.APIURL(),
		"RAPPORT_DATA_DIR": dir, "RAPPORT_ADMINS": admin, "RAPPORT_LOG_LEVEL": "error", "RAPPORT_HTTP_ADDR": httpAddr,
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan int, 1)
	go func() {
		served <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, stderr)
	}()
	step := func(format string, a ...any) { fmt.Fprintf(stdout, "• "+format+"\n", a...) }

	wait, stop := context.WithTimeout(ctx, 2*time.Minute)
	defer stop()
	if err := ws.WaitForHello(wait, 1); err != nil {
		return fmt.Errorf("the bot did not connect to the local workspace: %w", err)
	}
	fmt.Fprintln(stdout, "Rapport demo: a local stand-in for Slack, the embedded SQLite database, and the real bot.")
	step("The bot connected over Socket Mode.")

	for _, o := range demoOrgs {
		if _, err := ws.SlashCommand(wait, admin, bot.CommandName, "admin practices add "+o.name); err != nil {
			return err
		}
	}
	step("The network admin listed %d practices and partner organisations.", len(demoOrgs))

	names := map[string]string{admin: "Dr Helen Ashworth"}
	people := demoPeople(*members)
	ids := make([]string, len(people))
	for i, p := range people {
		id := fmt.Sprintf("U0DEMO%04d", i)
		ids[i] = id
		ws.AddUser(slacktest.User{ID: id, RealName: p.name})
		names[id] = p.name
		values := map[string]any{
			bot.FieldOrganisation: p.org.name,
			bot.FieldSector:       p.org.sector,
			bot.FieldRole:         p.role,
			bot.FieldCareerStage:  p.stage,
			bot.FieldInterests:    p.interests,
			bot.FieldOffers:       p.offers,
			bot.FieldAsks:         p.asks,
			bot.FieldFrequency:    p.frequency,
			bot.FieldMentoring:    p.mentoring,
			bot.FieldMeeting:      p.meeting,
			bot.FieldBio:          p.bio,
		}
		if demoListed(i) {
			values[bot.FieldListed] = []string{"yes"}
		}
		if err := demoJoin(wait, ws, id, values); err != nil {
			return fmt.Errorf("%s could not join: %w", p.name, err)
		}
	}
	step("%d members joined through /introduce-me: each opened the form, filled it in and saved it.", *members)

	if _, err := ws.SlashCommand(wait, admin, bot.CommandName, "admin run-now"); err != nil {
		return err
	}
	confirm, ok := ws.LastEphemeral(admin)
	if !ok {
		return fmt.Errorf("no confirmation for run-now")
	}
	if _, err := ws.ClickButton(wait, admin, confirm.Channel, confirm.MessageTS, "rounds_run_confirm", ""); err != nil {
		return err
	}
	var started string
	if err := ws.Wait(wait, func() bool {
		e, _ := ws.LastEphemeral(admin)
		started = e.Text
		return strings.Contains(e.Text, "under way") || strings.Contains(e.Text, "already") || strings.Contains(e.Text, "nobody")
	}); err != nil {
		return fmt.Errorf("the round did not start: %w", err)
	}
	step("The admin ran a round: %s", started)

	var expected int
	fmt.Sscanf(started[strings.Index(started, ": ")+2:], "%d", &expected)
	if err := ws.Wait(wait, func() bool { return len(demoIntros(ws)) >= expected }); err != nil {
		return fmt.Errorf("only %d of %d introductions arrived: %w", len(demoIntros(ws)), expected, err)
	}
	intros := demoIntros(ws)
	step("%d introductions were delivered as group messages.", len(intros))
	texts := make([]string, len(intros))
	for i, m := range intros {
		texts[i] = readable(m, names)
	}
	step("%s", mentoringStep(texts))

	fmt.Fprintln(stdout, "\nWhat members saw")
	for i, text := range texts {
		fmt.Fprintf(stdout, "\n── Introduction %d of %d ──\n%s\n", i+1, len(texts), text)
	}
	introduced := func(a, b string) bool {
		for _, text := range texts {
			if h, _, _ := strings.Cut(text, "\n"); strings.Contains(h, a) && strings.Contains(h, b) {
				return true
			}
		}
		return false
	}

	// The last messages are posted a moment before they are recorded:
	// wait for the database to count them all before asking for figures.
	db, err := storage.Open(wait, "", dir)
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		st, err := db.RoundStats(wait, time.Now(), 1)
		if err != nil {
			return err
		}
		if len(st.Recent) == 1 && st.Recent[0].Delivered+st.Recent[0].Failed >= len(intros) {
			break
		}
		select {
		case <-wait.Done():
			return fmt.Errorf("deliveries were not recorded: %w", wait.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	before := len(ws.Ephemerals(admin))
	if _, err := ws.SlashCommand(wait, admin, bot.CommandName, "admin stats"); err != nil {
		return err
	}
	e, err := waitEphemeralSince(wait, ws, admin, before, "Rapport in numbers")
	if err != nil {
		return fmt.Errorf("no stats: %w", err)
	}
	fmt.Fprintf(stdout, "\nWhat the admin saw (/introduce-me admin stats)\n\n%s\n", readableBlocks(e.Text, e.Blocks, names))

	if err := demoDirectory(wait, ws, people, ids, names, introduced, stdout); err != nil {
		return err
	}

	if *keep {
		link, err := demoSignInLink(wait, ws, admin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nThe admin pages are open. The admin asked for a link (/introduce-me admin dashboard), and the bot sent it in a direct message:\n\n  %s\n\nOpen it in a browser and press Sign in, within 10 minutes, to see the network map, the members, the rounds, the learning gaps and the log. The bot and its database keep running until Ctrl-C.\n", link)
		<-ctx.Done()
	}

	cancel()
	if code := <-served; code != 0 {
		return fmt.Errorf("the bot stopped with code %d", code)
	}
	return nil
}

// signInLinkIn finds a sign-in link in a message the bot posted.
var signInLinkIn = regexp.MustCompile(`https?://[^"\s<>|]+` + regexp.QuoteMeta(bot.SignInPath) + `[A-Za-z0-9]+`)

// demoSignInLink has the admin ask for a link to the admin pages, and
// returns the link from the direct message the bot sends.
func demoSignInLink(ctx context.Context, ws *slacktest.Workspace, admin string) (string, error) {
	if _, err := ws.SlashCommand(ctx, admin, bot.CommandName, "admin dashboard"); err != nil {
		return "", err
	}
	var link string
	err := ws.Wait(ctx, func() bool {
		for _, c := range ws.CallsTo("chat.postMessage") {
			if m := signInLinkIn.FindString(c.Params["blocks"]); c.OK() && m != "" {
				link = m
			}
		}
		return link != ""
	})
	if err != nil {
		return "", fmt.Errorf("no sign-in link came: %w", err)
	}
	return link, nil
}

// waitEphemeralSince waits for a private message to user containing want,
// among those after the first skip. An answer that follows a command's ack
// through the response URL may be shown before or after the ack's own
// message, so it is looked for among them all, not only in the latest.
func waitEphemeralSince(ctx context.Context, ws *slacktest.Workspace, user string, skip int, want string) (slacktest.EphemeralMessage, error) {
	var found slacktest.EphemeralMessage
	err := ws.Wait(ctx, func() bool {
		all := ws.Ephemerals(user)
		for _, e := range all[min(skip, len(all)):] {
			if strings.Contains(e.Text, want) {
				found = e
				return true
			}
		}
		return false
	})
	return found, err
}

// demoJoin runs /introduce-me for a member and saves the form.
func demoJoin(ctx context.Context, ws *slacktest.Workspace, user string, values map[string]any) error {
	if _, err := ws.SlashCommand(ctx, user, bot.CommandName, ""); err != nil {
		return err
	}
	var form slacktest.View
	if err := ws.Wait(ctx, func() bool {
		for _, v := range ws.OpenViews(user) {
			if len(v.Submit) > 0 {
				form = v
				return true
			}
		}
		return false
	}); err != nil {
		return err
	}
	ack, err := ws.SubmitView(ctx, user, form.ID, values)
	if err != nil {
		return err
	}
	if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
		return fmt.Errorf("the form was refused: %s", ack.Payload)
	}
	return nil
}

// demoIntros returns the intro messages posted, oldest first.
func demoIntros(ws *slacktest.Workspace) []slacktest.Call {
	var out []slacktest.Call
	for _, c := range ws.CallsTo("chat.postMessage") {
		if c.OK() && strings.Contains(c.Params["metadata"], "rapport_intro") {
			out = append(out, c)
		}
	}
	return out
}

func readable(c slacktest.Call, names map[string]string) string {
	return readableBlocks(c.Params["text"], json.RawMessage(c.Params["blocks"]), names)
}

var mention = regexp.MustCompile(`<@([A-Z0-9]+)>`)

// readableBlocks turns Block Kit into plain text as a person would read it.
func readableBlocks(fallback string, raw json.RawMessage, names map[string]string) string {
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil || len(blocks) == 0 {
		return plainText(fallback, names)
	}
	var out []string
	for _, b := range blocks {
		switch b["type"] {
		case "header", "section":
			if t, ok := b["text"].(map[string]any); ok {
				out = append(out, plainText(fmt.Sprint(t["text"]), names))
			}
			if a, ok := b["accessory"].(map[string]any); ok && a["type"] == "button" {
				if t, ok := a["text"].(map[string]any); ok {
					out = append(out, "["+fmt.Sprint(t["text"])+"]")
				}
			}
		case "context":
			if els, ok := b["elements"].([]any); ok {
				for _, e := range els {
					if m, ok := e.(map[string]any); ok {
						out = append(out, "  "+plainText(fmt.Sprint(m["text"]), names))
					}
				}
			}
		case "actions":
			var labels []string
			if els, ok := b["elements"].([]any); ok {
				for _, e := range els {
					if m, ok := e.(map[string]any); ok {
						if t, ok := m["text"].(map[string]any); ok {
							labels = append(labels, "["+fmt.Sprint(t["text"])+"]")
						}
					}
				}
			}
			out = append(out, strings.Join(labels, " "))
		case "divider":
			out = append(out, "")
		}
	}
	return strings.Join(out, "\n")
}

func plainText(s string, names map[string]string) string {
	s = mention.ReplaceAllStringFunc(s, func(m string) string {
		id := mention.FindStringSubmatch(m)[1]
		if n, ok := names[id]; ok {
			return "@" + n
		}
		return m
	})
	s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "*", "", "```", "", "_", "").Replace(s)
	return s
}
