package teams_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// testClock is the adapter's clock, which a test may move on.
type testClock struct{ off atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// replicaOptions shape a replica built by newReplica.
type replicaOptions struct {
	// share is a replica whose stand-in and database this one uses, as a
	// second replica behind a load balancer does.
	share *replica
	// wrap wraps the database the adapter keeps its Teams records in.
	wrap func(teams.Store) teams.Store
	// publicURL gives the adapter its own address, for download links.
	publicURL bool
	// sameClock runs the stand-in on the adapter's clock, so that moving
	// the clock on moves Teams' too.
	sameClock bool
}

// replica is one adapter serving a core on a database, with its own
// messaging endpoint and clock.
type replica struct {
	*rig
	url   string // the messaging endpoint
	base  string // the adapter's own address
	clock *testClock
}

// newReplica builds a rig as newRig does, with the options a security
// test needs. Unless it shares another replica's stand-in, the stand-in
// posts to it.
func newReplica(t *testing.T, target storagetest.Target, o replicaOptions) *replica {
	t.Helper()
	var r *rig
	clock := &testClock{}
	if o.share != nil {
		r = &rig{t: t, s: o.share.s, db: o.share.db}
	} else {
		var opts []teamstest.Option
		if o.sameClock {
			opts = append(opts, teamstest.WithClock(clock.Now))
		}
		s := teamstest.New(opts...)
		t.Cleanup(s.Close)
		db := storagetest.MustOpenDB(t, target)
		db.Now = time.Now
		r = &rig{t: t, s: s, db: db}
	}
	s, db := r.s, r.db
	r.core = bot.NewCore(bot.Network{Store: db, Now: time.Now, IsAdmin: func(bot.User) bool { return false },
		NextRound: func(t time.Time) time.Time { return t.Add(7 * 24 * time.Hour) }})
	var store teams.Store = db
	if o.wrap != nil {
		store = o.wrap(db)
	}
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	publicURL := ""
	if o.publicURL {
		publicURL = base
	}
	tokens := teams.NewTokenSource(teams.TokenOptions{URL: s.TokenURL(), AppID: s.AppID(), Password: s.AppPassword(), TenantID: s.TenantID()})
	pacer := teams.NewPacer(teams.Limits{}, nil)
	r.adapter = teams.New(r.core.Chat, teams.Options{
		AppID: s.AppID(), TenantID: s.TenantID(), Pacer: pacer, Store: store, Downloads: db, PublicURL: publicURL,
		Verifier:          teams.NewVerifier(teams.VerifierOptions{MetadataURL: s.MetadataURL(), AppID: s.AppID(), TenantID: s.TenantID(), Now: clock.Now}),
		Connector:         teams.NewConnector(teams.ConnectorOptions{Tokens: tokens, Pace: pacer, Retries: 2, Wait429: 2 * time.Second}),
		DeliveryConnector: teams.NewConnector(teams.ConnectorOptions{Tokens: tokens, Pace: pacer}),
		Logger:            slog.New(slog.DiscardHandler),
		Now:               clock.Now,
	})
	r.core.Delivery.Platforms = map[string]bot.Deliverer{teams.Platform: r.adapter.Deliverer()}
	r.core.Meetups.Boards = []bot.MeetupBoard{{Platform: teams.Platform, Board: r.adapter.Board()}}
	hs.Config.Handler = r.adapter.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	adapter := r.adapter
	t.Cleanup(func() { adapter.Wait(10 * time.Second) })
	rep := &replica{rig: r, url: base + "/api/messages", base: base, clock: clock}
	if o.share == nil {
		s.SetBot(rep.url)
		if _, err := db.AddOrganisation(context.Background(), "Riverside Surgery", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return rep
}

// settle waits for the work the adapter still does after answering.
func (r *rig) settle() { r.adapter.Wait(10 * time.Second) }

// outbound returns the requests the bot made of Teams after the first
// `since`, leaving out reading the signing keys, which verifying a token
// may need.
func outbound(s *teamstest.Server, since int) []teamstest.Request {
	var out []teamstest.Request
	for _, q := range s.Requests()[since:] {
		if q.Op != "metadata" && q.Op != "keys" {
			out = append(out, q)
		}
	}
	return out
}

// noOutbound fails the test if the bot asked anything of Teams since.
func noOutbound(t *testing.T, s *teamstest.Server, since int) {
	t.Helper()
	for _, q := range outbound(s, since) {
		t.Errorf("the bot made an outbound call: %s %s %s", q.Op, q.Method, q.Path)
	}
}

// profileInputs fill the profile form.
var profileInputs = map[string]string{bot.FieldOrganisation: "Riverside Surgery", bot.FieldSector: "gp_practice",
	bot.FieldCareerStage: "established", bot.FieldRole: "practice_nurse", bot.FieldBio: "Diabetes lead"}

// openForm installs Rapport for u and opens the profile form from the
// welcome; it returns the form.
func openForm(t *testing.T, r *rig, u *teamstest.User) teamstest.Message {
	t.Helper()
	if _, err := u.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	welcome := r.waitCard(u, 1)
	if _, err := u.Press(welcome.ID, "Join Rapport", nil); err != nil {
		t.Fatal(err)
	}
	return r.waitCard(u, 2)
}

// join makes u a member through the profile form.
func join(t *testing.T, r *rig, u *teamstest.User) {
	t.Helper()
	form := openForm(t, r, u)
	if _, err := u.Press(form.ID, "Save", profileInputs); err != nil {
		t.Fatal(err)
	}
	r.waitCard(u, 3)
	r.settle()
}

// signed returns an Authorization header with claims signed as opt says.
func signed(t testing.TB, s *teamstest.Server, claims map[string]any, opt teamstest.SignOptions) string {
	t.Helper()
	tok, err := s.SignToken(claims, opt)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

// claimsWith returns the Bot Framework's claims with changes; a nil
// value removes the claim.
func claimsWith(s *teamstest.Server, change map[string]any) map[string]any {
	c := s.Claims()
	for k, v := range change {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// publicKey returns the signing key's public half as published.
func publicKey(t testing.TB, s *teamstest.Server) *rsa.PublicKey {
	t.Helper()
	res, err := http.Get(s.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set struct {
		Keys []struct{ Kid, N, E string }
	}
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.Kid != s.KeyID() {
			continue
		}
		n, _ := base64.RawURLEncoding.DecodeString(k.N)
		e, _ := base64.RawURLEncoding.DecodeString(k.E)
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	t.Fatal("the signing key is not published")
	return nil
}

// otherTenant is a tenant Rapport does not serve.
const otherTenant = "11111111-2222-4333-8444-555555555555"

// forgery is a request the Bot Framework would never send, and the
// status it must get.
type forgery struct {
	name   string
	status int
	forge  func(t testing.TB, s *teamstest.Server, act *schema.Activity) string
}

func forgeries() []forgery {
	claims := func(change map[string]any) func(t testing.TB, s *teamstest.Server, act *schema.Activity) string {
		return func(t testing.TB, s *teamstest.Server, _ *schema.Activity) string {
			return signed(t, s, claimsWith(s, change), teamstest.SignOptions{})
		}
	}
	opts := func(o teamstest.SignOptions) func(t testing.TB, s *teamstest.Server, act *schema.Activity) string {
		return func(t testing.TB, s *teamstest.Server, _ *schema.Activity) string { return signed(t, s, s.Claims(), o) }
	}
	hmacWith := func(key func(t testing.TB, s *teamstest.Server) []byte) func(t testing.TB, s *teamstest.Server, act *schema.Activity) string {
		return func(t testing.TB, s *teamstest.Server, _ *schema.Activity) string {
			return signed(t, s, s.Claims(), teamstest.SignOptions{Alg: "HS256", HMACKey: key(t, s)})
		}
	}
	now := time.Now()
	emulator := []string{
		"https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
		"https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0",
		"https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/",
		"https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0",
	}
	fs := []forgery{
		{"no Authorization header", 401, func(testing.TB, *teamstest.Server, *schema.Activity) string { return "" }},
		{"Basic credentials", 401, func(_ testing.TB, s *teamstest.Server, _ *schema.Activity) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(s.AppID()+":"+s.AppPassword()))
		}},
		{"a good token under another scheme", 401, func(t testing.TB, s *teamstest.Server, _ *schema.Activity) string {
			return "Token " + strings.TrimPrefix(signed(t, s, s.Claims(), teamstest.SignOptions{}), "Bearer ")
		}},
		{"a good token with no scheme", 401, func(t testing.TB, s *teamstest.Server, _ *schema.Activity) string {
			return strings.TrimPrefix(signed(t, s, s.Claims(), teamstest.SignOptions{}), "Bearer ")
		}},
		{"alg none", 401, opts(teamstest.SignOptions{Alg: "none"})},
		{"HS256 keyed with the app password", 401, opts(teamstest.SignOptions{Alg: "HS256"})},
		{"HS256 keyed with the public key in PEM", 401, hmacWith(func(t testing.TB, s *teamstest.Server) []byte {
			der, err := x509.MarshalPKIXPublicKey(publicKey(t, s))
			if err != nil {
				t.Fatal(err)
			}
			return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		})},
		{"HS256 keyed with the public key in DER", 401, hmacWith(func(t testing.TB, s *teamstest.Server) []byte {
			return x509.MarshalPKCS1PublicKey(publicKey(t, s))
		})},
		{"an unknown key ID", 401, opts(teamstest.SignOptions{KeyID: "not-a-published-key"})},
		{"a key nobody publishes", 401, opts(teamstest.SignOptions{Foreign: true})},
		{"another key under the signing key's ID", 401, func(t testing.TB, s *teamstest.Server, _ *schema.Activity) string {
			return signed(t, s, s.Claims(), teamstest.SignOptions{Foreign: true, KeyID: s.KeyID()})
		}},
		{"no key ID", 401, opts(teamstest.SignOptions{OmitKeyID: true})},
		{"another issuer", 401, claims(map[string]any{"iss": "https://api.botframework.com.example.net"})},
		{"no issuer", 401, claims(map[string]any{"iss": nil})},
		{"another audience", 401, claims(map[string]any{"aud": "99999999-0000-4000-8000-000000000000"})},
		{"the Bot Framework as audience", 401, claims(map[string]any{"aud": teamstest.Issuer})},
		{"no audience", 401, claims(map[string]any{"aud": nil})},
		{"expired beyond the clock skew", 401, claims(map[string]any{"exp": now.Add(-6 * time.Minute).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix()})},
		{"not valid until beyond the clock skew", 401, claims(map[string]any{"nbf": now.Add(6 * time.Minute).Unix()})},
		{"no expiry", 401, claims(map[string]any{"exp": nil})},
		{"a key not endorsed for msteams", 403, opts(teamstest.SignOptions{Unendorsed: true})},
		{"another channel with its own key", 403, func(t testing.TB, s *teamstest.Server, act *schema.Activity) string {
			act.ChannelID = "webchat"
			return signed(t, s, s.Claims(), teamstest.SignOptions{Unendorsed: true})
		}},
		{"a serviceurl claim that is not the activity's", 401, claims(map[string]any{"serviceurl": "https://attacker.example/teams/"})},
		{"an activity serviceUrl that is not the claim's", 401, func(t testing.TB, s *teamstest.Server, act *schema.Activity) string {
			act.ServiceURL = "https://attacker.example/teams/"
			return signed(t, s, s.Claims(), teamstest.SignOptions{})
		}},
		{"no serviceurl claim", 401, claims(map[string]any{"serviceurl": nil})},
		{"another tenant", 403, func(t testing.TB, s *teamstest.Server, act *schema.Activity) string {
			act.ChannelData.Tenant = &schema.TenantInfo{ID: otherTenant}
			if act.Conversation != nil {
				act.Conversation.TenantID = otherTenant
			}
			return signed(t, s, s.Claims(), teamstest.SignOptions{})
		}},
		{"a conversation in another tenant", 403, func(t testing.TB, s *teamstest.Server, act *schema.Activity) string {
			act.Conversation.TenantID = otherTenant
			return signed(t, s, s.Claims(), teamstest.SignOptions{})
		}},
		{"no tenant", 403, func(t testing.TB, s *teamstest.Server, act *schema.Activity) string {
			act.ChannelData.Tenant = nil
			return signed(t, s, s.Claims(), teamstest.SignOptions{})
		}},
	}
	for _, iss := range emulator {
		fs = append(fs, forgery{"the emulator's issuer " + iss, 401, claims(map[string]any{"iss": iss})})
	}
	return fs
}

// unforge puts back what a forgery changed in an activity.
func unforge(s *teamstest.Server, act *schema.Activity) {
	act.ServiceURL = s.ServiceURL()
	act.ChannelID = schema.ChannelTeams
	act.ChannelData.Tenant = &schema.TenantInfo{ID: s.TenantID()}
	if act.Conversation != nil {
		act.Conversation.TenantID = s.TenantID()
	}
}

// Every request the Bot Framework would not send is refused with 401 or
// 403 before anything happens: a stranger's install stores no account
// and is not welcomed, a member-to-be's Save stores no member, and the
// bot calls nobody. The same activities, sent as the Bot Framework
// sends them, then work: the refusal did not record them as handled.
func TestForgedRequestsAreRefused(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newReplica(t, target, replicaOptions{})
			ctx := context.Background()
			for i, f := range forgeries() {
				t.Run(f.name, func(t *testing.T) {
					s := r.s
					u := s.AddUser(fmt.Sprintf("Stranger %d", i), fmt.Sprintf("stranger%d@nhs.net", i))

					// A stranger installs Rapport.
					before := len(s.Requests())
					s.Forge(func(act *schema.Activity) string { return f.forge(t, s, act) })
					res, _ := u.InstallPersonal()
					s.Forge(nil)
					for _, got := range append([]*teamstest.Result{res}, res.Also...) {
						if got.Status != f.status {
							t.Errorf("%s answered %d, want %d", got.Activity.Type, got.Status, f.status)
						}
					}
					r.settle()
					noOutbound(t, s, before)
					if _, err := r.db.FindAccount(ctx, teams.Platform, u.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
						t.Errorf("an account was stored (err %v)", err)
					}
					if n := len(u.Messages()); n != 0 {
						t.Errorf("the stranger got %d messages", n)
					}
					// Sent as the Bot Framework sends it, the same install is
					// welcomed.
					for _, got := range append([]*teamstest.Result{res}, res.Also...) {
						unforge(s, got.Activity)
						if _, err := s.Redeliver(got); err != nil {
							t.Fatal(err)
						}
					}
					welcome := r.waitCard(u, 1)
					if _, err := r.db.FindAccount(ctx, teams.Platform, u.ID); err != nil {
						t.Fatalf("the real install stored no account: %v", err)
					}

					// The profile form's Save.
					if _, err := u.Press(welcome.ID, "Join Rapport", nil); err != nil {
						t.Fatal(err)
					}
					form := r.waitCard(u, 2)
					r.settle()
					before = len(s.Requests())
					s.Forge(func(act *schema.Activity) string { return f.forge(t, s, act) })
					res, _ = u.Press(form.ID, "Save", profileInputs)
					s.Forge(nil)
					if res == nil || res.Status != f.status {
						t.Fatalf("Save answered %d, want %d", statusOf(res), f.status)
					}
					r.settle()
					noOutbound(t, s, before)
					if _, err := r.db.FindMember(ctx, teams.Platform, u.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
						t.Errorf("a member was stored (err %v)", err)
					}
					unforge(s, res.Activity)
					if _, err := s.Redeliver(res); err != nil {
						t.Fatal(err)
					}
					r.settle()
					if _, err := r.db.FindMember(ctx, teams.Platform, u.ID); err != nil {
						t.Errorf("the real Save stored no member: %v", err)
					}
				})
			}
		})
	}
}

// The Bot Framework rolls its keys: the bot fetches them again for a key
// ID it does not know, but not for every such request (a flood of forged
// key IDs is not a flood of fetches), so a new key is trusted once the
// wait between fetches is over.
func TestRolledKeys(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newReplica(t, target, replicaOptions{})
			s := r.s
			u := s.AddUser("Gil Ford", "gil.ford@nhs.net")
			if _, err := u.InstallPersonal(); err != nil {
				t.Fatal(err)
			}
			r.waitCard(u, 1)
			r.settle()
			fetches := s.Count("keys")
			for range 10 {
				s.Forge(func(act *schema.Activity) string {
					return signed(t, s, s.Claims(), teamstest.SignOptions{KeyID: "forged-key-id"})
				})
				if res, _ := u.Say("help"); res.Status != http.StatusUnauthorized {
					t.Fatalf("an unknown key ID answered %d", res.Status)
				}
			}
			s.Forge(nil)
			if n := s.Count("keys") - fetches; n > 1 {
				t.Errorf("ten unknown key IDs fetched the keys %d times", n)
			}

			s.RotateKeys()
			r.clock.Advance(6 * time.Minute)
			if _, err := u.Say("help"); err != nil {
				t.Fatalf("an activity signed with the new key: %v", err)
			}
			r.waitCard(u, 2)
		})
	}
}

