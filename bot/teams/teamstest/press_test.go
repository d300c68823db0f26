package teamstest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
)

const profileCard = `{"type":"AdaptiveCard","version":"1.5","body":[
 {"type":"TextBlock","text":"Your profile"},
 {"type":"Input.Text","id":"role","label":"Role","value":"GP","maxLength":20},
 {"type":"Input.ChoiceSet","id":"freq","label":"How often","value":"monthly","choices":[{"title":"Monthly","value":"monthly"},{"title":"Every two months","value":"bimonthly"}]},
 {"type":"Input.Text","id":"about","label":"About you","isRequired":true},
 {"type":"FactSet","facts":[{"title":"Team","value":"Riverside"}]},
 {"type":"ActionSet","actions":[
  {"type":"Action.Execute","title":"Save","verb":"profile.save","data":{"form":"profile"},
   "fallback":{"type":"Action.Submit","title":"Save","data":{"form":"profile","verb":"profile.save"}}},
  {"type":"Action.OpenUrl","title":"Start a chat","url":"https://teams.microsoft.com/l/chat/0/0?users=ben.okafor@nhs.net"}]}],
 "actions":[{"type":"Action.ShowCard","title":"More","card":{"type":"AdaptiveCard",
  "body":[{"type":"Input.Toggle","id":"pause","title":"Pause my intros","value":"false"}],
  "actions":[{"type":"Action.Submit","title":"Apply","data":{"form":"more"}}]}}]}`

// setup installs Ana and has the bot send her the profile card.
func setup(t *testing.T, opts ...teamstest.Option) (*teamstest.Server, *testBot, *teamstest.User, string) {
	t.Helper()
	s := newServer(t, opts...)
	bot := newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	id := c.send(c.create(ana), schema.Activity{Type: "message", Attachments: []schema.Attachment{{ContentType: schema.ContentTypeAdaptiveCard, Content: json.RawMessage(profileCard)}}})
	return s, bot, ana, id
}

func lastActivity(t *testing.T, b *testBot) schema.Activity {
	t.Helper()
	got := b.activities()
	if len(got) == 0 {
		t.Fatal("the bot received nothing")
	}
	return got[len(got)-1]
}

func TestCardText(t *testing.T) {
	_, _, ana, _ := setup(t)
	m, ok := ana.LastCard()
	if !ok {
		t.Fatal("no card")
	}
	want := strings.Join([]string{
		"Your profile", "Role: GP", "How often: Monthly (choices: Monthly, Every two months)", "About you: ",
		"Team: Riverside", "[Save]", "[Start a chat]", "[More]", "  Pause my intros: false", "  [Apply]",
	}, "\n")
	if got := m.CardText(); got != want {
		t.Fatalf("card text:\n%s\nwant:\n%s", got, want)
	}
	link, err := m.Link("Start a chat")
	if err != nil || link != "https://teams.microsoft.com/l/chat/0/0?users=ben.okafor@nhs.net" {
		t.Fatalf("link %q %v", link, err)
	}
	if b, _ := m.Button("Save"); b.Type != "Action.Execute" || b.Verb != "profile.save" || b.FallbackType != "Action.Submit" {
		t.Fatalf("Save button %+v", b)
	}
}

func TestPressExecuteSendsTheInvokeAndShowsTheAnswer(t *testing.T) {
	_, bot, ana, id := setup(t)
	saved := map[string]any{"type": "AdaptiveCard", "version": "1.5", "body": []any{map[string]any{"type": "TextBlock", "text": "Saved, thank you"}}}
	bot.answer(func(_ *http.Request, a *schema.Activity) (int, any) {
		if a.Type == "invoke" {
			return 200, schema.AdaptiveCardInvokeResponse{StatusCode: 200, Type: schema.ContentTypeAdaptiveCard, Value: saved}
		}
		return 200, nil
	})
	res, err := ana.Press(id, "Save", map[string]string{"about": "Runs on Sundays", "freq": "bimonthly"})
	if err != nil {
		t.Fatal(err)
	}
	inv := lastActivity(t, bot)
	var v schema.AdaptiveCardInvokeValue
	_ = json.Unmarshal(inv.Value, &v)
	var data map[string]string
	_ = json.Unmarshal(v.Action.Data, &data)
	if inv.Type != "invoke" || inv.Name != "adaptiveCard/action" || v.Action.Type != "Action.Execute" || v.Action.Verb != "profile.save" ||
		v.Trigger != "manual" || inv.ReplyToID != id || inv.From.ID != ana.ID || inv.Conversation.ID != ana.ChatID() {
		t.Fatalf("invoke %+v value %+v", inv, v)
	}
	if want := (map[string]string{"form": "profile", "role": "GP", "freq": "bimonthly", "about": "Runs on Sundays"}); !equalMaps(data, want) {
		t.Fatalf("data %v, want %v", data, want)
	}
	if res.Card == nil {
		t.Fatal("no card in the result")
	}
	if m, _ := ana.LastCard(); m.ID != id || m.CardText() != "Saved, thank you" {
		t.Fatalf("after the answer Ana sees %q", m.CardText())
	}

	bot.answer(func(*http.Request, *schema.Activity) (int, any) {
		return 200, schema.AdaptiveCardInvokeResponse{StatusCode: 200, Type: schema.ContentTypeMessage, Value: "Saved"}
	})
	// The card now shown has no Save button.
	if _, err := ana.Press(id, "Save", nil); !errors.Is(err, teamstest.ErrNotFound) {
		t.Fatalf("pressing a button the replaced card lacks: %v", err)
	}
}

