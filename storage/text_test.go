package storage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pressly/goose/v3"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// roundMember is a weekly member of org with the interests.
func roundMember(tb testing.TB, userID, name, org string, interests ...string) *bot.Member {
	return bottest.Member(tb, bottest.UserID(userID), bottest.Name(name), bottest.Org(org), bottest.Interests(interests...))
}

// runRound runs a round of the members and returns each member's intro in
// it, as stored.
func runRound(t *testing.T, db *storage.DB, ms []*bot.Member) map[int64]bot.Intro {
	t.Helper()
	ctx := context.Background()
	r := &bot.Rounds{Store: db, Now: func() time.Time { return testNow }}
	if _, _, err := r.Run(ctx, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), true); err != nil {
		t.Fatalf("round: %v", err)
	}
	out := map[int64]bot.Intro{}
	for _, m := range ms {
		got, err := db.RecentIntros(ctx, m.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			out[m.ID] = got[0]
		}
	}
	return out
}

// A round whose members share an interest that starts with a letter
// outside ASCII is stored, and reads back as it was written.
func TestRoundWithRealTextStoresIntact(t *testing.T) {
	for topic, lower := range map[string]string{"Éthique médicale": "éthique médicale", "Łódź walks": "łódź walks", "🚴 cycling": "🚴 cycling"} {
		t.Run(topic, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *storage.DB) {
				ctx := context.Background()
				ms := []*bot.Member{
					roundMember(t, "UELODIE1", "Dr Élodie Durand", "Clinique Saint-Éloi", topic),
					roundMember(t, "ULUCJA01", "Łucja Nowak", "Łódź Practice", topic),
				}
				ms[0].Profile.Offers, ms[1].Profile.Asks = []string{topic}, []string{topic}
				for _, m := range ms {
					if err := db.SaveMember(ctx, m); err != nil {
						t.Fatal(err)
					}
				}
				intros := runRound(t, db, ms)
				in, ok := intros[ms[0].ID]
				if !ok {
					t.Fatal("no intro stored")
				}
				if want := "Élodie, what has worked for you with " + lower + "?"; in.Question != want {
					t.Errorf("question = %q, want %q", in.Question, want)
				}
				if !strings.Contains(in.Explanation, "Both are interested in "+lower) || !strings.Contains(in.Explanation, "Élodie can help with "+lower+", which Łucja wants to learn") {
					t.Errorf("explanation = %q", in.Explanation)
				}
				for _, s := range []string{in.Question, in.Explanation} {
					if !utf8.ValidString(s) {
						t.Errorf("stored text is not valid UTF-8: %q", s)
					}
				}
				for _, im := range in.Members {
					want := ms[0]
					if im.Member.ID == ms[1].ID {
						want = ms[1]
					}
					if im.Member.Name != want.Name || !slices.Equal(im.Member.Profile.Interests, []string{topic}) || im.Member.Profile.Organisation != want.Profile.Organisation {
						t.Errorf("member reads back as %q / %q / %q", im.Member.Name, im.Member.Profile.Interests, im.Member.Profile.Organisation)
					}
				}
			})
		})
	}
}

