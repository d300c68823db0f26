package teamstest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
)

func TestTokenEndpointRefusesWhatEntraRefuses(t *testing.T) {
	s := newServer(t)
	good := func() url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {s.AppID()}, "client_secret": {s.AppPassword()}, "scope": {teamstest.Scope}}
	}
	with := func(k, v string) url.Values {
		f := good()
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	tests := []struct {
		name   string
		url    string
		form   url.Values
		status int
		error  string
		aadsts string
	}{
		{"wrong secret", s.TokenURL(), with("client_secret", "nope"), 401, "invalid_client", "AADSTS7000215"},
		{"no secret", s.TokenURL(), with("client_secret", ""), 401, "invalid_client", "AADSTS7000216"},
		{"other app", s.TokenURL(), with("client_id", "11111111-1111-4111-8111-111111111111"), 400, "unauthorized_client", "AADSTS700016"},
		{"multi-tenant endpoint for a single-tenant app", s.TokenURLFor("botframework.com"), good(), 400, "unauthorized_client", "AADSTS700016"},
		{"unknown tenant", s.TokenURLFor("22222222-2222-4222-8222-222222222222"), good(), 400, "invalid_request", "AADSTS90002"},
		{"password grant", s.TokenURL(), with("grant_type", "password"), 400, "unsupported_grant_type", "AADSTS70003"},
		{"no grant type", s.TokenURL(), with("grant_type", ""), 400, "invalid_request", "AADSTS900144"},
		{"scope without .default", s.TokenURL(), with("scope", "https://api.botframework.com"), 400, "invalid_scope", "AADSTS1002012"},
		{"Graph scope", s.TokenURL(), with("scope", "https://graph.microsoft.com/.default"), 400, "invalid_resource", "AADSTS500011"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postForm(t, tc.url, tc.form)
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			_ = json.Unmarshal(body, &e)
			if status != tc.status || e.Error != tc.error || !strings.HasPrefix(e.Description, tc.aadsts+":") {
				t.Fatalf("HTTP %d %s, want %d %s %s", status, body, tc.status, tc.error, tc.aadsts)
			}
			if strings.Contains(string(body), "access_token") {
				t.Fatal("a refusal carried a token")
			}
		})
	}
	if s.TokensIssued() != 0 {
		t.Fatalf("%d tokens issued on refusals", s.TokensIssued())
	}

	status, body := postForm(t, s.TokenURL(), good())
	var tr schema.TokenResponse
	_ = json.Unmarshal(body, &tr)
	if status != 200 || tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 || tr.AccessToken == "" {
		t.Fatalf("good request: HTTP %d %s", status, body)
	}
}

func TestConnectorNeedsALiveToken(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := newServer(t, teamstest.WithClock(clock))
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	bot := newBot(t, s)
	bot.clock = clock
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	c := newConnector(t, s)
	path := "v3/conversations/" + url.PathEscape(ana.ChatID()) + "/members"
	if status, _, body := c.do("GET", path, nil); status != 200 {
		t.Fatalf("fresh token: HTTP %d %s", status, body)
	}
	for _, tc := range []struct {
		name  string
		token string
	}{{"no token", ""}, {"made-up token", "eyJhbGciOiJIUzI1NiJ9.e30.x"}} {
		bad := &connector{t: t, s: s, token: tc.token}
		if status, _, body := bad.do("GET", path, nil); status != 401 {
			t.Errorf("%s: HTTP %d %s, want 401", tc.name, status, body)
		}
	}
	advance(time.Hour)
	if status, _, _ := c.do("GET", path, nil); status != 401 {
		t.Errorf("token past expires_in: HTTP %d, want 401", status)
	}
	c.token = c.fetchToken()
	s.ExpireTokens()
	if status, _, _ := c.do("GET", path, nil); status != 401 {
		t.Errorf("after ExpireTokens: HTTP %d, want 401", status)
	}
	c.token = c.fetchToken()
	if status, _, _ := c.do("GET", path, nil); status != 200 {
		t.Errorf("new token after ExpireTokens: HTTP %d, want 200", status)
	}
}