// post sends body to the bot's endpoint as it is, with a good token.
func post(t *testing.T, s *teamstest.Server, method string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.BotEndpoint(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", signed(t, s, s.Claims(), teamstest.SignOptions{}))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// A body over 256 KB gets 413, malformed JSON 400, an activity type the
// bot does not act on 200, and anything but POST 405; none of them
// stores anything or calls Teams.
func TestRequestsThatAreNotActivities(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newReplica(t, target, replicaOptions{})
			s, ctx := r.s, context.Background()
			u := s.AddUser("Sam Hill", "sam.hill@nhs.net")
			from := u.Account()
			conv := &schema.ConversationAccount{ID: "a:1sam", ConversationType: schema.ConversationPersonal}
			before := len(s.Requests())

			big := &schema.Activity{Type: schema.TypeMessage, From: &from, Conversation: conv, Text: strings.Repeat("introduce-me ", 300<<10/13)}
			if res, _ := s.Deliver(big); res.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("a %d KB activity answered %d, want 413", len(big.Text)>>10, res.Status)
			}
			for _, body := range []string{`{"type":"message",`, `not json`, `[]`, `{"type":5}`, `{}`, ``} {
				if res := post(t, s, http.MethodPost, []byte(body)); res.StatusCode != http.StatusBadRequest {
					t.Errorf("%q answered %d, want 400", body, res.StatusCode)
				}
			}
			for _, typ := range []string{schema.TypeMessageReaction, "typing", "somethingTeamsAddsNext"} {
				res, err := s.Deliver(&schema.Activity{Type: typ, From: &from, Conversation: conv, Text: "help"})
				if err != nil || res.Status != http.StatusOK || len(res.Body) != 0 {
					t.Errorf("%s answered %d %q (%v), want an empty 200", typ, res.Status, res.Body, err)
				}
			}
			for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
				res := post(t, s, m, nil)
				if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != http.MethodPost {
					t.Errorf("%s answered %d Allow %q, want 405 Allow POST", m, res.StatusCode, res.Header.Get("Allow"))
				}
			}
			r.settle()
			noOutbound(t, s, before)
			if _, err := r.db.FindAccount(ctx, teams.Platform, u.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("an account was stored (err %v)", err)
			}
		})
	}
}