// Spellings of one organisation are one organisation: members get its
// name, and a round never pairs two of them.
func TestOrganisationSpellingsAreOneOrganisation(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.AddOrganisation(ctx, "St Mary's Surgery", testNow); err != nil {
			t.Fatal(err)
		}
		marys := []*bot.Member{
			roundMember(t, "UMARY001", "Ann One", "St Mary's Surgery", "Cycling"),
			roundMember(t, "UMARY002", "Ben Two", "St Marys Surgery", "Cycling"),
		}
		riverside := []*bot.Member{
			roundMember(t, "URIVER01", "Cal Three", "Riverside Surgery", "Cycling"),
			roundMember(t, "URIVER02", "Dee Four", "Riverside Surgery.", "Cycling"),
			roundMember(t, "URIVER03", "Eve Five", "Riverside Surgery", "Cycling"),
		}
		// As stored before the form took invisible characters out, which
		// storage must still key as the same organisation.
		riverside[2].Profile.Organisation = "Riverside\u200B Surgery"
		all := append(slices.Clone(marys), riverside...)
		for _, m := range all {
			if err := db.SaveMember(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range all {
			got, err := db.FindMember(ctx, m.Platform, m.UserID)
			if err != nil {
				t.Fatal(err)
			}
			want := "Riverside Surgery"
			if slices.Contains(marys, m) {
				want = "St Mary's Surgery"
			}
			if got.Profile.Organisation != want || m.Profile.Organisation != want {
				t.Errorf("%s's organisation = %q (saved as %q), want %q", m.Name, got.Profile.Organisation, m.Profile.Organisation, want)
			}
		}
		// Typed organisations are organisations, but not on the list.
		orgs, err := db.ListOrganisations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 1 || orgs[0].Name != "St Mary's Surgery" {
			t.Errorf("list = %+v, want St Mary's Surgery alone", orgs)
		}

		intros := runRound(t, db, all)
		seen := map[int64]bool{}
		for _, in := range intros {
			if seen[in.ID] {
				continue
			}
			seen[in.ID] = true
			// Colleagues by who they are, not by how their organisation reads.
			colleagues := map[bool]bool{}
			for _, im := range in.Members {
				atMarys := slices.ContainsFunc(marys, func(m *bot.Member) bool { return m.ID == im.Member.ID })
				if colleagues[atMarys] {
					t.Errorf("colleagues paired: %q", in.Explanation)
				}
				colleagues[atMarys] = true
			}
		}
		if len(seen) != 2 {
			t.Errorf("%d intros, want 2 (each St Mary's member with someone from Riverside)", len(seen))
		}
	})
}

// A typed organisation close to a listed one is questioned in the form,
// and the member can still say theirs is another.
func TestTypedOrganisationNearAListedOne(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.AddOrganisation(ctx, "Riverside Surgery", testNow); err != nil {
			t.Fatal(err)
		}
		svc := &bot.Service{Store: db, Now: func() time.Time { return testNow }}
		u := bot.User{Platform: "slack", ID: "UTYPO001", Name: "Dr Helen Ashworth"}
		form := bot.ProfileForm{Organisation: bot.OtherOrganisation, OrganisationOther: "Riverside Surgry",
			Sector: "gp_practice", Role: "other", CareerStage: "established",
			Frequency: "weekly", Mentoring: "neither", Meeting: "either"}
		_, _, err := svc.SaveProfile(ctx, u, form)
		if msg := bot.FieldErrors(err)[bot.FieldOrgOther]; !strings.HasPrefix(msg, "Did you mean Riverside Surgery?") {
			t.Fatalf("near miss: %v %q", err, msg)
		}
		if _, err := db.FindMember(ctx, "slack", u.ID); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("a questioned profile was stored: %v", err)
		}

		form.OrganisationIsNew = true
		m, _, err := svc.SaveProfile(ctx, u, form)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindMember(ctx, "slack", u.ID)
		if err != nil || got.Profile.Organisation != "Riverside Surgry" || m.Profile.Organisation != "Riverside Surgry" {
			t.Errorf("insisted: %v %+v", err, got)
		}
		// Updating the profile later does not ask again.
		form.OrganisationIsNew = false
		form.Bio = "Practice nurse"
		if _, _, err := svc.SaveProfile(ctx, u, form); err != nil {
			t.Errorf("updating the profile asked again: %v %v", err, bot.FieldErrors(err))
		}
		if bot.FirstName(*got) != "Helen" {
			t.Errorf("first name = %q, want Helen", bot.FirstName(*got))
		}
		orgs, err := db.ListOrganisations(ctx)
		if err != nil || len(orgs) != 1 {
			t.Errorf("list = %+v, %v; want Riverside Surgery alone", orgs, err)
		}
	})
}

// Adding an organisation members have typed lists it, under the admin's
// spelling, and its members follow; removing it only unlists it.
func TestListingATypedOrganisation(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := roundMember(t, "UNORTH01", "Ann One", "northfield pharmacy.")
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddOrganisation(ctx, "Northfield Pharmacy", testNow); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindMember(ctx, "slack", m.UserID)
		if err != nil || got.Profile.Organisation != "Northfield Pharmacy" {
			t.Errorf("member's organisation = %q, %v", got.Profile.Organisation, err)
		}
		if _, err := db.AddOrganisation(ctx, "Northfield  Pharmacy", testNow); bot.ErrorCode(err) != bot.ECONFLICT {
			t.Errorf("second add: %v, want a conflict", err)
		}
		if err := db.RemoveOrganisation(ctx, "northfield pharmacy"); err != nil {
			t.Fatal(err)
		}
		got, err = db.FindMember(ctx, "slack", m.UserID)
		if err != nil || got.Profile.Organisation != "Northfield Pharmacy" {
			t.Errorf("after unlisting, member's organisation = %q, %v", got.Profile.Organisation, err)
		}
	})
}