func TestTokenLifetimeOption(t *testing.T) {
	s := newServer(t, teamstest.WithTokenLifetime(10*time.Minute))
	_, body := postForm(t, s.TokenURL(), url.Values{"grant_type": {"client_credentials"}, "client_id": {s.AppID()}, "client_secret": {s.AppPassword()}, "scope": {teamstest.Scope}})
	var tr schema.TokenResponse
	_ = json.Unmarshal(body, &tr)
	if tr.ExpiresIn != 600 {
		t.Fatalf("expires_in %d, want 600", tr.ExpiresIn)
	}
}

func TestMetadataAndKeys(t *testing.T) {
	s := newServer(t)
	resp, err := http.Get(s.MetadataURL())
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if meta["issuer"] != "https://api.botframework.com" || meta["jwks_uri"] != s.JWKSURL() {
		t.Fatalf("metadata %v", meta)
	}
	if algs, _ := meta["id_token_signing_alg_values_supported"].([]any); len(algs) != 1 || algs[0] != "RS256" {
		t.Fatalf("algorithms %v", meta["id_token_signing_alg_values_supported"])
	}
	endorsed := keyEndorsements(t, s)
	if got := endorsed[s.KeyID()]; len(got) != 1 || got[0] != "msteams" {
		t.Fatalf("signing key endorsements %v", got)
	}
	if got := endorsed[s.OtherChannelKeyID()]; len(got) == 0 || got[0] == "msteams" {
		t.Fatalf("other key endorsements %v", got)
	}
	old := s.KeyID()
	kid := s.RotateKeys()
	endorsed = keyEndorsements(t, s)
	if kid == old || endorsed[kid] == nil || endorsed[old] == nil {
		t.Fatalf("after rotation %s (old %s): %v", kid, old, endorsed)
	}
	s.DropKey(old)
	if _, ok := keyEndorsements(t, s)[old]; ok {
		t.Fatal("dropped key still published")
	}
}

