package teamstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
)

// testBot is a minimal Teams bot: it verifies each activity's token as
// the Bot Framework requires (keys from the metadata's jwks_uri, issuer,
// audience, lifetime, endorsement, serviceurl), records what it accepted,
// and answers through answer.
type testBot struct {
	t   testing.TB
	s   *teamstest.Server
	srv *httptest.Server

	mu       sync.Mutex
	keys     jwk.Set
	got      []schema.Activity
	refused  []error
	answerFn func(*http.Request, *schema.Activity) (int, any)
	clock    func() time.Time
}

func newBot(t testing.TB, s *teamstest.Server) *testBot {
	t.Helper()
	b := &testBot{t: t, s: s}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	s.SetBot(b.srv.URL + "/api/messages")
	return b
}

// answer sets how the bot answers accepted activities.
func (b *testBot) answer(f func(*http.Request, *schema.Activity) (int, any)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.answerFn = f
}

func (b *testBot) activities() []schema.Activity {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.got)
}

func (b *testBot) refusals() []error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.refused)
}

func (b *testBot) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var act schema.Activity
	if err := json.Unmarshal(body, &act); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if status, err := b.verify(r.Context(), r.Header.Get("Authorization"), &act); err != nil {
		b.mu.Lock()
		b.refused = append(b.refused, err)
		b.mu.Unlock()
		http.Error(w, err.Error(), status)
		return
	}
	b.mu.Lock()
	b.got = append(b.got, act)
	f := b.answerFn
	b.mu.Unlock()
	status, out := http.StatusOK, any(nil)
	if f != nil {
		status, out = f(r, &act)
	}
	if out != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		switch v := out.(type) {
		case string:
			_, _ = io.WriteString(w, v)
		default:
			_ = json.NewEncoder(w).Encode(v)
		}
		return
	}
	w.WriteHeader(status)
}

// keySet fetches the keys through the OpenID metadata, as a bot does.
func (b *testBot) keySet(ctx context.Context) (jwk.Set, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.keys != nil {
		return b.keys, nil
	}
	resp, err := http.Get(b.s.MetadataURL())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var meta struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&meta); err != nil {
		return nil, err
	}
	set, err := jwk.Fetch(ctx, meta.JWKSURI)
	if err != nil {
		return nil, err
	}
	b.keys = set
	return set, nil
}

// forgetKeys makes the bot fetch the keys again.
func (b *testBot) forgetKeys() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.keys = nil
}

var errRefused = errors.New("refused")

func (b *testBot) verify(ctx context.Context, header string, act *schema.Activity) (int, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return http.StatusUnauthorized, fmt.Errorf("%w: no bearer token", errRefused)
	}
	set, err := b.keySet(ctx)
	if err != nil {
		return http.StatusUnauthorized, err
	}
	tok, err := jwt.Parse([]byte(raw), jwt.WithKeySet(set, jws.WithRequireKid(true), jws.WithInferAlgorithmFromKey(true)),
		jwt.WithIssuer(teamstest.Issuer), jwt.WithAudience(b.s.AppID()),
		jwt.WithAcceptableSkew(5*time.Minute), jwt.WithClock(jwt.ClockFunc(b.now)))
	if err != nil {
		return http.StatusUnauthorized, fmt.Errorf("%w: %v", errRefused, err)
	}
	msg, err := jws.Parse([]byte(raw))
	if err != nil {
		return http.StatusUnauthorized, err
	}
	kid, _ := msg.Signatures()[0].ProtectedHeaders().KeyID()
	key, _ := set.LookupKeyID(kid)
	var endorsements []any
	_ = key.Get("endorsements", &endorsements)
	if !slices.Contains(endorsements, any(act.ChannelID)) {
		return http.StatusForbidden, fmt.Errorf("%w: key %s is not endorsed for %q", errRefused, kid, act.ChannelID)
	}
	var su string
	if err := tok.Get("serviceurl", &su); err != nil || su != act.ServiceURL {
		return http.StatusUnauthorized, fmt.Errorf("%w: serviceurl claim %q, activity %q", errRefused, su, act.ServiceURL)
	}
	return 0, nil
}

func (b *testBot) now() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.clock != nil {
		return b.clock()
	}
	return time.Now()
}

// connector is the bot's side of the Connector API.
type connector struct {
	t     testing.TB
	s     *teamstest.Server
	token string
}

func newConnector(t testing.TB, s *teamstest.Server) *connector {
	t.Helper()
	c := &connector{t: t, s: s}
	c.token = c.fetchToken()
	return c
}

func (c *connector) fetchToken() string {
	c.t.Helper()
	status, body := postForm(c.t, c.s.TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {c.s.AppID()},
		"client_secret": {c.s.AppPassword()}, "scope": {teamstest.Scope},
	})
	if status != http.StatusOK {
		c.t.Fatalf("token: HTTP %d %s", status, body)
	}
	var tr schema.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		c.t.Fatalf("token answer %s: %v", body, err)
	}
	return tr.AccessToken
}

// do calls the Connector at path (under the service URL) and returns the
// status, headers and body.
func (c *connector) do(method, path string, in any) (int, http.Header, []byte) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		switch v := in.(type) {
		case []byte:
			body = strings.NewReader(string(v))
		default:
			raw, err := json.Marshal(v)
			if err != nil {
				c.t.Fatal(err)
			}
			body = strings.NewReader(string(raw))
		}
	}
	req, err := http.NewRequest(method, c.s.ServiceURL()+strings.TrimPrefix(path, "/"), body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

// create opens u's personal chat and returns its ID.
func (c *connector) create(u *teamstest.User) string {
	c.t.Helper()
	status, _, body := c.do("POST", "v3/conversations", schema.ConversationParameters{
		Bot:         &schema.ChannelAccount{ID: c.s.BotID()},
		Members:     []schema.ChannelAccount{{ID: u.ID}},
		ChannelData: &schema.ChannelData{Tenant: &schema.TenantInfo{ID: c.s.TenantID()}},
	})
	if status/100 != 2 {
		c.t.Fatalf("create: HTTP %d %s", status, body)
	}
	var r schema.ConversationResourceResponse
	_ = json.Unmarshal(body, &r)
	return r.ID
}

// send posts act to conv and returns the activity ID.
func (c *connector) send(conv string, act schema.Activity) string {
	c.t.Helper()
	status, _, body := c.do("POST", "v3/conversations/"+url.PathEscape(conv)+"/activities", act)
	if status != http.StatusOK {
		c.t.Fatalf("send: HTTP %d %s", status, body)
	}
	var r schema.ResourceResponse
	_ = json.Unmarshal(body, &r)
	return r.ID
}

func postForm(t testing.TB, u string, form url.Values) (int, []byte) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// errorCode reads {"error":{"code"}} from a Connector answer.
func errorCode(body []byte) (code, subCode string) {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			SubCode string `json:"subCode"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Code, e.Error.SubCode
}

// cardAttachment wraps an Adaptive Card for an activity.
func cardAttachment(card map[string]any) []schema.Attachment {
	raw, _ := json.Marshal(card)
	return []schema.Attachment{{ContentType: schema.ContentTypeAdaptiveCard, Content: raw}}
}

func newServer(t testing.TB, opts ...teamstest.Option) *teamstest.Server {
	t.Helper()
	s := teamstest.New(opts...)
	t.Cleanup(s.Close)
	return s
}