func TestPressRefusesWhatTheClientRefuses(t *testing.T) {
	_, bot, ana, id := setup(t)
	before := len(bot.activities())
	for _, tc := range []struct {
		name   string
		button string
		inputs map[string]string
	}{
		{"required input empty", "Save", nil},
		{"unknown input", "Save", map[string]string{"about": "x", "nickname": "A"}},
		{"not a choice", "Save", map[string]string{"about": "x", "freq": "weekly"}},
		{"too long", "Save", map[string]string{"about": "x", "role": strings.Repeat("r", 21)}},
		{"a link", "Start a chat", nil},
		{"a show-card", "More", nil},
		{"no such button", "Delete", nil},
	} {
		if _, err := ana.Press(id, tc.button, tc.inputs); err == nil {
			t.Errorf("%s: pressed", tc.name)
		}
	}
	if len(bot.activities()) != before {
		t.Fatal("a refused press reached the bot")
	}
}

func TestPressSubmitAndOldClient(t *testing.T) {
	_, bot, ana, id := setup(t)
	if _, err := ana.Press(id, "Apply", map[string]string{"about": "x", "pause": "true"}); err != nil {
		t.Fatal(err)
	}
	got := lastActivity(t, bot)
	var value map[string]string
	_ = json.Unmarshal(got.Value, &value)
	if got.Type != "message" || got.ReplyToID != id || value["form"] != "more" || value["pause"] != "true" || value["role"] != "GP" {
		t.Fatalf("submit from a shown card: %+v value %v", got, value)
	}

	ana.OldClient = true
	if _, err := ana.Press(id, "Save", map[string]string{"about": "Runs"}); err != nil {
		t.Fatal(err)
	}
	got = lastActivity(t, bot)
	_ = json.Unmarshal(got.Value, &value)
	if got.Type != "message" || got.ReplyToID != id || value["verb"] != "profile.save" || value["about"] != "Runs" {
		t.Fatalf("old client pressed %+v value %v", got, value)
	}
}

func TestInvokeAnswersThatBreakTeamsRules(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   any
		want   error
	}{
		{"HTTP 500", 500, nil, teamstest.ErrBotStatus},
		{"HTTP 202", 202, nil, teamstest.ErrBotStatus},
		{"empty body", 200, nil, teamstest.ErrBadInvokeResponse},
		{"not JSON", 200, "<html>", teamstest.ErrBadInvokeResponse},
		{"card type without a card", 200, `{"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":"nope"}`, teamstest.ErrBadInvokeResponse},
		{"unknown type", 200, `{"statusCode":200,"type":"text/plain","value":"hi"}`, teamstest.ErrBadInvokeResponse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, bot, ana, id := setup(t)
			bot.answer(func(*http.Request, *schema.Activity) (int, any) { return tc.status, tc.body })
			res, err := ana.Press(id, "Save", map[string]string{"about": "x"})
			if !errors.Is(err, tc.want) || !errors.Is(res.Err, tc.want) {
				t.Fatalf("err %v, Result.Err %v, want %v", err, res.Err, tc.want)
			}
		})
	}
	t.Run("old card type and missing statusCode are accepted", func(t *testing.T) {
		_, bot, ana, id := setup(t)
		bot.answer(func(*http.Request, *schema.Activity) (int, any) {
			return 200, `{"type":"application/vnd.microsoft.adaptive.card","value":{"type":"AdaptiveCard","version":"1.5","body":[]}}`
		})
		res, err := ana.Press(id, "Save", map[string]string{"about": "x"})
		if err != nil || res.Invoke.StatusCode != 200 || res.Card == nil {
			t.Fatalf("%v %+v", err, res.Invoke)
		}
	})
}

