package teams

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

const (
	testAppID      = "11111111-2222-3333-4444-555555555555"
	testTenant     = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	testServiceURL = "https://smba.trafficmanager.net/teams/"
)

// Generating RSA keys is slow: the tests share a few.
var (
	keysOnce sync.Once
	testKeys []*rsa.PrivateKey
)

func rsaKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		for range 3 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			testKeys = append(testKeys, k)
		}
	})
	return testKeys[i]
}

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// botFramework stands in for the Bot Framework's OpenID metadata and keys,
// and counts how often each is read.
type botFramework struct {
	srv *httptest.Server

	mu        sync.Mutex
	keys      []json.RawMessage
	metaHits  int
	keyHits   int
	metaFails bool
}

func newBotFramework(t *testing.T) *botFramework {
	bf := &botFramework{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/.well-known/openidconfiguration", func(w http.ResponseWriter, r *http.Request) {
		bf.mu.Lock()
		bf.metaHits++
		fail := bf.metaFails
		bf.mu.Unlock()
		if fail {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                ChannelIssuer,
			"jwks_uri":                              bf.srv.URL + "/v1/.well-known/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /v1/.well-known/keys", func(w http.ResponseWriter, r *http.Request) {
		bf.mu.Lock()
		defer bf.mu.Unlock()
		bf.keyHits++
		json.NewEncoder(w).Encode(map[string]any{"keys": bf.keys})
	})
	bf.srv = httptest.NewServer(mux)
	t.Cleanup(bf.srv.Close)
	return bf
}

// publish adds a public key with its endorsements to the key set.
func (bf *botFramework) publish(t testing.TB, k *rsa.PrivateKey, kid string, endorsements ...string) {
	t.Helper()
	jk, err := jwk.Import(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := jk.Set(jwk.KeyIDKey, kid); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(jk)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	m["use"] = "sig"
	if endorsements != nil {
		m["endorsements"] = endorsements
	}
	data, _ = json.Marshal(m)
	bf.publishRaw(data)
}

func (bf *botFramework) publishRaw(data json.RawMessage) {
	bf.mu.Lock()
	defer bf.mu.Unlock()
	bf.keys = append(bf.keys, data)
}

func (bf *botFramework) hits() (meta, keys int) {
	bf.mu.Lock()
	defer bf.mu.Unlock()
	return bf.metaHits, bf.keyHits
}

func (bf *botFramework) verifier(c *clock) *Verifier {
	return NewVerifier(VerifierOptions{
		MetadataURL: bf.srv.URL + "/v1/.well-known/openidconfiguration",
		AppID:       testAppID,
		TenantID:    testTenant,
		HTTPClient:  bf.srv.Client(),
		Now:         c.Now,
	})
}

// claims are a channel token's claims as the Bot Framework issues them.
func claims(now time.Time) map[string]any {
	return map[string]any{
		"iss":        ChannelIssuer,
		"aud":        testAppID,
		"exp":        now.Add(time.Hour).Unix(),
		"nbf":        now.Add(-time.Minute).Unix(),
		"iat":        now.Add(-time.Minute).Unix(),
		"serviceurl": testServiceURL,
	}
}

func sign(t testing.TB, k *rsa.PrivateKey, kid string, alg jwa.SignatureAlgorithm, c map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	hdr := jws.NewHeaders()
	if kid != "" {
		hdr.Set(jws.KeyIDKey, kid)
	}
	hdr.Set(jws.TypeKey, "JWT")
	out, err := jws.Sign(payload, jws.WithKey(alg, k, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// handMade builds a token with any header and an HMAC-SHA256 signature
// made with secret (none when secret is nil).
func handMade(header string, c map[string]any, secret []byte) string {
	b64 := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(c)
	input := b64([]byte(header)) + "." + b64(payload)
	if secret == nil {
		return input + "."
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + b64(mac.Sum(nil))
}

func activity() *schema.Activity {
	return &schema.Activity{
		Type:         schema.TypeMessage,
		ID:           "1",
		ServiceURL:   testServiceURL,
		ChannelID:    schema.ChannelTeams,
		From:         &schema.ChannelAccount{ID: "29:user"},
		Conversation: &schema.ConversationAccount{ID: "a:conv", ConversationType: schema.ConversationPersonal, TenantID: testTenant},
		ChannelData:  &schema.ChannelData{Tenant: &schema.TenantInfo{ID: testTenant}},
		Text:         "help",
	}
}

// Every refusal rule, each with the bad token or activity, answered with
// the right status; and the good variants accepted.
func TestVerifyRefusesWhatTheBotFrameworkDidNotVouchFor(t *testing.T) {
	bf := newBotFramework(t)
	good, other, unendorsed := rsaKey(t, 0), rsaKey(t, 1), rsaKey(t, 2)
	bf.publish(t, good, "good", "msteams", "webchat-not")
	bf.publish(t, unendorsed, "unendorsed", "webchat")
	bf.publish(t, other, "noendorsements")
	// Keys the set may hold that must be ignored, not break the others.
	bf.publishRaw(json.RawMessage(`{"kty":"EC","kid":"ec","crv":"P-256","x":"AAAA","y":"AAAA"}`))
	bf.publishRaw(json.RawMessage(`{"kty":"RSA","kid":"noN","e":"AQAB","endorsements":["msteams"]}`))
	c := newClock()
	v := bf.verifier(c)
	now := c.Now()

	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&good.PublicKey))})
	pubDER := must(x509.MarshalPKIXPublicKey(&good.PublicKey))

	with := func(f func(map[string]any)) map[string]any {
		m := claims(now)
		f(m)
		return m
	}
	bearer := func(tok string) string { return "Bearer " + tok }
	valid := sign(t, good, "good", jwa.RS256(), claims(now))

	cases := []struct {
		name   string
		auth   string
		act    func(*schema.Activity)
		status int // 0: accepted
	}{
		{name: "valid RS256", auth: bearer(valid)},
		{name: "valid RS384", auth: bearer(sign(t, good, "good", jwa.RS384(), claims(now)))},
		{name: "valid RS512", auth: bearer(sign(t, good, "good", jwa.RS512(), claims(now)))},
		{name: "no header", auth: "", status: 401},
		{name: "Basic scheme", auth: "Basic " + valid, status: 401},
		{name: "lower-case scheme", auth: "bearer " + valid, status: 401},
		{name: "token alone", auth: valid, status: 401},
		{name: "empty token", auth: "Bearer ", status: 401},
		{name: "not a JWT", auth: "Bearer abc.def", status: 401},
		{name: "JSON serialization", auth: `Bearer {"payload":"a.b","signatures":[{"protected":"c","signature":"d"}]}`, status: 401},
		{name: "alg none", auth: bearer(handMade(`{"alg":"none","kid":"good","typ":"JWT"}`, claims(now), nil)), status: 401},
		{name: "HS256 with the public key (PEM) as secret", auth: bearer(handMade(`{"alg":"HS256","kid":"good","typ":"JWT"}`, claims(now), pubPEM)), status: 401},
		{name: "HS256 with the public key (DER) as secret", auth: bearer(handMade(`{"alg":"HS256","kid":"good","typ":"JWT"}`, claims(now), pubDER)), status: 401},
		{name: "RS256 header over an HMAC signature", auth: bearer(handMade(`{"alg":"RS256","kid":"good","typ":"JWT"}`, claims(now), pubPEM)), status: 401},
		{name: "PS256", auth: bearer(sign(t, good, "good", jwa.PS256(), claims(now))), status: 401},
		{name: "signed by another key under a known key ID", auth: bearer(sign(t, other, "good", jwa.RS256(), claims(now))), status: 401},
		{name: "no key ID", auth: bearer(sign(t, good, "", jwa.RS256(), claims(now))), status: 401},
		{name: "unknown key ID", auth: bearer(sign(t, good, "nosuchkey", jwa.RS256(), claims(now))), status: 401},
		{name: "key without modulus", auth: bearer(sign(t, good, "noN", jwa.RS256(), claims(now))), status: 401},
		{name: "emulator issuer (v1)", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) {
			m["iss"] = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
		}))), status: 401},
		{name: "emulator issuer (v2)", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) {
			m["iss"] = "https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0"
		}))), status: 401},
		{name: "issuer with a trailing slash", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { m["iss"] = ChannelIssuer + "/" }))), status: 401},
		{name: "no issuer", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { delete(m, "iss") }))), status: 401},
		{name: "another bot's audience", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { m["aud"] = "99999999-2222-3333-4444-555555555555" }))), status: 401},
		{name: "no audience", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { delete(m, "aud") }))), status: 401},
		{name: "expired 6 minutes ago", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { m["exp"] = now.Add(-6 * time.Minute).Unix() }))), status: 401},
		{name: "expired 4 minutes ago (within skew)", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { m["exp"] = now.Add(-4 * time.Minute).Unix() })))},
		{name: "no expiry", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { delete(m, "exp") }))), status: 401},
		{name: "not valid for 10 minutes", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { m["nbf"] = now.Add(10 * time.Minute).Unix() }))), status: 401},
		{name: "valid in 4 minutes (within skew)", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { m["nbf"] = now.Add(4 * time.Minute).Unix() })))},
		{name: "key endorsed for another channel", auth: bearer(sign(t, unendorsed, "unendorsed", jwa.RS256(), claims(now))), status: 403},
		{name: "key without endorsements", auth: bearer(sign(t, other, "noendorsements", jwa.RS256(), claims(now))), status: 403},
		{name: "activity from a channel the key is not endorsed for", auth: bearer(valid), act: func(a *schema.Activity) { a.ChannelID = "webchat" }, status: 403},
		{name: "activity without a channel", auth: bearer(valid), act: func(a *schema.Activity) { a.ChannelID = "" }, status: 403},
		{name: "serviceurl claim differs", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { m["serviceurl"] = "https://evil.example/teams/" }))), status: 401},
		{name: "activity's serviceUrl differs", auth: bearer(valid), act: func(a *schema.Activity) { a.ServiceURL = "https://evil.example/teams/" }, status: 401},
		{name: "no serviceurl claim", auth: bearer(sign(t, good, "good", jwa.RS256(), with(func(m map[string]any) { delete(m, "serviceurl") }))), status: 401},
		{name: "another tenant", auth: bearer(valid), act: func(a *schema.Activity) { a.ChannelData.Tenant.ID = "ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee" }, status: 403},
		{name: "no tenant", auth: bearer(valid), act: func(a *schema.Activity) { a.ChannelData.Tenant = nil }, status: 403},
		{name: "no channel data", auth: bearer(valid), act: func(a *schema.Activity) { a.ChannelData = nil }, status: 403},
		{name: "conversation in another tenant", auth: bearer(valid), act: func(a *schema.Activity) { a.Conversation.TenantID = "ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee" }, status: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := activity()
			if tc.act != nil {
				tc.act(a)
			}
			err := v.Verify(context.Background(), tc.auth, a)
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v, want a %d", err, tc.status)
			}
			t.Log(ae.Reason)
			if ae.Status != tc.status {
				t.Errorf("status %d (%s), want %d", ae.Status, ae.Reason, tc.status)
			}
			if tok := strings.TrimPrefix(tc.auth, "Bearer "); len(tok) > 20 && strings.Contains(ae.Error(), tok[len(tok)-20:]) {
				t.Errorf("the reason quotes the token: %s", ae.Reason)
			}
		})
	}
}