// Teams redelivers an activity it thinks the bot missed: a redelivered
// message is not answered twice, a redelivered Save does not save twice,
// and a redelivered invoke gets the first answer again.
func TestRedeliveredActivitiesActOnce(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newReplica(t, target, replicaOptions{})
			u := r.s.AddUser("Ada Obi", "ada.obi@nhs.net")
			form := openForm(t, r.rig, u)
			res, err := u.Press(form.ID, "Save", profileInputs)
			if err != nil {
				t.Fatal(err)
			}
			r.waitCard(u, 3)
			r.settle()
			again, err := r.s.Redeliver(res)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Body, res.Body) {
				t.Errorf("the redelivered Save was answered\n%s\nnot, as first,\n%s", again.Body, res.Body)
			}
			r.settle()
			if n := len(u.Messages()); n != 3 {
				t.Errorf("after a redelivered Save the chat has %d messages, want 3", n)
			}

			res, err = u.Say("help")
			if err != nil {
				t.Fatal(err)
			}
			r.waitCard(u, 4)
			r.settle()
			sends := r.s.Count("send")
			if _, err := r.s.Redeliver(res); err != nil {
				t.Fatal(err)
			}
			r.settle()
			if n := r.s.Count("send") - sends; n != 0 {
				t.Errorf("a redelivered message was answered again (%d sends)", n)
			}
		})
	}
}

