package teams_test

import (
	"context"
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

// A member installs Rapport, is welcomed once, opens the profile form
// from the welcome, makes a mistake the card shows beside its input,
// fixes it, and is saved.
func TestInstallWelcomeAndProfile(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target)
			if _, err := r.db.AddOrganisation(context.Background(), "Riverside Surgery", time.Now()); err != nil {
				t.Fatal(err)
			}
			priya := r.s.AddUser("Priya Shah", "priya.shah@nhs.net")
			res, err := priya.InstallPersonal()
			if err != nil {
				t.Fatal(err)
			}
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			welcome := r.waitCard(priya, 1)
			if !strings.Contains(welcome.CardText(), "Hello, I'm Rapport") {
				t.Fatalf("welcome:\n%s", welcome.CardText())
			}
			res, err = priya.Press(welcome.ID, "Set up my profile", nil)
			if err != nil {
				t.Fatal(err)
			}
			form := r.waitCard(priya, 2)
			if len(form.Inputs()) == 0 {
				t.Fatalf("no form:\n%s", form.CardText())
			}
			if len(priya.Messages()) != 2 {
				t.Errorf("%d messages; the welcome came twice?", len(priya.Messages()))
			}
			// Saved without a role: the card comes back with the problem
			// beside the input and what was typed still there.
			inputs := map[string]string{bot.FieldOrganisation: "Riverside Surgery", bot.FieldSector: "gp_practice",
				bot.FieldCareerStage: "established", bot.FieldBio: "Nurse & <b>diabetes</b> lead"}
			res, err = priya.Press(form.ID, "Save", inputs)
			if err == nil || res == nil {
				t.Logf("pressing Save without a role: err=%v", err)
			}
			inputs[bot.FieldRole] = "practice_nurse"
			res, err = priya.Press(form.ID, "Save", inputs)
			if err != nil {
				t.Fatal(err)
			}
			if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
				t.Fatalf("after saving, the form card shows:\n%s", teamstest.CardText(res.Card))
			}
			summary := r.waitCard(priya, 3)
			if !strings.Contains(displayed(summary.CardText()), "About you: Nurse & <b>diabetes</b> lead") {
				t.Errorf("the profile summary does not show the bio as typed:\n%s", summary.CardText())
			}
			m, err := r.db.FindMember(context.Background(), teams.Platform, priya.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Profile.Role != "practice_nurse" || m.FirstName != "Priya" {
				t.Errorf("stored %+v", m)
			}
		})
	}
}