// A database from before organisations had keys is brought into step when
// it migrates: organisations listed under two spellings become one, and
// members' typed organisations become organisations.
func TestMigrateGivesOrganisationsIdentity(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := storage.Open(ctx, target.URL, target.DataDir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			db.Now = func() time.Time { return testNow }
			dialect := goose.DialectSQLite3
			if db.Dialect() == storage.DialectPostgres {
				dialect = goose.DialectPostgres
			}
			p, err := goose.NewProvider(dialect, db.SQLX().DB, os.DirFS(filepath.Join("migrations", db.Dialect())))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 4); err != nil {
				t.Fatal(err)
			}
			// Rows as the earlier release wrote them: lower-cased keys, and
			// members' organisations as text.
			for _, name := range []string{"St Mary's Surgery", "St Marys Surgery", "Oak PCN"} {
				if _, err := db.SQLX().ExecContext(ctx, `INSERT INTO organisations (name, name_key, created_at) VALUES ($1, $2, $3)`,
					name, strings.ToLower(name), testNow.UTC()); err != nil {
					t.Fatal(err)
				}
			}
			typed := map[string]string{
				"U1": "St Marys Surgery", "U2": "St Mary's Surgery", "U3": "Riverside Surgery",
				"U4": "riverside surgery.", "U5": "Riverside\u200B Surgery", "U6": "",
			}
			for id, org := range typed {
				if _, err := db.SQLX().ExecContext(ctx, `INSERT INTO members (platform, user_id, name, organisation, status, joined_at, updated_at)
					VALUES ('slack', $1, $2, $3, 'active', $4, $4)`, id, "Member "+id, org, testNow.UTC()); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// A second start finds everything in step.
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}

			orgs, err := db.ListOrganisations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, o := range orgs {
				names = append(names, o.Name)
			}
			if want := []string{"Oak PCN", "St Mary's Surgery"}; !slices.Equal(names, want) {
				t.Errorf("list = %q, want %q", names, want)
			}
			// Riverside's spelling is whichever came first; see below.
			want := map[string]string{"U1": "St Mary's Surgery", "U2": "St Mary's Surgery", "U3": "", "U4": "", "U5": "", "U6": ""}
			ids := map[string]int64{}
			for id, org := range want {
				m, err := db.FindMember(ctx, "slack", id)
				if err != nil {
					t.Fatal(err)
				}
				if org != "" && m.Profile.Organisation != org {
					t.Errorf("%s: organisation %q, want %q", id, m.Profile.Organisation, org)
				}
				var orgID *int64
				if err := db.SQLX().GetContext(ctx, &orgID, `SELECT organisation_id FROM members WHERE user_id = $1`, id); err != nil {
					t.Fatal(err)
				}
				if orgID != nil {
					ids[id] = *orgID
				} else if typed[id] != "" {
					t.Errorf("%s has no organisation id", id)
				}
			}
			if ids["U1"] != ids["U2"] || ids["U3"] != ids["U4"] || ids["U3"] != ids["U5"] || ids["U1"] == ids["U3"] {
				t.Errorf("organisation ids = %v, want U1 = U2 and U3 = U4 = U5, apart", ids)
			}
			// Riverside's members share one spelling, whichever came first.
			var spellings []string
			for _, id := range []string{"U3", "U4", "U5"} {
				m, _ := db.FindMember(ctx, "slack", id)
				spellings = append(spellings, m.Profile.Organisation)
			}
			if spellings[0] != spellings[1] || spellings[0] != spellings[2] || bot.OrganisationKey(spellings[0]) != "riverside surgery" {
				t.Errorf("Riverside spellings = %q", spellings)
			}
			var n int
			if err := db.SQLX().GetContext(ctx, &n, `SELECT COUNT(*) FROM organisations`); err != nil || n != 3 {
				t.Errorf("%d organisations (%v), want 3: St Mary's, Oak and the typed Riverside", n, err)
			}
		})
	}
}