// A verifier without the app ID or the tenant refuses everything rather
// than accept any audience or tenant.
func TestVerifierWithoutSettingsRefusesAll(t *testing.T) {
	bf := newBotFramework(t)
	bf.publish(t, rsaKey(t, 0), "good", "msteams")
	c := newClock()
	for _, opt := range []VerifierOptions{{AppID: testAppID}, {TenantID: testTenant}} {
		opt.MetadataURL = bf.srv.URL + "/v1/.well-known/openidconfiguration"
		opt.Now = c.Now
		v := NewVerifier(opt)
		err := v.Verify(context.Background(), "Bearer "+sign(t, rsaKey(t, 0), "good", jwa.RS256(), claims(c.Now())), activity())
		var ae *AuthError
		if !errors.As(err, &ae) || ae.Status != 401 {
			t.Errorf("%+v: got %v, want 401", opt, err)
		}
	}
}

// Keys are fetched once and kept; fetched again when a day old; and a
// token naming an unknown key makes them be fetched again at most once in
// five minutes, so a rotated key is picked up and a flood of forged key
// IDs is not a flood of fetches.
func TestVerifierKeyCache(t *testing.T) {
	bf := newBotFramework(t)
	first, second := rsaKey(t, 0), rsaKey(t, 1)
	bf.publish(t, first, "first", "msteams")
	c := newClock()
	v := bf.verifier(c)
	ctx := context.Background()
	verify := func(k *rsa.PrivateKey, kid string) error {
		return v.Verify(ctx, "Bearer "+sign(t, k, kid, jwa.RS256(), claims(c.Now())), activity())
	}
	wantFetches := func(n int) {
		t.Helper()
		if meta, keys := bf.hits(); meta != n || keys != n {
			t.Fatalf("metadata read %d times and keys %d times, want %d", meta, keys, n)
		}
	}

	if err := verify(first, "first"); err != nil {
		t.Fatal(err)
	}
	wantFetches(1)
	c.Add(time.Hour)
	if err := verify(first, "first"); err != nil {
		t.Fatal(err)
	}
	wantFetches(1)

	// An unknown key: one fetch, still unknown, refused.
	c.Add(time.Minute)
	if err := verify(second, "second"); err == nil {
		t.Fatal("a token signed with an unpublished key was accepted")
	}
	wantFetches(2)
	// Within five minutes, no more fetches, however many unknown keys.
	for range 10 {
		c.Add(10 * time.Second)
		if err := verify(second, "second"); err == nil {
			t.Fatal("a token signed with an unpublished key was accepted")
		}
	}
	wantFetches(2)

	// The Bot Framework rotates in a new key; five minutes on it is
	// fetched and accepted.
	bf.publish(t, second, "second", "msteams")
	c.Add(4 * time.Minute)
	if err := verify(second, "second"); err != nil {
		t.Fatalf("the new key is not picked up: %v", err)
	}
	wantFetches(3)

	// A day after the last fetch, the keys are fetched again.
	c.Add(24*time.Hour - time.Second)
	if err := verify(first, "first"); err != nil {
		t.Fatal(err)
	}
	wantFetches(3)
	c.Add(2 * time.Second)
	if err := verify(first, "first"); err != nil {
		t.Fatal(err)
	}
	wantFetches(4)
}

