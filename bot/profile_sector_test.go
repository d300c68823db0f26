package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// A listed organisation whose sector the admin has set decides a member's
// sector, so "Northfield Pharmacy" cannot be a GP practice; an
// organisation without one leaves the member's own answer. The welcome the
// member gets shows the sector saved.
func TestAListedOrganisationsSectorIsTheMembers(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			now := func() time.Time { return time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC) }
			core, _ := adminCore(t, db, now, func() bool { return true })
			pharmacy, err := db.AddOrganisation(ctx, "Northfield Pharmacy", now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddOrganisation(ctx, "Age Well Northfield", now()); err != nil {
				t.Fatal(err)
			}
			if err := db.SetOrganisationSector(ctx, pharmacy.ID, "community_pharmacy", now()); err != nil {
				t.Fatal(err)
			}
			save := func(id, org, sector string) (*bot.Member, seen) {
				t.Helper()
				values := bot.FormValues{
					bot.FieldOrganisation: {org}, bot.FieldSector: {sector}, bot.FieldRole: {"community_pharmacist"},
					bot.FieldCareerStage: {"established"}, bot.FieldFrequency: {"weekly"},
					bot.FieldMentoring: {"neither"}, bot.FieldMeeting: {"either"},
				}
				s := carry(t, core.Chat.Submit(ctx, user(id), bot.ProfileFormID, "", values))
				if len(s.errors) > 0 {
					t.Fatalf("the form was refused: %v", s.errors)
				}
				m, err := db.FindMember(ctx, "slack", id)
				if err != nil {
					t.Fatal(err)
				}
				return m, s
			}

			m, s := save("U0PHARM001", "Northfield Pharmacy", "gp_practice")
			if m.Profile.Sector != "community_pharmacy" {
				t.Errorf("a member of Northfield Pharmacy who ticked GP practice is saved in %q, want community_pharmacy", m.Profile.Sector)
			}
			if len(s.dms) != 1 || !strings.Contains(s.dms[0], "Sector: Community pharmacy") || strings.Contains(s.dms[0], "GP practice") {
				t.Errorf("the welcome does not show the sector saved:\n%q", s.dms)
			}

			m, _ = save("U0VOLUN001", "Age Well Northfield", "voluntary_sector")
			if m.Profile.Sector != "voluntary_sector" {
				t.Errorf("a member of an organisation with no sector is saved in %q, want their own voluntary_sector", m.Profile.Sector)
			}

			// The admin's word holds when the member saves again, and a
			// sector the admin clears gives the member their own answer back.
			if err := db.SetOrganisationSector(ctx, pharmacy.ID, "", now()); err != nil {
				t.Fatal(err)
			}
			if m, _ = save("U0PHARM001", "Northfield Pharmacy", "gp_practice"); m.Profile.Sector != "gp_practice" {
				t.Errorf("with the sector cleared, the member is saved in %q, want their own gp_practice", m.Profile.Sector)
			}
		})
	}
}
