package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage"
)

// demoTeams runs the demo in Microsoft Teams: a local stand-in for Teams
// and the Bot Framework in this process, the embedded SQLite database in
// dir, members who install the app and save the profile card, one round
// delivered through the real Teams adapter, and what members saw.
func demoTeams(ctx context.Context, members int, dir string, stdout, stderr io.Writer) error {
	s := teamstest.New()
	defer s.Close()
	const adminUPN = "helen.ashworth@northfield.nhs.net"
	env := map[string]string{
		"TEAMS_APP_ID": s.AppID(), "TEAMS_APP_PASSWORD": s.AppPassword(), "TEAMS_TENANT_ID": s.TenantID(),
		"TEAMS_OPENID_METADATA_URL": s.MetadataURL(), "TEAMS_TOKEN_URL": s.TokenURL(),
		"RAPPORT_TEAMS_ADDR": "127.0.0.1:0", "RAPPORT_HTTP_ADDR": "127.0.0.1:0", "RAPPORT_DATA_DIR": dir, "RAPPORT_ADMINS": adminUPN,
		// Info, to learn the endpoint's address; only errors are shown.
		"RAPPORT_LOG_LEVEL": "info",
	}
	log := &endpointWatch{out: stderr, found: make(chan string, 1)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan int, 1)
	go func() {
		served <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, log)
	}()
	step := func(format string, a ...any) { fmt.Fprintf(stdout, "• "+format+"\n", a...) }

	wait, stop := context.WithTimeout(ctx, 2*time.Minute)
	defer stop()
	select {
	case addr := <-log.found:
		s.SetBot("http://" + addr + "/api/messages")
	case code := <-served:
		return fmt.Errorf("the bot stopped with code %d before listening", code)
	case <-wait.Done():
		return fmt.Errorf("the bot's Teams endpoint did not start: %w", wait.Err())
	}
	fmt.Fprintln(stdout, "Rapport demo in Teams: a local stand-in for Teams and the Bot Framework, the embedded SQLite database, and the real bot.")
	step("The bot got its token from the stand-in for Entra and listens for Teams' signed activities.")

	d := &teamsDemo{s: s, ctx: wait}
	helen := s.AddUser("Dr Helen Ashworth", adminUPN)
	if _, err := d.install(helen); err != nil {
		return err
	}
	for _, o := range demoOrgs {
		if _, err := d.say(helen, "introduce-me admin practices add "+o.name, "Added"); err != nil {
			return err
		}
	}
	step("The network admin added the app in Teams and listed %d practices and partner organisations.", len(demoOrgs))

	var users []*teamstest.User
	people := demoPeople(members)
	for i, p := range people {
		upn := fmt.Sprintf("%s.%d@northfield.nhs.net", strings.ToLower(strings.ReplaceAll(p.name, " ", ".")), i)
		u := s.AddUser(p.name, upn)
		users = append(users, u)
		values := map[string]string{
			bot.FieldOrganisation: p.org.name,
			bot.FieldSector:       p.org.sector,
			bot.FieldRole:         p.role,
			bot.FieldCareerStage:  p.stage,
			bot.FieldFrequency:    p.frequency,
			bot.FieldMentoring:    p.mentoring,
			bot.FieldMeeting:      p.meeting,
			bot.FieldBio:          p.bio,
		}
		if demoListed(i) {
			values[bot.FieldListed] = "yes"
		}
		choices := map[string][]string{
			bot.FieldInterests: p.interests,
			bot.FieldOffers:    p.offers,
			bot.FieldAsks:      p.asks,
		}
		if err := d.join(u, values, choices); err != nil {
			return fmt.Errorf("%s could not join: %w", p.name, err)
		}
	}
	step("%d members added Rapport in Teams: each pressed \"Join Rapport\" on the welcome card, filled in the card and saved it.", members)

	confirm, err := d.say(helen, "introduce-me admin run-now", "Run a round of introductions now?")
	if err != nil {
		return err
	}
	res, err := helen.Press(confirm.ID, "Run the round now", nil)
	if err != nil {
		return err
	}
	started := res.Shown
	if res.Card != nil {
		started += "\n" + teamstest.CardText(res.Card)
	}
	if !strings.Contains(started, "under way") {
		m, err := d.waitFor(helen, 0, "under way")
		if err != nil {
			return fmt.Errorf("the round did not start: %w", err)
		}
		started = teamsPlain(m)
	}
	started = started[strings.Index(started, "Round "):]
	started, _, _ = strings.Cut(started, "\n")
	step("The admin ran a round: %s", started)

	var expected int
	fmt.Sscanf(started[strings.Index(started, ": ")+2:], "%d", &expected)
	db, err := storage.Open(wait, "", dir)
	if err != nil {
		return err
	}
	defer db.Close()
	// Each copy is recorded as soon as Teams accepts it; an intro counts
	// as delivered once every member has theirs.
	for {
		st, err := db.RoundStats(wait, time.Now(), 1)
		if err != nil {
			return err
		}
		if len(st.Recent) == 1 && st.Recent[0].Delivered+st.Recent[0].Failed >= expected {
			break
		}
		select {
		case <-wait.Done():
			return fmt.Errorf("the introductions were not all delivered: %w", wait.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	copies := 0
	for _, u := range users {
		copies += countIntros(u)
	}
	step("%d introductions were delivered: Teams lets no bot start a group chat, so each of the %d members in them got their own card in their chat with Rapport, with a link that starts the group chat.", expected, copies)

	shown := map[string]bool{}
	var seen, texts []string
	for _, u := range users {
		if shown[u.UPN] {
			continue
		}
		intro, ok := lastIntro(u)
		if !ok {
			continue
		}
		shown[u.UPN] = true
		if link, err := intro.Link(bot.StartChatLabel); err == nil {
			if l, err := url.Parse(link); err == nil {
				for _, upn := range strings.Split(l.Query().Get("users"), ",") {
					shown[upn] = true
				}
			}
		}
		seen, texts = append(seen, u.Name), append(texts, teamsPlain(intro))
	}
	step("%s", mentoringStep(texts))

	fmt.Fprintln(stdout, "\nWhat members saw (one member's card for each introduction; the others' name the rest of the group)")
	for i, text := range texts {
		fmt.Fprintf(stdout, "\n── Introduction %d of %d, as %s saw it ──\n%s\n", i+1, expected, seen[i], text)
	}

	m, err := d.say(helen, "introduce-me admin stats", "Rapport in numbers")
	if err != nil {
		return fmt.Errorf("no stats: %w", err)
	}
	fmt.Fprintf(stdout, "\nWhat the admin saw (introduce-me admin stats)\n\n%s\n", teamsPlain(m))

	introduced := func(a, b string) bool {
		for _, text := range texts {
			if h, _, _ := strings.Cut(text, "\n"); strings.Contains(h, a) && strings.Contains(h, b) {
				return true
			}
		}
		return false
	}
	if err := demoTeamsDirectory(d, people, users, introduced, stdout); err != nil {
		return err
	}

	cancel()
	if code := <-served; code != 0 {
		return fmt.Errorf("the bot stopped with code %d", code)
	}
	return nil
}

// teamsDemo drives the demo's Teams users.
type teamsDemo struct {
	s   *teamstest.Server
	ctx context.Context
}

// waitFor waits for a message to u, after the first skip, that shows want.
func (d *teamsDemo) waitFor(u *teamstest.User, skip int, want string) (teamstest.Message, error) {
	var found teamstest.Message
	err := d.s.Wait(d.ctx, func() bool {
		ms := u.Messages()
		for _, m := range ms[min(skip, len(ms)):] {
			if strings.Contains(teamsPlain(m), want) {
				found = m
				return true
			}
		}
		return false
	})
	return found, err
}

// say sends text from u to the bot and waits for the answer that shows
// want.
func (d *teamsDemo) say(u *teamstest.User, text, want string) (teamstest.Message, error) {
	before := len(u.Messages())
	res, err := u.Say(text)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return teamstest.Message{}, fmt.Errorf("%q: %w", text, err)
	}
	m, err := d.waitFor(u, before, want)
	if err != nil {
		return m, fmt.Errorf("no answer to %q: %w", text, err)
	}
	return m, nil
}

// install adds the app for u and waits for the welcome.
func (d *teamsDemo) install(u *teamstest.User) (teamstest.Message, error) {
	res, err := u.InstallPersonal()
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return teamstest.Message{}, err
	}
	return d.waitFor(u, 0, "Join Rapport")
}

