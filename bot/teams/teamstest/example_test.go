package teamstest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
)

// A bot gets a token, opens a member's personal chat and sends a card;
// the test reads what the member sees.
func Example() {
	s := teamstest.New()
	defer s.Close()
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK) // a real bot verifies the token first
	}))
	defer bot.Close()
	s.SetBot(bot.URL + "/api/messages")

	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		fmt.Println(err)
		return
	}

	resp, _ := http.PostForm(s.TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {s.AppID()},
		"client_secret": {s.AppPassword()}, "scope": {teamstest.Scope},
	})
	var tok schema.TokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()

	card := `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"Welcome to Rapport"}],
	  "actions":[{"type":"Action.Execute","title":"Set up my profile","verb":"profile.open"}]}`
	act, _ := json.Marshal(schema.Activity{Type: "message", Attachments: []schema.Attachment{
		{ContentType: schema.ContentTypeAdaptiveCard, Content: json.RawMessage(card)}}})
	req, _ := http.NewRequest("POST", s.ServiceURL()+"v3/conversations/"+url.PathEscape(ana.ChatID())+"/activities", strings.NewReader(string(act)))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()

	m, _ := ana.LastCard()
	fmt.Println(resp.StatusCode)
	fmt.Println(m.CardText())
	// Output:
	// 200
	// Welcome to Rapport
	// [Set up my profile]
}