// An organisation only one member typed goes when they change it.
func TestTypedOrganisationGoesWithItsMember(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := roundMember(t, "UCLINIC1", "Ann One", "Ann's Private Clinic")
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		m.Profile.Organisation = "Riverside Surgery"
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		var names []string
		if err := db.SQLX().SelectContext(ctx, &names, `SELECT name FROM organisations`); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, []string{"Riverside Surgery"}) {
			t.Errorf("organisations = %q, want Riverside Surgery alone", names)
		}
	})
}

// FuzzStoredRoundText joins members through the profile form with any
// text it accepts, runs a round, and checks that what is stored, and read
// back for the messages, is valid UTF-8 and what was written.
func FuzzStoredRoundText(f *testing.F) {
	for _, s := range [][3]string{
		{"Éthique médicale", "Dr Élodie Durand", "Clinique Saint-Éloi"},
		{"Łódź walks", "Łucja Nowak", "Łódź Practice"},
		{"🚴 cycling", "🚴 Sam", "Riverside\u200B Surgery"},
		{"ǅemal, İstanbul", "\u202eMallory", "St Mary's Surgery"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	ctx := context.Background()
	dbs := map[string]*storage.DB{}
	for _, target := range storagetest.Databases(f) {
		dbs[target.Name] = storagetest.MustOpenDB(f, target)
	}
	n := 0
	f.Fuzz(func(t *testing.T, interest, name, org string) {
		for dbName, db := range dbs {
			n++
			svc := &bot.Service{Store: db, Now: func() time.Time { return testNow }}
			var users []bot.User
			written := map[string]bot.Member{}
			for i, sector := range []string{"gp_practice", "housing"} {
				u := bot.User{Platform: "slack", ID: fmt.Sprintf("UFUZZ%d_%d", n, i), Name: name + fmt.Sprint(" ", i)}
				form := bot.ProfileForm{Organisation: bot.OtherOrganisation, OrganisationOther: fmt.Sprint(org, " ", i),
					InterestsOther: interest, Sector: sector, Role: "other", CareerStage: "established",
					Frequency: "weekly", Mentoring: "neither", Meeting: "either", OrganisationIsNew: true}
				saved, _, err := svc.SaveProfile(ctx, u, form)
				if bot.ErrorCode(err) == bot.EINVALID {
					return // refused with a message; nothing stored
				} else if err != nil {
					t.Fatalf("%s: save: %v", dbName, err)
				}
				users = append(users, u)
				written[u.ID] = *saved
			}
			// Each forced round is claimed by its time, so each gets its own.
			at := testNow.Add(time.Duration(n) * time.Second)
			r := &bot.Rounds{Store: db, Now: func() time.Time { return at }}
			round, plan, err := r.Run(ctx, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), true)
			if err != nil {
				t.Fatalf("%s: round: %v", dbName, err)
			}
			if round.Intros != 1 {
				t.Fatalf("%s: %d intros, left out %+v, skipped %+v", dbName, round.Intros, plan.LeftOut, plan.Skipped)
			}
			for _, u := range users {
				m, err := db.FindMember(ctx, u.Platform, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				intros, err := db.RecentIntros(ctx, m.ID, 1)
				if err != nil || len(intros) != 1 {
					t.Fatalf("%s: intros %v, %v", dbName, intros, err)
				}
				if w := written[u.ID]; m.Name != w.Name || m.Profile.Organisation != w.Profile.Organisation || !slices.Equal(m.Profile.Interests, w.Profile.Interests) {
					t.Errorf("%s: read back %q / %q / %q, wrote %q / %q / %q", dbName, m.Name, m.Profile.Organisation, m.Profile.Interests, w.Name, w.Profile.Organisation, w.Profile.Interests)
				}
				texts := append([]string{m.Name, m.Profile.Organisation, intros[0].Explanation, intros[0].Question}, m.Profile.Interests...)
				for _, s := range texts {
					if !utf8.ValidString(s) {
						t.Errorf("%s: stored text is not valid UTF-8: %q", dbName, s)
					}
				}
			}
			// Leave, so the next input's round has only its own members.
			for _, u := range users {
				if err := db.DeleteMember(ctx, u.Platform, u.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