func keyEndorsements(t *testing.T, s *teamstest.Server) map[string][]string {
	t.Helper()
	resp, err := http.Get(s.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid          string   `json:"kid"`
			Kty          string   `json:"kty"`
			N            string   `json:"n"`
			E            string   `json:"e"`
			Endorsements []string `json:"endorsements"`
		} `json:"keys"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&set)
	out := map[string][]string{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.N == "" || k.E != "AQAB" {
			t.Errorf("key %s is not a usable RSA key: %+v", k.Kid, k)
		}
		out[k.Kid] = k.Endorsements
	}
	return out
}

func TestActivitiesAreSignedAsTheBotFrameworkSignsThem(t *testing.T) {
	s := newServer(t)
	bot := newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	res, err := ana.InstallPersonal()
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || len(bot.refusals()) != 0 {
		t.Fatalf("status %d, refusals %v", res.Status, bot.refusals())
	}
	got := bot.activities()
	if len(got) != 2 || got[0].Type != schema.TypeConversationUpdate || got[1].Type != schema.TypeInstallationUpdate || got[1].Action != "add" {
		t.Fatalf("install sent %+v", got)
	}
	cu := got[0]
	if cu.ChannelID != "msteams" || cu.ServiceURL != s.ServiceURL() || cu.Conversation.ConversationType != "personal" ||
		cu.ChannelData.Tenant.ID != s.TenantID() || cu.Recipient.ID != s.BotID() {
		t.Fatalf("conversationUpdate %+v", cu)
	}
	if len(cu.MembersAdded) != 2 || cu.MembersAdded[0].ID != s.BotID() || cu.MembersAdded[1].ID != ana.ID || cu.MembersAdded[1].AADObjectID != ana.ObjectID {
		t.Fatalf("membersAdded %+v", cu.MembersAdded)
	}

	// After a key rotation the bot finds the new kid only by fetching again.
	s.RotateKeys()
	if _, err := ana.Say("hello"); err == nil {
		t.Fatal("a bot with stale keys accepted an activity signed by a new key")
	}
	bot.forgetKeys()
	if _, err := ana.Say("hello"); err != nil {
		t.Fatalf("after refetching keys: %v", err)
	}
}

func TestSignTokenForAuthTests(t *testing.T) {
	s := newServer(t)
	newBot(t, s)
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	act := &schema.Activity{Type: "message", ChannelID: "msteams", ServiceURL: s.ServiceURL(), Text: "hi",
		From: &schema.ChannelAccount{ID: ana.ID}, Conversation: &schema.ConversationAccount{ID: ana.ChatID()},
		ChannelData: &schema.ChannelData{Tenant: &schema.TenantInfo{ID: s.TenantID()}}}
	claims := func(change func(map[string]any)) map[string]any {
		c := s.Claims()
		if change != nil {
			change(c)
		}
		return c
	}
	tests := []struct {
		name   string
		claims map[string]any
		opt    teamstest.SignOptions
		status int
	}{
		{"as signed by the Bot Framework", claims(nil), teamstest.SignOptions{}, 200},
		{"key endorsed for another channel", claims(nil), teamstest.SignOptions{Unendorsed: true}, 403},
		{"unpublished key", claims(nil), teamstest.SignOptions{Foreign: true}, 401},
		{"unknown kid", claims(nil), teamstest.SignOptions{KeyID: "nope"}, 401},
		{"no kid", claims(nil), teamstest.SignOptions{OmitKeyID: true}, 401},
		{"alg none", claims(nil), teamstest.SignOptions{Alg: "none"}, 401},
		{"HS256 with the app password", claims(nil), teamstest.SignOptions{Alg: "HS256"}, 401},
		{"other audience", claims(func(c map[string]any) { c["aud"] = "someone-else" }), teamstest.SignOptions{}, 401},
		{"emulator issuer", claims(func(c map[string]any) { c["iss"] = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/" }), teamstest.SignOptions{}, 401},
		{"expired", claims(func(c map[string]any) { c["exp"] = time.Now().Add(-10 * time.Minute).Unix() }), teamstest.SignOptions{}, 401},
		{"other service URL", claims(func(c map[string]any) { c["serviceurl"] = "https://evil.example/" }), teamstest.SignOptions{}, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := s.SignToken(tc.claims, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Post(act, "Bearer "+tok)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("HTTP %d %s, want %d", res.Status, res.Body, tc.status)
			}
		})
	}
}

func TestTokenWithBasicAuth(t *testing.T) {
	s := newServer(t)
	req, _ := http.NewRequest("POST", s.TokenURL(), strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {teamstest.Scope}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.AppID(), "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong secret in the header: HTTP %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", s.TokenURL(), strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {teamstest.Scope}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.AppID(), s.AppPassword())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("secret in the header: HTTP %d", resp.StatusCode)
	}
}

// Forge changes what the driving helpers send, until Forge(nil).
func TestForge(t *testing.T) {
	s := newServer(t)
	bot := newBot(t, s)
	if s.BotEndpoint() != bot.srv.URL+"/api/messages" {
		t.Fatalf("BotEndpoint is %q", s.BotEndpoint())
	}
	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	var forged []string
	s.Forge(func(act *schema.Activity) string {
		forged = append(forged, act.Type)
		act.ChannelData.Tenant = &schema.TenantInfo{ID: "another-tenant"}
		return ""
	})
	res, err := ana.InstallPersonal()
	if err == nil || res.Status != http.StatusUnauthorized || len(forged) != 2 {
		t.Fatalf("a forged install: status %d, err %v, forged %v", res.Status, err, forged)
	}
	if res.Activity.ChannelData.Tenant.ID != "another-tenant" {
		t.Errorf("the result does not show the activity as forged: tenant %q", res.Activity.ChannelData.Tenant.ID)
	}
	s.Forge(nil)
	if res, err := ana.Say("hello"); err != nil || res.Status != http.StatusOK {
		t.Fatalf("after Forge(nil): status %d, err %v", res.Status, err)
	}
}