// join installs the app for u, opens the profile card from the welcome,
// and saves it with values and the choices picked by their titles.
func (d *teamsDemo) join(u *teamstest.User, values map[string]string, choices map[string][]string) error {
	welcome, err := d.install(u)
	if err != nil {
		return err
	}
	before := len(u.Messages())
	res, err := u.Press(welcome.ID, "Join Rapport", nil)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return err
	}
	var form teamstest.Message
	if err := d.s.Wait(d.ctx, func() bool {
		ms := u.Messages()
		for _, m := range ms[min(before, len(ms)):] {
			if len(m.Inputs()) > 0 {
				form = m
				return true
			}
		}
		return false
	}); err != nil {
		return fmt.Errorf("no profile card: %w", err)
	}
	for _, in := range form.Inputs() {
		var picked []string
		for _, title := range choices[in.ID] {
			for _, c := range in.Choices {
				// A choice of several groups titles each option
				// "Group: Label" (Adaptive Cards have no option groups).
				if c.Title == title || strings.HasSuffix(c.Title, ": "+title) {
					picked = append(picked, c.Value)
				}
			}
		}
		if len(picked) > 0 {
			values[in.ID] = strings.Join(picked, ",")
		}
	}
	res, err = u.Press(form.ID, "Save", values)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return err
	}
	if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
		return fmt.Errorf("the profile was not saved:\n%s", teamstest.CardText(res.Card))
	}
	return nil
}

