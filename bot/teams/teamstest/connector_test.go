package teamstest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
)

func conv(id string) string { return "v3/conversations/" + url.PathEscape(id) }

func TestCreateSendUpdateDelete(t *testing.T) {
	s := newServer(t)
	newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	chat := c.create(ana)
	if chat != ana.ChatID() || !strings.HasPrefix(chat, "a:") {
		t.Fatalf("created %q, install gave %q", chat, ana.ChatID())
	}
	if again := c.create(ana); again != chat {
		t.Fatalf("second create gave %q, want the same chat %q", again, chat)
	}
	first := c.send(chat, schema.Activity{Type: "message", Text: "Welcome to Rapport"})
	card := map[string]any{"type": "AdaptiveCard", "version": "1.5", "body": []any{map[string]any{"type": "TextBlock", "text": "Your intro"}}}
	second := c.send(chat, schema.Activity{Type: "message", Attachments: cardAttachment(card)})
	msgs := ana.Messages()
	if len(msgs) != 2 || msgs[0].ID != first || msgs[0].Text() != "Welcome to Rapport" || msgs[1].CardText() != "Your intro" {
		t.Fatalf("messages %+v", msgs)
	}

	card["body"] = []any{map[string]any{"type": "TextBlock", "text": "Your intro (updated)"}}
	status, _, body := c.do("PUT", conv(chat)+"/activities/"+second, schema.Activity{Type: "message", Attachments: cardAttachment(card)})
	if status != 200 {
		t.Fatalf("update: HTTP %d %s", status, body)
	}
	if m, _ := ana.LastCard(); m.CardText() != "Your intro (updated)" || !m.Updated {
		t.Fatalf("after update: %q updated=%v", m.CardText(), m.Updated)
	}
	status, _, body = c.do("GET", conv(chat)+"/activities/"+second+"/members", nil)
	if status != 200 || !strings.Contains(string(body), ana.ID) {
		t.Fatalf("activity members: HTTP %d %s", status, body)
	}
	if status, _, _ := c.do("DELETE", conv(chat)+"/activities/"+first, nil); status != 200 {
		t.Fatalf("delete: HTTP %d", status)
	}
	if msgs := ana.Messages(); len(msgs) != 1 || msgs[0].ID != second {
		t.Fatalf("after delete: %+v", msgs)
	}
	if status, _, body := c.do("PUT", conv(chat)+"/activities/"+first, schema.Activity{Type: "message", Text: "x"}); status != 404 {
		t.Fatalf("update of a deleted message: HTTP %d %s", status, body)
	}
	reply := schema.Activity{Type: "message", Text: "A reply"}
	if status, _, _ := c.do("POST", conv(chat)+"/activities/"+second, reply); status != 200 {
		t.Fatalf("reply: HTTP %d", status)
	}
	if m, _ := ana.LastMessage(); m.Text() != "A reply" || m.ReplyToID != second {
		t.Fatalf("reply shown as %+v", m)
	}
	if len(s.Problems()) != 0 {
		t.Fatalf("problems: %v", s.Problems())
	}
}

func TestCreateConversationRefusals(t *testing.T) {
	s := newServer(t)
	newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	ben := s.AddUser("Ben Okafor", "ben.okafor@nhs.net") // never installed the app
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	tenant := &schema.ChannelData{Tenant: &schema.TenantInfo{ID: s.TenantID()}}
	tests := []struct {
		name   string
		params schema.ConversationParameters
		status int
	}{
		{"group chat", schema.ConversationParameters{IsGroup: true, Members: []schema.ChannelAccount{{ID: ana.ID}, {ID: ben.ID}}, ChannelData: tenant}, 400},
		{"two members", schema.ConversationParameters{Members: []schema.ChannelAccount{{ID: ana.ID}, {ID: ben.ID}}, ChannelData: tenant}, 400},
		{"no tenant", schema.ConversationParameters{Members: []schema.ChannelAccount{{ID: ana.ID}}}, 400},
		{"other tenant", schema.ConversationParameters{Members: []schema.ChannelAccount{{ID: ana.ID}}, TenantID: "33333333-3333-4333-8333-333333333333"}, 403},
		{"by UPN", schema.ConversationParameters{Members: []schema.ChannelAccount{{ID: ana.UPN}}, ChannelData: tenant}, 400},
		{"other bot", schema.ConversationParameters{Bot: &schema.ChannelAccount{ID: "28:someone"}, Members: []schema.ChannelAccount{{ID: ana.ID}}, ChannelData: tenant}, 400},
		{"app not installed for the user", schema.ConversationParameters{Members: []schema.ChannelAccount{{ID: ben.ID}}, ChannelData: tenant}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := c.do("POST", "v3/conversations", tc.params)
			if code, _ := errorCode(body); status != tc.status || code == "" {
				t.Fatalf("HTTP %d %s, want %d with an error code", status, body, tc.status)
			}
		})
	}
	if ben.ChatID() != "" {
		t.Fatal("a refused create made a chat")
	}
	// Tenant as tenantId (older SDKs) works too, and the first activity goes with it.
	status, _, body := c.do("POST", "v3/conversations", schema.ConversationParameters{
		Members: []schema.ChannelAccount{{ID: ana.ID}}, TenantID: s.TenantID(),
		Activity: &schema.Activity{Type: "message", Text: "First words"},
	})
	var r schema.ConversationResourceResponse
	_ = json.Unmarshal(body, &r)
	if status/100 != 2 || r.ActivityID == "" {
		t.Fatalf("create with activity: HTTP %d %s", status, body)
	}
	if m, _ := ana.LastMessage(); m.ID != r.ActivityID || m.Text() != "First words" {
		t.Fatalf("first activity shown as %+v", m)
	}
}

