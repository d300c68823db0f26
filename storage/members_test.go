package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// newMember returns a Slack member with every profile field filled,
// through the profile form.
func newMember(tb testing.TB, userID string) *bot.Member {
	return bottest.Member(tb, bottest.UserID(userID), bottest.Name("Priya Shah"), bottest.Org("Riverside Surgery"),
		bottest.Sector("community_pharmacy"), bottest.Role("clinical_pharmacist"), bottest.CareerStage("established"),
		bottest.Interests("Diabetes", "Quality improvement"), bottest.Offers("Medicines optimisation"), bottest.Asks("Leadership"),
		bottest.Frequency("monthly"), bottest.Mentoring("mentor"), bottest.Meeting("either"),
		bottest.Bio("Clinical pharmacist, ten years in primary care."))
}

// utc is testNow as the store keeps it.
var utc = testNow.UTC().Truncate(time.Microsecond)

func TestSaveAndFindMember(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m *bot.Member)
		expect func(m *bot.Member) // what should read back, from the saved member
	}{
		{"every field", func(*bot.Member) {}, nil},
		{"unicode", func(m *bot.Member) {
			m.Name = "Zoë Ó Súilleabháin 🩺"
			m.Profile.Organisation = "Ysbyty Gwynedd — Meddygfa"
			m.Profile.Interests = []string{"Ménière's disease", "日本語", "emoji 💊"}
			m.Profile.Bio = `Quotes "like this", back\slash, <tags> & ampersands.`
		}, nil},
		{"empty lists read back as nil", func(m *bot.Member) {
			m.Profile.Interests = nil
			m.Profile.Offers = []string{}
			m.Profile.Asks = nil
		}, func(m *bot.Member) { m.Profile.Offers = nil }},
		{"empty profile", func(m *bot.Member) {
			m.Name = ""
			m.Profile = bot.Profile{}
		}, nil},
		{"inactive", func(m *bot.Member) { m.Status = bot.StatusInactive }, nil},
		{"empty status means active", func(m *bot.Member) { m.Status = "" },
			func(m *bot.Member) { m.Status = bot.StatusActive }},
		{"teams member", func(m *bot.Member) {
			m.Platform = "teams"
			m.UserID = "29:1a2b3c-long-teams-id"
		}, nil},
		{"new member paused until a date", func(m *bot.Member) {
			until := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
			m.Paused, m.PausedUntil = true, &until
		}, nil},
		{"pause date ignored when not paused", func(m *bot.Member) {
			until := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
			m.PausedUntil = &until
		}, func(m *bot.Member) { m.PausedUntil = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *storage.DB) {
				ctx := context.Background()
				m := newMember(t, "U123")
				tt.edit(m)
				want := *m
				if tt.expect != nil {
					tt.expect(&want)
				}

				if err := db.SaveMember(ctx, m); err != nil {
					t.Fatal(err)
				}
				if m.ID == 0 {
					t.Error("SaveMember did not set ID")
				}
				want.ID, want.JoinedAt, want.UpdatedAt = m.ID, utc, utc
				if !reflect.DeepEqual(*m, want) {
					t.Errorf("after SaveMember:\n got %s\nwant %s", dump(m), dump(&want))
				}

				got, err := db.FindMember(ctx, want.Platform, want.UserID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(*got, want) {
					t.Errorf("FindMember:\n got %s\nwant %s", dump(got), dump(&want))
				}
			})
		})
	}
}

func TestFindMemberNotJoined(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.SaveMember(ctx, newMember(t, "U1")); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ name, platform, userID string }{
			{"unknown user", "slack", "U2"},
			{"same user ID on another platform", "teams", "U1"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				m, err := db.FindMember(ctx, tt.platform, tt.userID)
				wantCode(t, err, bot.ENOTFOUND)
				if m != nil {
					t.Errorf("FindMember returned %+v with the error", m)
				}
				if msg := bot.ErrorMessage(err); msg != "You haven't joined yet. Run /introduce-me to set up your profile." {
					t.Errorf("message = %q", msg)
				}
			})
		}
	})
}

func TestSaveMemberUpdates(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		first := newMember(t, "U1")
		if err := db.SaveMember(ctx, first); err != nil {
			t.Fatal(err)
		}
		until := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		if _, err := db.SetPause(ctx, "slack", "U1", true, &until, testNow); err != nil {
			t.Fatal(err)
		}

		// A week later they edit their profile from a stale copy that
		// knows nothing of their ID, join date or pause.
		later := testNow.Add(7 * 24 * time.Hour)
		db.Now = func() time.Time { return later }
		edit := newMember(t, "U1")
		edit.Name = "Priya Shah-Jones"
		edit.Profile.Role = "salaried_gp"
		edit.Profile.Interests = []string{"Frailty"}
		edit.Status = bot.StatusInactive
		if err := db.SaveMember(ctx, edit); err != nil {
			t.Fatal(err)
		}

		want := *newMember(t, "U1")
		want.Name, want.Profile.Role, want.Profile.Interests, want.Status = edit.Name, "salaried_gp", []string{"Frailty"}, bot.StatusInactive
		want.ID, want.JoinedAt, want.UpdatedAt = first.ID, utc, later.UTC().Truncate(time.Microsecond)
		want.Paused, want.PausedUntil = true, &until
		if !reflect.DeepEqual(*edit, want) {
			t.Errorf("after SaveMember:\n got %s\nwant %s", dump(edit), dump(&want))
		}
		got, err := db.FindMember(ctx, "slack", "U1")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("FindMember:\n got %s\nwant %s", dump(got), dump(&want))
		}
	})
}