// Twenty requests at once with no keys yet make one fetch.
func TestVerifierFetchesOnceForConcurrentRequests(t *testing.T) {
	bf := newBotFramework(t)
	bf.publish(t, rsaKey(t, 0), "first", "msteams")
	c := newClock()
	v := bf.verifier(c)
	tok := "Bearer " + sign(t, rsaKey(t, 0), "first", jwa.RS256(), claims(c.Now()))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() { errs <- v.Verify(context.Background(), tok, activity()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if meta, _ := bf.hits(); meta != 1 {
		t.Errorf("metadata read %d times, want 1", meta)
	}
}

// When the metadata cannot be read the request is refused with 401 and a
// reason; it is tried again, but not on every request.
func TestVerifierMetadataFailure(t *testing.T) {
	bf := newBotFramework(t)
	bf.publish(t, rsaKey(t, 0), "first", "msteams")
	bf.metaFails = true
	c := newClock()
	v := bf.verifier(c)
	verify := func() error {
		return v.Verify(context.Background(), "Bearer "+sign(t, rsaKey(t, 0), "first", jwa.RS256(), claims(c.Now())), activity())
	}
	var ae *AuthError
	if err := verify(); !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(ae.Reason, "503") {
		t.Fatalf("got %v, want a 401 that says the metadata failed", err)
	}
	if err := verify(); err == nil {
		t.Fatal("accepted without keys")
	}
	if meta, _ := bf.hits(); meta != 1 {
		t.Errorf("metadata read %d times straight after a failure, want 1", meta)
	}
	bf.mu.Lock()
	bf.metaFails = false
	bf.mu.Unlock()
	c.Add(retryFailedFetch)
	if err := verify(); err != nil {
		t.Fatalf("not recovered once the metadata is back: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Keys too short to trust, or published with their private part, are
// not used.
func TestVerifierIgnoresWeakAndPrivateKeys(t *testing.T) {
	bf := newBotFramework(t)
	weak := must(rsa.GenerateKey(rand.Reader, 1024))
	b64 := base64.RawURLEncoding.EncodeToString
	bf.publishRaw(must(json.Marshal(map[string]any{
		"kty": "RSA", "kid": "weak", "use": "sig", "n": b64(weak.N.Bytes()), "e": "AQAB", "endorsements": []string{"msteams"},
	})))
	priv := must(jwk.Import(rsaKey(t, 1)))
	priv.Set(jwk.KeyIDKey, "private")
	data := must(json.Marshal(priv))
	var m map[string]any
	json.Unmarshal(data, &m)
	m["endorsements"] = []string{"msteams"}
	bf.publishRaw(must(json.Marshal(m)))
	bf.publish(t, rsaKey(t, 0), "good", "msteams")
	c := newClock()
	v := bf.verifier(c)
	for kid, k := range map[string]*rsa.PrivateKey{"weak": weak, "private": rsaKey(t, 1)} {
		if err := v.Verify(context.Background(), "Bearer "+sign(t, k, kid, jwa.RS256(), claims(c.Now())), activity()); err == nil {
			t.Errorf("a token signed with the %s key was accepted", kid)
		}
	}
	if err := v.Verify(context.Background(), "Bearer "+sign(t, rsaKey(t, 0), "good", jwa.RS256(), claims(c.Now())), activity()); err != nil {
		t.Error(err)
	}
}