func TestTeamRosterAndPagedMembers(t *testing.T) {
	s := newServer(t)
	bot := newBot(t, s)
	var members []*teamstest.User
	for i := range 120 {
		members = append(members, s.AddUser(fmt.Sprintf("Member %03d", i), fmt.Sprintf("member.%03d@nhs.net", i)))
	}
	team := s.AddTeam("Riverside PCN", members...)
	social := team.AddChannel("Social")
	c := newConnector(t, s)
	if status, _, _ := c.do("GET", conv(team.ID)+"/pagedmembers", nil); status != 403 {
		t.Fatalf("roster before install: HTTP %d, want 403", status)
	}
	res, err := team.Install("Social")
	if err != nil {
		t.Fatal(err)
	}
	cu := res.Activity
	if cu.Type != "conversationUpdate" || cu.Conversation.ID != social.ID || cu.ChannelData.Team.ID != team.ID ||
		cu.ChannelData.Settings.SelectedChannel.ID != social.ID || cu.ChannelData.EventType != "teamMemberAdded" ||
		len(cu.MembersAdded) != 1 || cu.MembersAdded[0].ID != s.BotID() {
		t.Fatalf("team install activity %+v", cu)
	}
	if len(res.Also) != 1 || res.Also[0].Activity.Type != "installationUpdate" || len(bot.activities()) != 2 {
		t.Fatalf("install sent %d activities", len(bot.activities()))
	}

	pages := func(size string) []int {
		var sizes []int
		seen := map[string]bool{}
		token := ""
		for {
			q := url.Values{}
			if size != "" {
				q.Set("pageSize", size)
			}
			if token != "" {
				q.Set("continuationToken", token)
			}
			status, _, body := c.do("GET", conv(team.ID)+"/pagedmembers?"+q.Encode(), nil)
			if status != 200 {
				t.Fatalf("page: HTTP %d %s", status, body)
			}
			var p schema.PagedMembersResult
			_ = json.Unmarshal(body, &p)
			for _, m := range p.Members {
				if seen[m.ID] || m.ObjectID == "" || m.UserPrincipalName == "" || m.TenantID != s.TenantID() {
					t.Fatalf("member %+v repeated or incomplete", m)
				}
				seen[m.ID] = true
			}
			sizes = append(sizes, len(p.Members))
			if p.ContinuationToken == "" {
				break
			}
			token = p.ContinuationToken
		}
		if len(seen) != 120 {
			t.Fatalf("pages covered %d members, want 120", len(seen))
		}
		return sizes
	}
	if got := fmt.Sprint(pages("10")); got != "[50 50 20]" {
		t.Errorf("pageSize 10 (raised to 50): pages %s", got)
	}
	if got := fmt.Sprint(pages("1000")); got != "[120]" {
		t.Errorf("pageSize 1000 (lowered to 500): pages %s", got)
	}
	if status, _, _ := c.do("GET", conv(team.ID)+"/pagedmembers?continuationToken=forged", nil); status != 400 {
		t.Errorf("forged continuation token: HTTP %d, want 400", status)
	}

	m := members[7]
	for _, id := range []string{m.ID, m.UPN, strings.ToUpper(m.UPN), m.ObjectID} {
		status, _, body := c.do("GET", conv(team.ID)+"/members/"+url.PathEscape(id), nil)
		var got schema.TeamsChannelAccount
		_ = json.Unmarshal(body, &got)
		if status != 200 || got.ID != m.ID || got.UserPrincipalName != m.UPN || got.ObjectID != m.ObjectID || got.GivenName != "Member" {
			t.Errorf("member by %q: HTTP %d %s", id, status, body)
		}
	}
	outsider := s.AddUser("Out Sider", "out.sider@nhs.net")
	if status, _, body := c.do("GET", conv(team.ID)+"/members/"+url.PathEscape(outsider.ID), nil); status != 404 {
		t.Errorf("member not in team: HTTP %d %s", status, body)
	}
	if status, _, body := c.do("GET", conv(social.ID)+"/members", nil); status != 200 || strings.Count(string(body), `"id":"29:`) != 120 {
		t.Errorf("members of a channel: HTTP %d", status)
	}

	status, _, body := c.do("GET", "v3/teams/"+url.PathEscape(team.ID), nil)
	var details schema.TeamDetails
	_ = json.Unmarshal(body, &details)
	if status != 200 || details.Name != "Riverside PCN" || details.AADGroupID != team.AADGroupID {
		t.Fatalf("team details: HTTP %d %s", status, body)
	}
	status, _, body = c.do("GET", "v3/teams/"+url.PathEscape(team.ID)+"/conversations", nil)
	want := fmt.Sprintf(`{"conversations":[{"id":%q,"name":null},{"id":%q,"name":"Social"}]}`, team.ID, social.ID)
	if status != 200 || string(body) != want {
		t.Fatalf("channels: HTTP %d %s, want %s", status, body, want)
	}

	// A member of an installed team can be reached proactively.
	chat := c.create(members[3])
	c.send(chat, schema.Activity{Type: "message", Text: "Your intro this month"})
	if got := members[3].Messages(); len(got) != 1 {
		t.Fatalf("proactive message: %+v", got)
	}
	if _, err := team.Uninstall(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{conv(team.ID) + "/activities", conv(chat) + "/activities"} {
		status, _, body := c.do("POST", path, schema.Activity{Type: "message", Text: "after uninstall"})
		if code, sub := errorCode(body); status != 403 || code == "" || sub != "MessageWritesBlocked" {
			t.Errorf("send to %s after uninstall: HTTP %d %s", path, status, body)
		}
	}
	if status, _, _ := c.do("GET", conv(team.ID)+"/members", nil); status != 403 {
		t.Errorf("roster after uninstall: HTTP %d, want 403", status)
	}
}

func TestMessageSizeLimit(t *testing.T) {
	s := newServer(t)
	newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	chat := c.create(ana)
	one, _ := json.Marshal(schema.Activity{Type: "message", Text: "a"})
	room := teamstest.MaxActivityBytes - len(one) + 1 // text length that fills the limit exactly
	id := c.send(chat, schema.Activity{Type: "message", Text: strings.Repeat("a", room)})
	big := schema.Activity{Type: "message", Text: strings.Repeat("a", room+1)}
	status, _, body := c.do("POST", conv(chat)+"/activities", big)
	if code, _ := errorCode(body); status != 413 || code != "MessageSizeTooBig" {
		t.Fatalf("one byte over: HTTP %d %s", status, body)
	}
	status, _, body = c.do("PUT", conv(chat)+"/activities/"+id, big)
	if code, _ := errorCode(body); status != 413 || code != "MessageSizeTooBig" {
		t.Fatalf("update one byte over: HTTP %d %s", status, body)
	}
	// Non-ASCII text counts by its bytes on the wire, never fewer.
	wide := schema.Activity{Type: "message", Text: strings.Repeat("é", room/2+1)}
	if status, _, _ := c.do("POST", conv(chat)+"/activities", wide); status != 413 {
		t.Fatalf("multi-byte text over the limit: HTTP %d", status)
	}
	if got := ana.Messages(); len(got) != 1 {
		t.Fatalf("%d messages shown, want only the one that fits", len(got))
	}
}

func TestRateLimits(t *testing.T) {
	// TimeScale 1000 stretches each window a thousandfold, so the test
	// never races the clock: 8 sends always fall in one "second".
	s := newServer(t, teamstest.WithLimits(&teamstest.Limits{TimeScale: 1000}))
	newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	ben := s.AddUser("Ben Okafor", "ben.okafor@nhs.net")
	for _, u := range []*teamstest.User{ana, ben} {
		if _, err := u.InstallPersonal(); err != nil {
			t.Fatal(err)
		}
	}
	c := newConnector(t, s)
	chatA, chatB := c.create(ana), c.create(ben)
	for i := range 7 {
		c.send(chatA, schema.Activity{Type: "message", Text: fmt.Sprint(i)})
	}
	status, header, body := c.do("POST", conv(chatA)+"/activities", schema.Activity{Type: "message", Text: "eighth"})
	if code, _ := errorCode(body); status != 429 || code == "" || header.Get("Retry-After") != "1" {
		t.Fatalf("eighth send in a second: HTTP %d Retry-After %q %s", status, header.Get("Retry-After"), body)
	}
	// The limit is per conversation: Ben's chat is not held back.
	c.send(chatB, schema.Activity{Type: "message", Text: "hello Ben"})
	if s.RateLimited() != 1 || len(ana.Messages()) != 7 {
		t.Fatalf("rate limited %d, Ana sees %d messages", s.RateLimited(), len(ana.Messages()))
	}
	if got := s.PeakRate(time.Second, chatA); got != 8 { // the create and seven sends
		t.Fatalf("peak per second in Ana's chat %d, want 8", got)
	}
}

func TestGlobalRateLimit(t *testing.T) {
	s := newServer(t, teamstest.WithLimits(&teamstest.Limits{TimeScale: 1000, Global: []teamstest.Window{{Limit: 5, Per: time.Second}}}))
	newBot(t, s)
	team := s.AddTeam("Riverside PCN")
	if _, err := team.Install(""); err != nil {
		t.Fatal(err)
	}
	var users []*teamstest.User
	for i := range 6 {
		u := s.AddUser(fmt.Sprintf("Member %d", i), fmt.Sprintf("m%d@nhs.net", i))
		if _, err := team.AddMember(u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	c := newConnector(t, s)
	var statuses []int
	for _, u := range users {
		status, _, _ := c.do("POST", "v3/conversations", schema.ConversationParameters{
			Members: []schema.ChannelAccount{{ID: u.ID}}, ChannelData: &schema.ChannelData{Tenant: &schema.TenantInfo{ID: s.TenantID()}}})
		statuses = append(statuses, status)
	}
	if got := fmt.Sprint(statuses); got != "[201 201 201 201 201 429]" {
		t.Fatalf("six creates against a global 5 a second: %s", got)
	}
	if s.PeakRate(time.Second, "") != 5 {
		t.Fatalf("peak %d", s.PeakRate(time.Second, ""))
	}
}

func TestFaultsAndBlocks(t *testing.T) {
	s := newServer(t)
	newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	chat := c.create(ana)

	s.Fail("send", http.StatusTooManyRequests, 2, 3*time.Second)
	for range 2 {
		status, header, _ := c.do("POST", conv(chat)+"/activities", schema.Activity{Type: "message", Text: "x"})
		if status != 429 || header.Get("Retry-After") != "3" {
			t.Fatalf("injected 429: HTTP %d Retry-After %q", status, header.Get("Retry-After"))
		}
	}
	c.send(chat, schema.Activity{Type: "message", Text: "third time lucky"})
	if s.RateLimited() != 0 {
		t.Fatal("injected 429s counted as rate limiting")
	}

	s.Fail("token", http.StatusServiceUnavailable, 1, 0)
	status, _ := postForm(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"}, "client_id": {s.AppID()}, "client_secret": {s.AppPassword()}, "scope": {teamstest.Scope}})
	if status != 503 {
		t.Fatalf("injected token failure: HTTP %d", status)
	}

	s.Fail(teamstest.AnyOp, http.StatusBadGateway, -1, 0)
	if status, _, _ := c.do("GET", conv(chat)+"/members", nil); status != 502 {
		t.Fatalf("until cleared: HTTP %d", status)
	}
	if s.FaultsLeft("members") != -1 {
		t.Fatal("a standing fault reports a count")
	}
	s.ClearFaults()

	s.Block(ana)
	status, _, body := c.do("POST", conv(chat)+"/activities", schema.Activity{Type: "message", Text: "are you there?"})
	if code, sub := errorCode(body); status != 403 || code != "MessageWritesBlocked" || sub != "MessageWritesBlocked" {
		t.Fatalf("send to a user who blocked the bot: HTTP %d %s", status, body)
	}
	if c.create(ana) != chat {
		t.Fatal("create after block gave another chat")
	}
	s.Unblock(ana)
	c.send(chat, schema.Activity{Type: "message", Text: "welcome back"})
	if got := len(ana.Messages()); got != 2 {
		t.Fatalf("Ana sees %d messages, want 2", got)
	}
	if n := len(s.RequestsTo("send")); n != 5 {
		t.Fatalf("%d send requests recorded, want 5", n)
	}
}

func TestUnknownConversationAndRoute(t *testing.T) {
	s := newServer(t)
	c := newConnector(t, s)
	status, _, body := c.do("POST", conv("a:nope")+"/activities", schema.Activity{Type: "message", Text: "x"})
	if code, _ := errorCode(body); status != 404 || code != "ConversationNotFound" {
		t.Fatalf("unknown conversation: HTTP %d %s", status, body)
	}
	if status, _, _ := c.do("GET", "v3/conversations", nil); status != 404 {
		t.Fatalf("GET conversations (Direct Line only): HTTP %d", status)
	}
}

func TestSeededIDsRepeat(t *testing.T) {
	ids := func(seed uint64) string {
		s := newServer(t, teamstest.WithSeed(seed))
		u := s.AddUser("Ana Lima", "ana.lima@nhs.net")
		team := s.AddTeam("Riverside PCN", u)
		return strings.Join([]string{u.ID, u.ObjectID, team.ID, team.AADGroupID, s.KeyID(), s.OtherChannelKeyID()}, " ")
	}
	a, b, c := ids(7), ids(7), ids(8)
	if a != b || a == c {
		t.Fatalf("seed 7: %s / %s; seed 8: %s", a, b, c)
	}
	if !strings.HasPrefix(a, "29:") || !strings.Contains(a, "@thread.tacv2") {
		t.Fatalf("ID shapes: %s", a)
	}
}

func TestCardsTeamsWouldNotRenderAreRecorded(t *testing.T) {
	s := newServer(t)
	newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	chat := c.create(ana)
	for _, att := range []schema.Attachment{
		{ContentType: schema.ContentTypeAdaptiveCard, Content: json.RawMessage(`{"type":"AdaptiveCard","version":"1.6","body":[]}`)},
		{ContentType: schema.ContentTypeAdaptiveCard, Content: json.RawMessage(`{"type":"AdaptiveCard","body":[]}`)},
		{ContentType: schema.ContentTypeAdaptiveCardOld, Content: json.RawMessage(`{"type":"AdaptiveCard","version":"1.5","body":[]}`)},
	} {
		c.send(chat, schema.Activity{Type: "message", Attachments: []schema.Attachment{att}})
	}
	got := s.Problems()
	if len(got) != 3 || !strings.Contains(got[0], "1.6") || !strings.Contains(got[1], "no version") || !strings.Contains(got[2], "content type") {
		t.Fatalf("problems %q", got)
	}
}

func TestPersonalUninstall(t *testing.T) {
	s := newServer(t)
	bot := newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	chat := c.create(ana)
	res, err := ana.UninstallPersonal()
	if err != nil || res.Activity.Type != "installationUpdate" || res.Activity.Action != "remove" {
		t.Fatalf("uninstall: %v %+v", err, res)
	}
	if n := len(bot.activities()); n != 3 {
		t.Fatalf("bot got %d activities, want 3", n)
	}
	status, _, body := c.do("POST", conv(chat)+"/activities", schema.Activity{Type: "message", Text: "still there?"})
	if code, sub := errorCode(body); status != 403 || code != "BotNotInConversationRoster" || sub != "MessageWritesBlocked" {
		t.Fatalf("send after uninstall: HTTP %d %s", status, body)
	}
	if _, err := ana.Say("hello"); err == nil {
		t.Fatal("a user without the app talked to the bot")
	}
	// A team with the app makes Ana reachable again.
	team := s.AddTeam("Riverside PCN", ana)
	if _, err := team.Install(""); err != nil {
		t.Fatal(err)
	}
	c.send(chat, schema.Activity{Type: "message", Text: "via the team"})
}

func TestTheSecretIsNeverRecorded(t *testing.T) {
	s := newServer(t)
	newConnector(t, s)
	postForm(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"}, "client_id": {s.AppID()}, "client_secret": {"a-wrong-secret"}, "scope": {teamstest.Scope}})
	for _, r := range s.RequestsTo("token") {
		if r.Body != nil || strings.Contains(string(r.Response), s.AppPassword()) || strings.Contains(string(r.Response), "a-wrong-secret") {
			t.Fatalf("token request recorded with its secret: %+v", r)
		}
	}
	if s.Count("token") != 2 {
		t.Fatalf("%d token requests", s.Count("token"))
	}
}