func TestSetPause(t *testing.T) {
	until := time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	untilLondon := time.Date(2026, 4, 20, 0, 0, 0, 0, london) // 23:00 UTC the day before

	tests := []struct {
		name      string
		start     func(ctx context.Context, db *storage.DB) error // from a fresh, active member
		paused    bool
		until     *time.Time
		wantUntil *time.Time
	}{
		{name: "pause indefinitely", paused: true},
		{name: "pause until a date", paused: true, until: &until, wantUntil: &until},
		{name: "pause until a local date comes back in UTC", paused: true, until: &untilLondon, wantUntil: ptr(untilLondon.UTC())},
		{name: "resume after an indefinite pause", start: pause(nil), paused: false},
		{name: "resume ignores until", start: pause(&until), paused: false, until: &until},
		{name: "extend a pause", start: pause(nil), paused: true, until: &until, wantUntil: &until},
		{name: "resume when not paused", paused: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *storage.DB) {
				ctx := context.Background()
				m := newMember(t, "U1")
				if err := db.SaveMember(ctx, m); err != nil {
					t.Fatal(err)
				}
				if tt.start != nil {
					if err := tt.start(ctx, db); err != nil {
						t.Fatal(err)
					}
				}
				now := testNow.Add(time.Hour)
				got, err := db.SetPause(ctx, "slack", "U1", tt.paused, tt.until, now)
				if err != nil {
					t.Fatal(err)
				}
				want := *m
				want.Paused, want.PausedUntil = tt.paused, tt.wantUntil
				want.UpdatedAt = now.UTC().Truncate(time.Microsecond)
				if !reflect.DeepEqual(*got, want) {
					t.Errorf("SetPause:\n got %s\nwant %s", dump(got), dump(&want))
				}
				found, err := db.FindMember(ctx, "slack", "U1")
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(*found, want) {
					t.Errorf("FindMember:\n got %s\nwant %s", dump(found), dump(&want))
				}
			})
		})
	}

	t.Run("not joined", func(t *testing.T) {
		eachDB(t, func(t *testing.T, db *storage.DB) {
			m, err := db.SetPause(context.Background(), "slack", "U404", true, nil, testNow)
			wantCode(t, err, bot.ENOTFOUND)
			if m != nil {
				t.Errorf("SetPause returned %+v with the error", m)
			}
		})
	})
}

func pause(until *time.Time) func(ctx context.Context, db *storage.DB) error {
	return func(ctx context.Context, db *storage.DB) error {
		_, err := db.SetPause(ctx, "slack", "U1", true, until, testNow)
		return err
	}
}

func ptr[T any](v T) *T { return &v }

func TestDeleteMember(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for _, id := range []string{"U1", "U2"} {
			if err := db.SaveMember(ctx, newMember(t, id)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.DeleteMember(ctx, "slack", "U1"); err != nil {
			t.Fatal(err)
		}
		_, err := db.FindMember(ctx, "slack", "U1")
		wantCode(t, err, bot.ENOTFOUND)
		_, err = db.ExportMember(ctx, "slack", "U1")
		wantCode(t, err, bot.ENOTFOUND)
		wantCode(t, db.DeleteMember(ctx, "slack", "U1"), bot.ENOTFOUND)
		if _, err := db.FindMember(ctx, "slack", "U2"); err != nil {
			t.Errorf("the other member: %v", err)
		}

		// Rejoining starts afresh.
		again := newMember(t, "U1")
		if err := db.SaveMember(ctx, again); err != nil {
			t.Fatal(err)
		}
		if again.Paused {
			t.Error("rejoined member is paused")
		}
	})
}

func TestExportMember(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := newMember(t, "U1")
		m.Profile.Bio = "Nurse 👩‍⚕️"
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		exportAt := testNow.Add(time.Minute)
		db.Now = func() time.Time { return exportAt }

		got, err := db.ExportMember(ctx, "slack", "U1")
		if err != nil {
			t.Fatal(err)
		}
		want := bot.MemberExport{Member: *m, ExportedAt: exportAt.UTC().Truncate(time.Microsecond)}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("ExportMember:\n got %s\nwant %s", dump(got), dump(&want))
		}
		// The export goes to the member as JSON: it must encode.
		if _, err := json.Marshal(got); err != nil {
			t.Errorf("export does not encode: %v", err)
		}

		_, err = db.ExportMember(ctx, "slack", "U404")
		wantCode(t, err, bot.ENOTFOUND)
	})
}