// Two people's messages that carry the same activity ID (Teams' message
// IDs are unique only within a conversation) are both answered.
func TestSameActivityIDInTwoChats(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newReplica(t, target, replicaOptions{})
			a, b := r.s.AddUser("Ann Lee", "ann.lee@nhs.net"), r.s.AddUser("Ben Roy", "ben.roy@nhs.net")
			for _, u := range []*teamstest.User{a, b} {
				if _, err := u.InstallPersonal(); err != nil {
					t.Fatal(err)
				}
				r.waitCard(u, 1)
			}
			for _, u := range []*teamstest.User{a, b} {
				from := u.Account()
				act := &schema.Activity{Type: schema.TypeMessage, ID: "1764000099999", From: &from, Text: "help",
					Conversation: &schema.ConversationAccount{ID: u.ChatID(), ConversationType: schema.ConversationPersonal}}
				if _, err := r.s.Deliver(act); err != nil {
					t.Fatal(err)
				}
			}
			r.waitCard(a, 2)
			r.waitCard(b, 2)
		})
	}
}

// Two replicas on one database: an activity that reaches both, one after
// the other or at once, is handled once.
func TestTwoReplicasHandleAnActivityOnce(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			one := newReplica(t, target, replicaOptions{})
			two := newReplica(t, target, replicaOptions{share: one})
			s := one.s
			u := s.AddUser("Cara Diaz", "cara.diaz@nhs.net")
			if _, err := u.InstallPersonal(); err != nil {
				t.Fatal(err)
			}
			welcome := one.waitCard(u, 1)

			// A message redelivered to the other replica.
			res, err := u.Say("help")
			if err != nil {
				t.Fatal(err)
			}
			one.waitCard(u, 2)
			one.settle()
			sends := s.Count("send")
			s.SetBot(two.url)
			if _, err := s.Redeliver(res); err != nil {
				t.Fatal(err)
			}
			two.settle()
			if n := s.Count("send") - sends; n != 0 {
				t.Errorf("the other replica answered the message again (%d sends)", n)
			}

			// An invoke redelivered to the other replica gets a well-formed
			// answer and does not open the form twice.
			s.SetBot(one.url)
			press, err := u.Press(welcome.ID, "Join Rapport", nil)
			if err != nil {
				t.Fatal(err)
			}
			one.waitCard(u, 3)
			one.settle()
			s.SetBot(two.url)
			again, err := s.Redeliver(press)
			if err != nil {
				t.Fatal(err)
			}
			var inv schema.AdaptiveCardInvokeResponse
			if err := json.Unmarshal(again.Body, &inv); err != nil || inv.StatusCode != http.StatusOK {
				t.Errorf("the redelivered invoke was answered %q (%v)", again.Body, err)
			}
			two.settle()
			if n := len(u.Messages()); n != 3 {
				t.Errorf("after the invoke reached both replicas the chat has %d messages, want 3", n)
			}

			// A message posted to both at once.
			from := u.Account()
			body, _ := json.Marshal(&schema.Activity{Type: schema.TypeMessage, ID: "1764000088888", From: &from, Text: "help",
				ServiceURL: s.ServiceURL(), ChannelID: schema.ChannelTeams, Recipient: &schema.ChannelAccount{ID: s.BotID()},
				Conversation: &schema.ConversationAccount{ID: u.ChatID(), ConversationType: schema.ConversationPersonal, TenantID: s.TenantID()},
				ChannelData:  &schema.ChannelData{Tenant: &schema.TenantInfo{ID: s.TenantID()}}})
			sends = s.Count("send")
			var wg sync.WaitGroup
			for _, url := range []string{one.url, two.url} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					req.Header.Set("Authorization", signed(t, s, s.Claims(), teamstest.SignOptions{}))
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						t.Errorf("%s answered %d", url, res.StatusCode)
					}
				}()
			}
			wg.Wait()
			one.settle()
			two.settle()
			if n := s.Count("send") - sends; n != 1 {
				t.Errorf("a message that reached both replicas was answered %d times, want once", n)
			}
		})
	}
}

