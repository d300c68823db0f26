package teams_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// rig is one Teams adapter serving a core on a real database, talking to
// the stand-in.
type rig struct {
	t       testing.TB
	s       *teamstest.Server
	db      *storage.DB
	core    *bot.Core
	adapter *teams.Adapter
	log     *strings.Builder
}

func newRig(t testing.TB, target storagetest.Target, admins ...string) *rig {
	t.Helper()
	s := teamstest.New()
	t.Cleanup(s.Close)
	db := storagetest.MustOpenDB(t, target)
	db.Now = time.Now
	isAdmin := func(u bot.User) bool {
		for _, a := range admins {
			if strings.EqualFold(a, u.PrincipalName) || strings.EqualFold(a, u.ObjectID) {
				return true
			}
		}
		return false
	}
	core := bot.NewCore(bot.Network{Store: db, Now: time.Now, IsAdmin: isAdmin,
		NextRound: func(t time.Time) time.Time { return t.Add(7 * 24 * time.Hour) }})
	tokens := teams.NewTokenSource(teams.TokenOptions{URL: s.TokenURL(), AppID: s.AppID(), Password: s.AppPassword(), TenantID: s.TenantID()})
	pacer := teams.NewPacer(teams.Limits{}, nil)
	adapter := teams.New(core.Chat, teams.Options{
		AppID: s.AppID(), TenantID: s.TenantID(), Pacer: pacer, Store: db, Downloads: db,
		Verifier:          teams.NewVerifier(teams.VerifierOptions{MetadataURL: s.MetadataURL(), AppID: s.AppID(), TenantID: s.TenantID()}),
		Connector:         teams.NewConnector(teams.ConnectorOptions{Tokens: tokens, Pace: pacer, Retries: 2, Wait429: 2 * time.Second}),
		DeliveryConnector: teams.NewConnector(teams.ConnectorOptions{Tokens: tokens, Pace: pacer}),
		Logger:            slog.New(slog.DiscardHandler),
	})
	core.Delivery.Platforms = map[string]bot.Deliverer{teams.Platform: adapter.Deliverer()}
	core.Meetups.Boards = []bot.MeetupBoard{{Platform: teams.Platform, Board: adapter.Board()}}
	hs := httptest.NewServer(adapter.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(func() { adapter.Wait(10 * time.Second) })
	s.SetBot(hs.URL + "/api/messages")
	return &rig{t: t, s: s, db: db, core: core, adapter: adapter}
}

// escaped matches a Markdown backslash escape.
var escaped = regexp.MustCompile(`\\([[:punct:]])`)

// displayed is card text as Teams shows it: Markdown escapes are not seen.
func displayed(s string) string { return escaped.ReplaceAllString(s, "$1") }

func (r *rig) waitCard(u *teamstest.User, n int) teamstest.Message {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ms, err := u.WaitMessages(ctx, n)
	if err != nil {
		r.t.Fatalf("waiting for message %d: %v (have %d)", n, err, len(u.Messages()))
	}
	return ms[n-1]
}

// profileButton is the title of the card's button that opens the profile
// form: the home's Join, the team welcome's "Set up my profile".
func profileButton(m teamstest.Message) (string, bool) {
	for _, b := range m.Buttons() {
		var d struct {
			Rapport struct {
				Action string `json:"a"`
			} `json:"rapport"`
		}
		if json.Unmarshal(b.Data, &d) == nil && d.Rapport.Action == bot.ActionProfileOpen {
			return b.Title, true
		}
	}
	return "", false
}