func TestSlowBotFailsLoudly(t *testing.T) {
	// The install that sets up the chat may itself take longer than the
	// short deadlines on a busy machine; only the slow answers below count.
	s := newServer(t, teamstest.WithBotDeadlines(20*time.Millisecond, 20*time.Millisecond))
	bot := newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil && !errors.Is(err, teamstest.ErrBotTooSlow) {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	id := c.send(c.create(ana), schema.Activity{Type: "message", Attachments: []schema.Attachment{{ContentType: schema.ContentTypeAdaptiveCard, Content: json.RawMessage(profileCard)}}})
	bot.answer(func(r *http.Request, _ *schema.Activity) (int, any) {
		<-r.Context().Done() // answers only once Teams has given up
		return 200, nil
	})
	if _, err := ana.Press(id, "Save", map[string]string{"about": "x"}); !errors.Is(err, teamstest.ErrBotTooSlow) {
		t.Fatalf("slow invoke: %v", err)
	}
	if _, err := ana.Say("hello"); !errors.Is(err, teamstest.ErrBotTooSlow) {
		t.Fatalf("slow message: %v", err)
	}
}

func TestChannelMentionsAndPerUserCards(t *testing.T) {
	s := newServer(t)
	bot := newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	ben := s.AddUser("Ben Okafor", "ben.okafor@nhs.net")
	team := s.AddTeam("Riverside PCN", ana, ben)
	if _, err := team.Install(""); err != nil {
		t.Fatal(err)
	}
	before := len(bot.activities())
	if _, err := ana.SayInChannel(team, "meetups here", false); !errors.Is(err, teamstest.ErrNotDelivered) || len(bot.activities()) != before {
		t.Fatalf("unmentioned post: %v", err)
	}
	if _, err := ana.SayInChannel(team, "meetups here", true); err != nil {
		t.Fatal(err)
	}
	got := lastActivity(t, bot)
	var mention schema.Mention
	_ = json.Unmarshal(got.Entities[0], &mention)
	if got.Text != "<at>rapport</at> meetups here" || mention.Type != "mention" || mention.Mentioned.ID != s.BotID() || mention.Text != "<at>rapport</at>" ||
		got.Conversation.ConversationType != "channel" || !strings.HasPrefix(got.Conversation.ID, team.ID+";messageid=") ||
		got.ChannelData.Team.ID != team.ID || got.ChannelData.Channel.ID != team.ID {
		t.Fatalf("channel message %+v", got)
	}

	c := newConnector(t, s)
	card := `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"Walk on Friday: 0 going"}],
	 "actions":[{"type":"Action.Execute","title":"Going","verb":"rsvp.yes"}]}`
	post := c.send(team.ID, schema.Activity{Type: "message", Attachments: []schema.Attachment{{ContentType: schema.ContentTypeAdaptiveCard, Content: json.RawMessage(card)}}})
	bot.answer(func(_ *http.Request, a *schema.Activity) (int, any) {
		return 200, schema.AdaptiveCardInvokeResponse{StatusCode: 200, Type: schema.ContentTypeAdaptiveCard, Value: map[string]any{
			"type": "AdaptiveCard", "version": "1.5", "body": []any{map[string]any{"type": "TextBlock", "text": "Walk on Friday: 1 going (you)"}}}}
	})
	if _, err := ana.Press(post, "Going", nil); err != nil {
		t.Fatal(err)
	}
	inv := lastActivity(t, bot)
	if inv.Conversation.ID != team.ID+";messageid="+post || inv.ReplyToID != post {
		t.Fatalf("invoke from a channel post: conversation %q replyTo %q", inv.Conversation.ID, inv.ReplyToID)
	}
	general := team.General()
	if got := general.MessagesFor(ana)[0].CardText(); !strings.Contains(got, "(you)") {
		t.Fatalf("Ana sees %q", got)
	}
	if got := general.MessagesFor(ben)[0].CardText(); got != "Walk on Friday: 0 going\n[Going]" {
		t.Fatalf("Ben sees %q", got)
	}
	// A reply in the post's thread.
	if status, _, body := c.do("POST", conv(team.ID)+"/activities/"+post, schema.Activity{Type: "message", Text: "See you there"}); status != 200 {
		t.Fatalf("thread reply: HTTP %d %s", status, body)
	}
	msgs := general.Messages()
	if len(msgs) != 2 || msgs[1].Thread != post || msgs[1].Conversation != team.ID+";messageid="+post {
		t.Fatalf("channel messages %+v", msgs)
	}
}

func TestDialog(t *testing.T) {
	s := newServer(t)
	bot := newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	card := `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"Welcome"}],
	 "actions":[{"type":"Action.Submit","title":"Set up my profile","data":{"msteams":{"type":"task/fetch"},"form":"profile"}}]}`
	id := c.send(c.create(ana), schema.Activity{Type: "message", Attachments: []schema.Attachment{{ContentType: schema.ContentTypeAdaptiveCard, Content: json.RawMessage(card)}}})
	form := map[string]any{"type": "AdaptiveCard", "version": "1.5", "body": []any{
		map[string]any{"type": "Input.Text", "id": "role", "label": "Role", "isRequired": true}},
		"actions": []any{map[string]any{"type": "Action.Submit", "title": "Save", "data": map[string]any{"form": "profile"}}}}
	bot.answer(func(_ *http.Request, a *schema.Activity) (int, any) {
		switch a.Name {
		case "task/fetch":
			return 200, schema.TaskModuleResponse{Task: &schema.TaskModuleTask{Type: "continue", Value: schema.TaskModuleTaskInfo{
				Title: "Your profile", Card: &schema.Attachment{ContentType: schema.ContentTypeAdaptiveCard, Content: mustJSON(form)}}}}
		case "task/submit":
			return 200, nil
		}
		return 200, nil
	})
	res, err := ana.Press(id, "Set up my profile", nil)
	if err != nil {
		t.Fatal(err)
	}
	fetch := lastActivity(t, bot)
	var fv schema.TaskModuleRequest
	_ = json.Unmarshal(fetch.Value, &fv)
	if fetch.Name != "task/fetch" || !strings.Contains(string(fv.Data), `"form":"profile"`) || fv.Context == nil {
		t.Fatalf("task/fetch %+v", fetch)
	}
	if res.Dialog == nil || res.Dialog.Title != "Your profile" || res.Dialog.CardText() != "Role: \n[Save]" {
		t.Fatalf("dialog %+v", res.Dialog)
	}
	if _, err := res.Dialog.Submit("Save", nil); err == nil {
		t.Fatal("submitted a dialog with a required input empty")
	}
	done, err := res.Dialog.Submit("Save", map[string]string{"role": "Pharmacist"})
	if err != nil || !done.DialogClosed {
		t.Fatalf("submit: %v %+v", err, done)
	}
	submit := lastActivity(t, bot)
	var sv schema.TaskModuleRequest
	_ = json.Unmarshal(submit.Value, &sv)
	if submit.Name != "task/submit" || !strings.Contains(string(sv.Data), `"role":"Pharmacist"`) {
		t.Fatalf("task/submit %+v", submit)
	}
}

func mustJSON(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return raw
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRedeliverKeepsTheActivityID(t *testing.T) {
	s, bot, ana, _ := setup(t)
	res, err := ana.Say("introduce-me")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Redeliver(res); err != nil {
		t.Fatal(err)
	}
	got := bot.activities()
	a, b := got[len(got)-2], got[len(got)-1]
	if a.ID == "" || a.ID != b.ID || a.Text != b.Text {
		t.Fatalf("redelivered %q as %q", a.ID, b.ID)
	}
}

func TestMessageBackAndImBack(t *testing.T) {
	s := newServer(t)
	bot := newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	card := `{"type":"AdaptiveCard","version":"1.5","body":[],"actions":[
	 {"type":"Action.Submit","title":"Pause","data":{"msteams":{"type":"messageBack","text":"pause","displayText":"Pause my intros"},"cmd":"pause"}},
	 {"type":"Action.Submit","title":"Help","data":{"msteams":{"type":"imBack","value":"help"}}}]}`
	id := c.send(c.create(ana), schema.Activity{Type: "message", Attachments: []schema.Attachment{{ContentType: schema.ContentTypeAdaptiveCard, Content: json.RawMessage(card)}}})
	if _, err := ana.Press(id, "Pause", nil); err != nil {
		t.Fatal(err)
	}
	if got := lastActivity(t, bot); got.Type != "message" || got.Text != "pause" || !strings.Contains(string(got.Value), `"cmd":"pause"`) {
		t.Fatalf("messageBack sent %+v", got)
	}
	if _, err := ana.Press(id, "Help", nil); err != nil {
		t.Fatal(err)
	}
	if got := lastActivity(t, bot); got.Type != "message" || got.Text != "help" || got.Value != nil {
		t.Fatalf("imBack sent %+v", got)
	}
}