// slowStore is a database that, once slow is set, does not answer until
// released, whatever the caller's deadline: a wedged connection.
type slowStore struct {
	teams.Store
	slow    atomic.Bool
	release chan struct{}
	// claimsOnly makes only the claims of activities hang.
	claimsOnly bool
}

func (s *slowStore) wait() {
	if s.slow.Load() && !s.claimsOnly {
		<-s.release
	}
}

func (s *slowStore) ClaimEnvelope(ctx context.Context, id string, now time.Time) (bool, error) {
	if s.slow.Load() {
		<-s.release
	}
	return s.Store.ClaimEnvelope(ctx, id, now)
}

func (s *slowStore) FindAccount(ctx context.Context, platform, userID string) (*bot.Account, error) {
	s.wait()
	return s.Store.FindAccount(ctx, platform, userID)
}

func (s *slowStore) FindAccounts(ctx context.Context, platform string, userIDs []string) (map[string]bot.Account, error) {
	s.wait()
	return s.Store.FindAccounts(ctx, platform, userIDs)
}

func (s *slowStore) SaveAccount(ctx context.Context, a bot.Account) error {
	s.wait()
	return s.Store.SaveAccount(ctx, a)
}

// A card button pressed while the database hangs is still answered in
// time, with the apology, not left for Teams to time out.
func TestInvokeAnsweredInTimeWhenTheDatabaseHangs(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			t.Parallel()
			slow := &slowStore{release: make(chan struct{})}
			r := newReplica(t, target, replicaOptions{wrap: func(s teams.Store) teams.Store { slow.Store = s; return slow }})
			t.Cleanup(func() { close(slow.release) })
			u := r.s.AddUser("Dev Patel", "dev.patel@nhs.net")
			if _, err := u.InstallPersonal(); err != nil {
				t.Fatal(err)
			}
			welcome := r.waitCard(u, 1)
			r.settle()
			slow.slow.Store(true)
			res, err := u.Press(welcome.ID, "Join Rapport", nil)
			if err != nil {
				t.Fatalf("pressing a button while the database hangs: %v", err)
			}
			if res.Err != nil || res.Shown != bot.SlowMessage {
				t.Errorf("the press was answered %q (%v), want %q", res.Shown, res.Err, bot.SlowMessage)
			}
		})
	}
}