// countIntros counts u's intro cards.
func countIntros(u *teamstest.User) int {
	n := 0
	for _, m := range u.Messages() {
		if _, err := m.Link(bot.StartChatLabel); err == nil {
			n++
		}
	}
	return n
}

// lastIntro returns u's latest intro card.
func lastIntro(u *teamstest.User) (teamstest.Message, bool) {
	ms := u.Messages()
	for i := len(ms) - 1; i >= 0; i-- {
		if _, err := ms[i].Link(bot.StartChatLabel); err == nil {
			return ms[i], true
		}
	}
	return teamstest.Message{}, false
}

var (
	markdownEscape = regexp.MustCompile(`\\([[:punct:]])`)
	markdownBold   = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	markdownItalic = regexp.MustCompile(`(?m)^_(.+)_$`)
)

// teamsPlain is a message as a person reads it in Teams: its text and
// card, without Markdown's escapes, bold and italic marks.
func teamsPlain(m teamstest.Message) string {
	text := strings.TrimSpace(m.Text() + "\n" + m.CardText())
	if m.Text() == "" {
		text = strings.TrimSpace(m.CardText())
	}
	text = markdownItalic.ReplaceAllString(markdownBold.ReplaceAllString(text, "$1"), "$1")
	// The card keeps bold words apart from the next with a no-break
	// space, which reads as a space.
	text = strings.ReplaceAll(text, "\u00a0", " ")
	return markdownEscape.ReplaceAllString(text, "$1")
}

// endpointWatch takes serve's log: it reports the Teams endpoint's
// address once it listens, and passes on only errors.
type endpointWatch struct {
	out   io.Writer
	found chan string

	mu   sync.Mutex
	line []byte
	sent bool
}

var endpointLine = regexp.MustCompile(`msg="Teams messaging endpoint listening" addr=(\S+)`)

func (w *endpointWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		line := string(w.line[:i+1])
		w.line = w.line[i+1:]
		if m := endpointLine.FindStringSubmatch(line); m != nil && !w.sent {
			w.sent = true
			w.found <- m[1]
		}
		if strings.Contains(line, "level=ERROR") || strings.HasPrefix(line, "rapport:") {
			if _, err := io.WriteString(w.out, line); err != nil {
				return len(p), err
			}
		}
	}
	return len(p), nil
}