// TestTimesAreUTC checks every stored time reads back in UTC and equal to
// what went in, whatever zone it went in with, and whatever the database
// session's own time zone.
func TestTimesAreUTC(t *testing.T) {
	var targets []storagetest.Target
	for _, target := range storagetest.Databases(t) {
		targets = append(targets, target)
		if target.Name == "postgres" {
			// lib/pq returns timestamptz in the session's zone, which the
			// URL can set.
			u, err := url.Parse(os.Getenv(storagetest.PostgresURLEnv))
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("timezone", "America/New_York")
			u.RawQuery = q.Encode()
			targets = append(targets, storagetest.Target{
				Name:    "postgres_session_in_new_york",
				URL:     storagetest.NewPostgresSchema(t, u.String()),
				DataDir: t.TempDir(),
			})
		}
	}
	for _, target := range targets {
		t.Run(target.Name, func(t *testing.T) {
			db := storagetest.MustOpenDB(t, target)
			db.Now = func() time.Time { return testNow }
			ctx := context.Background()
			m := newMember(t, "U1")
			if err := db.SaveMember(ctx, m); err != nil {
				t.Fatal(err)
			}
			until := time.Date(2026, 10, 25, 1, 30, 0, 987654321, time.FixedZone("EDT", -4*60*60))
			got, err := db.SetPause(ctx, "slack", "U1", true, &until, testNow)
			if err != nil {
				t.Fatal(err)
			}
			org, err := db.AddOrganisation(ctx, "Riverside Surgery", testNow)
			if err != nil {
				t.Fatal(err)
			}
			orgs, err := db.ListOrganisations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found, err := db.FindMember(ctx, "slack", "U1")
			if err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct {
				name     string
				got, put time.Time
			}{
				{"joined_at", found.JoinedAt, testNow},
				{"updated_at", found.UpdatedAt, testNow},
				{"paused_until from SetPause", *got.PausedUntil, until},
				{"paused_until", *found.PausedUntil, until},
				{"organisation created_at", org.CreatedAt, testNow},
				{"listed organisation created_at", orgs[0].CreatedAt, testNow},
			} {
				if tt.got.Location() != time.UTC {
					t.Errorf("%s: location %v, want UTC", tt.name, tt.got.Location())
				}
				if !tt.got.Equal(tt.put.Truncate(time.Microsecond)) {
					t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.put)
				}
			}

			// Later queries will compare stored times with bound ones in SQL
			// (whose pause has ended?): on SQLite that compares text, so the
			// stored and bound forms must sort alike, in any zone and to the
			// microsecond.
			for _, tt := range []struct {
				name string
				at   time.Time
				want int
			}{
				{"a microsecond before", until.Add(-time.Microsecond), 0},
				{"at the same instant, in another zone", until.Truncate(time.Microsecond).In(time.FixedZone("X", 5*60*60)), 1},
				{"a second after", until.Add(time.Second), 1},
				{"a day after", until.Add(24 * time.Hour), 1},
			} {
				var n int
				const query = `SELECT COUNT(*) FROM members WHERE paused_until <= $1`
				if err := db.SQLX().Get(&n, query, tt.at); err != nil {
					t.Fatal(err)
				}
				if n != tt.want {
					t.Errorf("paused_until <= %s: %d rows, want %d", tt.name, n, tt.want)
				}
			}
		})
	}
}

// TestConcurrentSaveMember saves 50 members at once, as a busy morning of
// /introduce-me would: none may fail, on SQLite with SQLITE_BUSY least of all.
func TestConcurrentSaveMember(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const n = 50
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			// Built here: a builder may fail the test, which only the
			// test's own goroutine may do.
			m, leaver := newMember(t, fmt.Sprintf("U%03d", i)), newMember(t, fmt.Sprintf("L%03d", i))
			wg.Go(func() {
				// A save, a read, an update, and a join and leave (whose
				// delete reads before it writes), mixed in with the others.
				if errs[i] = db.SaveMember(ctx, m); errs[i] != nil {
					return
				}
				if _, errs[i] = db.FindMember(ctx, "slack", m.UserID); errs[i] != nil {
					return
				}
				m.Profile.Bio = "updated"
				if errs[i] = db.SaveMember(ctx, m); errs[i] != nil {
					return
				}
				if errs[i] = db.SaveMember(ctx, leaver); errs[i] != nil {
					return
				}
				errs[i] = db.DeleteMember(ctx, "slack", leaver.UserID)
			})
		}
		wg.Wait()
		ids := map[int64]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Errorf("member %d: %v", i, errs[i])
				continue
			}
			m, err := db.FindMember(ctx, "slack", fmt.Sprintf("U%03d", i))
			if err != nil {
				t.Errorf("member %d: %v", i, err)
				continue
			}
			if m.Profile.Bio != "updated" {
				t.Errorf("member %d: bio %q, want the update", i, m.Profile.Bio)
			}
			ids[m.ID] = true
		}
		if len(ids) != n && !t.Failed() {
			t.Errorf("%d distinct IDs for %d members", len(ids), n)
		}
	})
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}