// When only claiming activities hangs, the bot stops waiting for the
// claim and handles the press itself in time.
func TestInvokeHandledWhenClaimingHangs(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			t.Parallel()
			slow := &slowStore{release: make(chan struct{}), claimsOnly: true}
			r := newReplica(t, target, replicaOptions{wrap: func(s teams.Store) teams.Store { slow.Store = s; return slow }})
			t.Cleanup(func() { close(slow.release) })
			u := r.s.AddUser("Fay Moss", "fay.moss@nhs.net")
			if _, err := u.InstallPersonal(); err != nil {
				t.Fatal(err)
			}
			welcome := r.waitCard(u, 1)
			r.settle()
			slow.slow.Store(true)
			res, err := u.Press(welcome.ID, "Join Rapport", nil)
			if err != nil || res.Shown == bot.SlowMessage {
				t.Fatalf("pressing a button while claims hang: %q (%v)", res.Shown, err)
			}
			if form := r.waitCard(u, 2); len(form.Inputs()) == 0 {
				t.Errorf("the form did not open:\n%s", form.CardText())
			}
		})
	}
}

// download fetches a download link.
func download(t *testing.T, method, link string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// exportLink asks for u's data and returns the download link sent.
func exportLink(t *testing.T, r *replica, u *teamstest.User) string {
	t.Helper()
	have := len(u.Messages())
	if _, err := u.Say("export"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var link string
	err := r.s.Wait(ctx, func() bool {
		for _, m := range u.Messages()[min(have, len(u.Messages())):] {
			if l, err := m.Link(bot.DownloadButton); err == nil {
				link = l
				return true
			}
		}
		return false
	})
	if err != nil {
		for _, m := range u.Messages()[have:] {
			t.Logf("message: %.300s", m.CardText())
		}
		t.Fatalf("no download link: %v", err)
	}
	return link
}

// An export too long for a chat message comes as a link on Rapport's own
// address. Opening it shows a page with a button and does not spend it;
// the button's POST hands the file over once; after that, past its
// expiry, after leave, or for a token never issued, there is only a page
// saying the link is gone.
func TestDownloadLinks(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newReplica(t, target, replicaOptions{publicURL: true})
			ctx := context.Background()
			u := r.s.AddUser("Eve Marsh", "eve.marsh@nhs.net")
			join(t, r.rig, u)
			const meetups = 150
			start := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Hour)
			for i := range meetups {
				m := &bot.Meetup{Title: fmt.Sprintf("Diabetes peer group %d", i), Purpose: strings.Repeat("Sharing practice on insulin starts. ", 8),
					StartsAt: start.Add(time.Duration(i) * time.Hour), EndsAt: start.Add(time.Duration(i)*time.Hour + 30*time.Minute),
					Place: "Riverside Surgery, room 2", CreateKey: fmt.Sprintf("k%d", i)}
				if _, err := r.db.CreateMeetup(ctx, teams.Platform, u.ID, m); err != nil {
					t.Fatal(err)
				}
			}

			link := exportLink(t, r, u)
			if !strings.HasPrefix(link, r.base+"/download/") {
				t.Fatalf("the link %q is not under Rapport's address %s", link, r.base)
			}
			for range 2 {
				res, page := download(t, http.MethodGet, link)
				if res.StatusCode != http.StatusOK || !strings.Contains(page, `<form method="post">`) || !strings.Contains(page, bot.DownloadButton) {
					t.Fatalf("opening the link: %d\n%s", res.StatusCode, page)
				}
				if strings.Contains(page, "Diabetes peer group") {
					t.Error("the page shows the data before the button is pressed")
				}
			}
			res, body := download(t, http.MethodPost, link)
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("pressing the button: %d, Content-Disposition %q", res.StatusCode, res.Header.Get("Content-Disposition"))
			}
			var x bot.MemberExport
			if err := json.Unmarshal([]byte(body), &x); err != nil {
				t.Fatalf("the file is not JSON: %v", err)
			}
			if x.Member.Name != "Eve Marsh" || len(x.Meetups) != meetups {
				t.Errorf("the file holds %q with %d meetups, want Eve Marsh with %d", x.Member.Name, len(x.Meetups), meetups)
			}
			gone := func(what, method, link string) {
				t.Helper()
				res, page := download(t, method, link)
				if res.StatusCode != http.StatusGone && res.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d, want 410 or 404", what, res.StatusCode)
				}
				if strings.Contains(page, "Diabetes peer group") || strings.Contains(page, "Eve Marsh") {
					t.Errorf("%s: the answer holds the data", what)
				}
			}
			gone("the link pressed again", http.MethodPost, link)
			gone("a token never issued", http.MethodPost, r.base+"/download/"+strings.Repeat("A", 26))
			gone("no token", http.MethodGet, r.base+"/download/")
			gone("a path below a token", http.MethodPost, link+"/x")
			gone("an overlong token", http.MethodPost, r.base+"/download/"+strings.Repeat("A", 4000))

			// Expired.
			link = exportLink(t, r, u)
			r.clock.Advance(16 * time.Minute)
			gone("an expired link", http.MethodPost, link)
			r.clock.Advance(-16 * time.Minute)

			// Leave erases a download not yet taken.
			link = exportLink(t, r, u)
			have := len(u.Messages())
			if _, err := u.Say("leave"); err != nil {
				t.Fatal(err)
			}
			confirm := r.waitCard(u, have+1)
			if _, err := u.Press(confirm.ID, "Yes, erase my data", nil); err != nil {
				t.Fatal(err)
			}
			r.settle()
			if _, err := r.db.FindMember(ctx, teams.Platform, u.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Fatalf("leave did not erase the member (err %v)", err)
			}
			gone("a link after leave", http.MethodPost, link)
		})
	}
}

// statusOf is a result's HTTP status, or 0 without one.
func statusOf(res *teamstest.Result) int {
	if res == nil {
		return 0
	}
	return res.Status
}
